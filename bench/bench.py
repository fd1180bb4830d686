#!/usr/bin/env python3
"""Benchmark of chatbot-runtime against FastAPI/uvicorn mock backends (see docs/BENCHMARKS.md).

One run, loopback only, every wrk run bounded in time; it starts and stops everything it uses:
  1. start-to-ready of the runtime (process start until GET /readyz answers 200);
  2. POST /api/chat in the mock phase at 32, 64, 128 and 256 keep-alive connections: the runtime
     and each FastAPI/uvicorn variant of bench/fastapi_mock.py, servers and levels interleaved
     round by round so that a change in the machine's speed hits all of them alike; throughput, p50/p99, errors, peak
     resident memory, and the CPU share other processes took during each wrk run;
  3. overload: 1000 connections at once, with small bodies and then with bodies near the 64 KiB
     limit; 503s, socket errors, the longest /healthz answer during the burst, resident memory,
     and the time until a chat is answered again afterwards;
  4. the latency the runtime adds in front of an upstream: runtime B (huggingface provider) calls
     runtime A (mock) through A's OpenAI-compatible /v1/chat/completions, the router's wire format.
The runtime runs as the image runs it: `java -jar` with the JVM flags and MALLOC_ARENA_MAX of the
Jib configuration in chatbot-runtime/pom.xml, on the jlink'ed runtime when one was built.
Use bench/run.sh, which builds everything first.
"""
import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(ROOT, "chatbot-runtime")
BENCH = os.path.join(ROOT, "bench")
CHAT = '{"message":"hello"}'

# FastAPI/uvicorn variants: handler kind (`def` runs on Starlette's thread pool, `async def` on
# the event loop), uvicorn's event loop and HTTP parser, worker processes. Debian's uvicorn runs
# asyncio + h11 unless python3-uvloop and python3-httptools are installed: then "auto" picks them,
# so every variant names both explicitly.
FASTAPI = {
    "def, h11": ("sync", "asyncio", "h11", 1),
    "async, h11": ("async", "asyncio", "h11", 1),
    "def, httptools+uvloop": ("sync", "uvloop", "httptools", 1),
    "async, httptools+uvloop": ("async", "uvloop", "httptools", 1),
    "async, httptools+uvloop, 2 workers": ("async", "uvloop", "httptools", 2),
}
# The comparison the targets use: the fastest single-process variant.
BASELINE = "async, httptools+uvloop"


def pom():
    with open(os.path.join(MODULE, "pom.xml"), encoding="utf-8") as f:
        return f.read()


def jvm_flags():
    return re.findall(r"<jvmFlag>([^<]+)</jvmFlag>", pom())


def image_env():
    """Environment variables the image sets that change memory use (MALLOC_ARENA_MAX)."""
    return dict(re.findall(r"<(MALLOC_ARENA_MAX)>([^<]+)</", pom()))


def runtime_jar():
    target = os.path.join(MODULE, "target")
    jars = [j for j in os.listdir(target) if re.fullmatch(r"chatbot-runtime-.*\.jar", j)]
    if len(jars) != 1:
        raise RuntimeError(f"expected one runtime jar in {target}, found {jars}: run bench/run.sh")
    return os.path.join(target, jars[0])


def java_version(java):
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    return out.splitlines()[0] if out else "?"


class Proc:
    """A server process of the benchmark; stopped with SIGTERM (then SIGKILL) at the end."""

    def __init__(self, name, cmd, env, cwd=None):
        self.name = name
        self.popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def stop(self):
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()


def start_runtime(java, port, extra_env=None, name="chatbot-runtime"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_") and k != "HF_TOKEN"}
    env.update(image_env())
    env.update({
        "PORT": str(port),
        "CHATBOT_CONFIG_DIR": "/nonexistent",
        # One client (wrk) makes all the calls: the per-client limit would answer 429.
        "CHATBOT_CLIENT_REQUESTS_PER_MINUTE": "0",
        "CHATBOT_SHUTDOWN_DRAIN_SECONDS": "0",
    })
    env.update(extra_env or {})
    return Proc(name, [java] + jvm_flags() + ["-jar", runtime_jar()], env)


def start_fastapi(name, port):
    handler, loop, http, workers = FASTAPI[name]
    env = dict(os.environ, FASTAPI_HANDLER=handler)
    cmd = ["/usr/bin/python3", "-m", "uvicorn", "fastapi_mock:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log",
           "--loop", loop, "--http", http, "--workers", str(workers)]
    return Proc(name, cmd, env, cwd=BENCH)


def http(method, url, body=None, timeout=5.0):
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ok(url, proc, timeout=60.0, interval=0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited before {url} answered")
        try:
            if http("GET", url, timeout=1)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} not ready in {timeout}s")


def tree(pid):
    """The process and its descendants (uvicorn's workers)."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat", encoding="ascii") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kib(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def cpu_ticks(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total


def machine_ticks():
    with open("/proc/stat", encoding="ascii") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait


def loadavg():
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


class Sampler(threading.Thread):
    """Peak resident memory of a process tree, every 50 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join()
        return self.peak / 1024


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(f"cannot parse wrk latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(url, body, duration, connections, threads=2, timeout="5s"):
    env = dict(os.environ, WRK_BODY=body)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "--timeout", timeout, "-s", os.path.join(BENCH, "post.lua"), url],
        env=env, capture_output=True, text=True, check=True).stdout
    if "50%" not in out:
        raise RuntimeError("unexpected wrk output:\n" + out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "max": to_ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(int(x) for x in socket_errors.groups()) if socket_errors else 0,
    }


def measured(proc, url, body, duration, connections, timeout="5s"):
    """A wrk run with peak RSS of the server and the CPU share other processes took meanwhile."""
    hz = os.sysconf("SC_CLK_TCK")
    sampler = Sampler(proc.pid)
    sampler.start()
    t0, idle0 = machine_ticks()
    s0 = cpu_ticks(proc.pid)
    w0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = loadavg()
    r = wrk(url, body, duration, connections, timeout=timeout)
    w1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t1, idle1 = machine_ticks()
    s1 = cpu_ticks(proc.pid)
    r["rss_peak_mib"] = sampler.stop()
    total = max(1, t1 - t0)
    wrk_ticks = (w1.ru_utime + w1.ru_stime - w0.ru_utime - w0.ru_stime) * hz
    busy = (t1 - t0) - (idle1 - idle0)
    r["server_cpu_pct"] = 100.0 * (s1 - s0) / total
    # CPU time per request: what the server costs, little changed by other processes' load.
    r["cpu_us_per_req"] = 1e6 * (s1 - s0) / hz / max(1, r["requests"])
    r["wrk_cpu_pct"] = 100.0 * wrk_ticks / total
    r["other_cpu_pct"] = max(0.0, 100.0 * (busy - (s1 - s0) - wrk_ticks) / total)
    r["loadavg"] = load
    return r


def median(values):
    return statistics.median(values) if values else float("nan")


def summarize(runs):
    keys = ["rps", "p50", "p99", "rss_peak_mib", "other_cpu_pct", "server_cpu_pct", "loadavg",
            "cpu_us_per_req"]
    out = {k: median([r[k] for r in runs]) for k in keys}
    out["rss_max_mib"] = max(r["rss_peak_mib"] for r in runs)
    out["non2xx"] = sum(r["non2xx"] for r in runs)
    out["socket_errors"] = sum(r["socket_errors"] for r in runs)
    out["rps_all"] = [round(r["rps"]) for r in runs]
    return out


def load_levels(args, java, results):
    servers = {"chatbot-runtime": start_runtime(java, 18101)}
    ports = {"chatbot-runtime": 18101}
    names = [] if args.no_fastapi else list(FASTAPI)
    for i, name in enumerate(names):
        servers[name] = start_fastapi(name, 18200 + i)
        ports[name] = 18200 + i
    try:
        for name, proc in servers.items():
            ready = "/readyz" if name == "chatbot-runtime" else "/healthz"
            wait_ok(f"http://127.0.0.1:{ports[name]}{ready}", proc)
            status, body = http("POST", f"http://127.0.0.1:{ports[name]}/api/chat", '{"message":"ping"}')
            assert status == 200 and json.loads(body)["reply"] == "pong", (name, status, body)
        # Warm-up: the JIT compiles the hot paths (C1 only in the image).
        for name in servers:
            wrk(f"http://127.0.0.1:{ports[name]}/api/chat", CHAT, args.warmup, 64)
        rss_idle = rss_kib(servers["chatbot-runtime"].pid) / 1024
        levels = {}
        runs = {c: {name: [] for name in servers} for c in args.levels}
        # Levels interleaved too, round by round: the machine's speed drifts by tens of percent
        # within minutes, and levels run one after the other took that drift for a slope.
        for rnd in range(args.rounds):
            for c in args.levels:
                for name, proc in servers.items():
                    if name != "chatbot-runtime" and c not in args.fastapi_levels:
                        continue
                    r = measured(proc, f"http://127.0.0.1:{ports[name]}/api/chat", CHAT,
                                 args.duration, c)
                    runs[c][name].append(r)
                    print(f"c={c} round {rnd + 1} {name}: {r['rps']:.0f} req/s p99 {r['p99']:.2f} ms "
                          f"cpu {r['cpu_us_per_req']:.0f} us/req rss {r['rss_peak_mib']:.1f} MiB others {r['other_cpu_pct']:.0f}% "
                          f"load {r['loadavg']:.2f}", file=sys.stderr)
        for c in args.levels:
            level = {name: summarize(rs) for name, rs in runs[c].items() if rs}
            base = runs[c].get(BASELINE)
            if base:
                ratios = [a["rps"] / b["rps"] for a, b in zip(runs[c]["chatbot-runtime"], base)]
                level["ratio_vs_baseline"] = median(ratios)
                level["ratios"] = [round(x, 2) for x in ratios]
            levels[c] = level
        results["levels"] = levels
        results["runtime_rss_idle_after_warmup_mib"] = rss_idle
        for name, proc in servers.items():
            if not proc.alive():
                raise RuntimeError(f"{name} died during the load levels")
    finally:
        for proc in servers.values():
            proc.stop()


def large_body():
    """A valid chat body near the default max_body_bytes (64 KiB): 8 messages of 7,800 chars."""
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": chr(97 + i) * 7800}
             for i in range(7)]
    turns.append({"role": "user", "content": "x" * 7800})
    body = json.dumps({"messages": turns})
    assert 60_000 < len(body) < 65_536, len(body)
    return body


def burst(args, proc, url, body):
    """1000 connections at once with this body; probes meanwhile; time until a chat answers after."""
    probe = {"max_ms": 0.0, "failed": 0, "count": 0, "running": True}

    def probe_loop():
        while probe["running"]:
            t = time.monotonic()
            try:
                ok = http("GET", url + "/healthz", timeout=2)[0] == 200
            except OSError:
                ok = False
            probe["max_ms"] = max(probe["max_ms"], (time.monotonic() - t) * 1000)
            probe["count"] += 1
            probe["failed"] += 0 if ok else 1
            time.sleep(0.1)

    prober = threading.Thread(target=probe_loop, daemon=True)
    prober.start()
    r = measured(proc, url + "/api/chat", body, args.duration, args.overload_connections,
                 timeout="10s")
    probe["running"] = False
    prober.join()
    t = time.monotonic()
    status = 0
    while status != 200 and time.monotonic() - t < 30:
        try:
            status = http("POST", url + "/api/chat", '{"message":"ping"}')[0]
        except OSError:
            status = -1
    r.update(alive=proc.alive(), answer_after_ms=(time.monotonic() - t) * 1000,
             healthz_max_ms=probe["max_ms"], healthz_failed=probe["failed"],
             healthz_count=probe["count"], connections=args.overload_connections,
             body_bytes=len(body))
    return r


def overload(args, java, results):
    """Bursts of small bodies, then of bodies near the size limit (memory: bodies are read)."""
    proc = start_runtime(java, 18104)
    url = "http://127.0.0.1:18104"
    try:
        wait_ok(url + "/readyz", proc)
        wrk(url + "/api/chat", CHAT, args.warmup, 64)
        for key, body in (("overload", CHAT), ("overload_large", large_body())):
            results[key] = burst(args, proc, url, body)
            print(f"{key}: {results[key]}", file=sys.stderr)
    finally:
        proc.stop()


def added_latency(args, java, results):
    upstream = start_runtime(java, 18102, {"CHATBOT_MOCK_TOKEN_DELAY_MS": "0"})
    proxy = start_runtime(java, 18103, {
        "CHATBOT_MODEL_PROVIDER": "huggingface",
        "CHATBOT_HUGGINGFACE_ENDPOINT": "http://127.0.0.1:18102/v1",
        "CHATBOT_FALLBACK_TO_MOCK": "false",
        "HF_TOKEN": "hf_bench_dummy",
    })
    try:
        wait_ok("http://127.0.0.1:18102/readyz", upstream)
        wait_ok("http://127.0.0.1:18103/readyz", proxy)
        status, body = http("POST", "http://127.0.0.1:18103/api/chat", CHAT)
        reply = json.loads(body)
        assert status == 200 and reply["provider"] == "huggingface" and not reply["fallback"], reply
        direct_body = json.dumps({"model": "meta-llama/Llama-3.1-8B-Instruct", "messages": [
            {"role": "user", "content": "hello"}], "max_tokens": 256, "temperature": 0.7, "stream": False})
        for url, body in (("http://127.0.0.1:18102/v1/chat/completions", direct_body),
                          ("http://127.0.0.1:18103/api/chat", CHAT)):
            wrk(url, body, args.warmup, 4, 1)
        direct = wrk("http://127.0.0.1:18102/v1/chat/completions", direct_body, args.duration, 1, 1)
        via = wrk("http://127.0.0.1:18103/api/chat", CHAT, args.duration, 1, 1)
        results["added_latency"] = {"direct": direct, "via_runtime": via,
                                    "added_p50_ms": via["p50"] - direct["p50"],
                                    "added_p99_ms": via["p99"] - direct["p99"]}
    finally:
        proxy.stop()
        upstream.stop()


def start_to_ready(args, java, results):
    times = []
    for _ in range(args.starts):
        t0 = time.monotonic()
        p = start_runtime(java, 18100)
        try:
            wait_ok("http://127.0.0.1:18100/readyz", p)
            times.append(time.monotonic() - t0)
            status, body = http("POST", "http://127.0.0.1:18100/api/chat", '{"message":"ping"}')
            assert status == 200 and json.loads(body)["reply"] == "pong", body
        finally:
            p.stop()
    results["ready_s"] = {"median": median(times), "max": max(times), "all": times}


def table(results, args):
    ok = lambda cond: "met" if cond else "MISSED"
    lines = []
    levels = results["levels"]
    rt = {c: levels[c]["chatbot-runtime"] for c in levels}
    first = min(levels)
    lines += [f"runtime: {results['java']}; flags: {' '.join(results['flags'])}",
              f"load levels: median of {args.rounds} interleaved rounds of {args.duration} s per level",
              "",
              "| connections | runtime req/s | p50 / p99 ms | CPU us/req | peak RSS MiB | errors | others' CPU % | load avg |",
              "|---|---|---|---|---|---|---|---|"]
    for c in sorted(levels):
        r = rt[c]
        lines.append(f"| {c} | {r['rps']:.0f} ({', '.join(map(str, r['rps_all']))}) | "
                     f"{r['p50']:.2f} / {r['p99']:.2f} | {r['cpu_us_per_req']:.0f} | {r['rss_max_mib']:.1f} | "
                     f"{r['non2xx']} non-2xx, {r['socket_errors']} socket | {r['other_cpu_pct']:.0f} | "
                     f"{r['loadavg']:.2f} |")
    flat = min(rt[c]["rps"] for c in rt) / max(rt[c]["rps"] for c in rt)
    lines.append("")
    lines.append(f"flatness 32-256: lowest/highest median = {flat:.2f} (target >= 0.80: {ok(flat >= 0.8)})")
    lines.append(f"p99 at {first}: {rt[first]['p99']:.2f} ms (target < 10 ms: {ok(rt[first]['p99'] < 10)})")
    lines.append(f"peak RSS under load: {max(r['rss_max_mib'] for r in rt.values()):.1f} MiB "
                 f"(128 MiB pod limit: {ok(max(r['rss_max_mib'] for r in rt.values()) < 110)} with >= 18 MiB spare)")
    if any(n in levels[c] for c in levels for n in FASTAPI):
        lines += ["", "| FastAPI/uvicorn variant | " + " | ".join(f"{c} conns req/s (p99 ms, CPU us/req, RSS MiB)" for c in args.fastapi_levels) + " |",
                  "|---|" + "---|" * len(args.fastapi_levels)]
        for name in FASTAPI:
            cells = []
            for c in args.fastapi_levels:
                f = levels[c].get(name)
                cells.append(f"{f['rps']:.0f} ({f['p99']:.1f}, {f['cpu_us_per_req']:.0f}, {f['rss_max_mib']:.0f})"
                             if f else "-")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        for c in args.fastapi_levels:
            if "ratio_vs_baseline" in levels[c]:
                ratio = levels[c]["ratio_vs_baseline"]
                lines.append(f"\nratio at {c} vs '{BASELINE}': {ratio:.1f}x per round {levels[c]['ratios']} "
                             f"(target >= 6x: {ok(ratio >= 6)})")
    for key in ("overload", "overload_large"):
        o = results.get(key)
        if o:
            lines += ["", f"{key}, {o['connections']} connections of {o['body_bytes']}-byte bodies for {args.duration} s: "
                      f"{o['rps']:.0f} req/s answered, "
                      f"{o['non2xx']} non-2xx (503 shed), {o['socket_errors']} socket errors, p99 {o['p99']:.0f} ms, "
                      f"max {o['max']:.0f} ms, peak RSS {o['rss_peak_mib']:.1f} MiB, process alive: {o['alive']}, "
                      f"/healthz max {o['healthz_max_ms']:.0f} ms ({o['healthz_failed']} of {o['healthz_count']} failed), "
                      f"a chat answered {o['answer_after_ms']:.0f} ms after the burst"]
    rs = results.get("ready_s")
    if rs:
        lines.append(f"start-to-ready: median {rs['median']:.3f} s, max {rs['max']:.3f} s of {args.starts}")
    a = results.get("added_latency")
    if a:
        lines.append(f"added latency (1 connection): p50 {a['added_p50_ms']:.3f} ms, p99 {a['added_p99_ms']:.3f} ms "
                     f"(direct p50 {a['direct']['p50']:.3f} ms, via runtime {a['via_runtime']['p50']:.3f} ms)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--java", help="java binary (default: the jlink'ed image runtime, else `java`)")
    ap.add_argument("--duration", type=int, default=8, help="seconds of each measured wrk run")
    ap.add_argument("--warmup", type=int, default=10, help="seconds of wrk warm-up per server")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per load level")
    ap.add_argument("--levels", type=int, nargs="+", default=[32, 64, 128, 256])
    ap.add_argument("--fastapi-levels", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--overload-connections", type=int, default=1000)
    ap.add_argument("--starts", type=int, default=5, help="start-to-ready repetitions")
    ap.add_argument("--no-fastapi", action="store_true")
    ap.add_argument("--skip", nargs="*", default=[], choices=["ready", "overload", "added"])
    ap.add_argument("--out", default=os.path.join(MODULE, "target", "bench"),
                    help="directory for results.md and results.json")
    args = ap.parse_args()

    jlinked = os.path.join(MODULE, "target", "jib-runtime", "opt", "java", "bin", "java")
    java = args.java or (jlinked if os.access(jlinked, os.X_OK) else "java")
    results = {"flags": jvm_flags(), "env": image_env(), "java": f"{java} ({java_version(java)})",
               "args": vars(args), "loadavg_start": loadavg(), "nproc": os.cpu_count(),
               "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print(f"java: {results['java']}; flags: {' '.join(jvm_flags())}; env: {image_env()}", file=sys.stderr)
    if "ready" not in args.skip:
        start_to_ready(args, java, results)
    load_levels(args, java, results)
    if "overload" not in args.skip:
        overload(args, java, results)
    if "added" not in args.skip:
        added_latency(args, java, results)
    results["loadavg_end"] = loadavg()

    text = table(results, args)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)
    print(f"\nload average at start {results['loadavg_start']:.2f}, at end {results['loadavg_end']:.2f}; "
          f"results in {args.out}")


if __name__ == "__main__":
    main()
