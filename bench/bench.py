#!/usr/bin/env python3
"""Benchmark of chatbot-runtime against a FastAPI/uvicorn mock backend (see docs/BENCHMARKS.md).

Measures, in one run, on loopback only and with bounded wrk runs:
  1. start-to-ready time of the runtime (process start until GET /readyz answers 200);
  2. mock-phase POST /api/chat throughput, latency and resident memory (peak VmRSS sampled during
     the load), side by side with bench/fastapi_mock.py under uvicorn;
  3. the latency the runtime adds over calling a fake upstream directly: runtime B in huggingface
     mode talks to runtime A (mock provider) through A's OpenAI-compatible /v1/chat/completions,
     which is the Hugging Face router's wire format; compared with calling A directly.
The runtime runs with the JVM flags of the image (read from chatbot-runtime/pom.xml).
Use bench/run.sh, which builds the classpath first.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = os.path.join(ROOT, "chatbot-runtime")
BENCH = os.path.join(ROOT, "bench")


def jvm_flags():
    with open(os.path.join(MODULE, "pom.xml"), encoding="utf-8") as f:
        return re.findall(r"<jvmFlag>([^<]+)</jvmFlag>", f.read())


def image_env():
    """Environment variables the image sets that change memory use (e.g. MALLOC_ARENA_MAX)."""
    with open(os.path.join(MODULE, "pom.xml"), encoding="utf-8") as f:
        return dict(re.findall(r"<(MALLOC_ARENA_MAX)>([^<]+)</", f.read()))


def java_binary():
    jlinked = os.path.join(MODULE, "target", "jib-runtime", "opt", "java", "bin", "java")
    if os.access(jlinked, os.X_OK):
        return jlinked, "jlink'ed image runtime (target/jib-runtime)"
    return "java", "system java"


def classpath():
    lib = os.path.join(MODULE, "target", "lib")
    jars = sorted(os.path.join(lib, j) for j in os.listdir(lib) if j.endswith(".jar"))
    return ":".join([os.path.join(MODULE, "target", "classes")] + jars)


def start_runtime(port, extra_env=None, log=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_") and k != "HF_TOKEN"}
    env.update(image_env())
    env.update({
        "PORT": str(port),
        "CHATBOT_CONFIG_DIR": "/nonexistent",
        "CHATBOT_CLIENT_REQUESTS_PER_MINUTE": "0",
    })
    env.update(extra_env or {})
    java, _ = java_binary()
    cmd = [java] + jvm_flags() + ["-cp", classpath(), "dev.chatbot.runtime.Main"]
    return subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)


def start_fastapi(port):
    cmd = ["/usr/bin/python3", "-m", "uvicorn", "fastapi_mock:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, cwd=BENCH, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def wait_ok(url, proc, timeout=30.0, interval=0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} not ready in {timeout}s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except OSError:
                return
            time.sleep(0.05)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(f"cannot parse wrk latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(url, body, duration, connections, threads):
    env = dict(os.environ, WRK_BODY=body)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
         "-s", os.path.join(BENCH, "post.lua"), url],
        env=env, capture_output=True, text=True, check=True).stdout
    if "50%" not in out:
        raise RuntimeError("unexpected wrk output:\n" + out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else "none"}


def post_json(url, body):
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def measure_load(name, proc, url, args):
    body = '{"message":"hello"}'
    wrk(url, body, args.warmup, args.connections, args.threads)
    idle = rss_kib(proc.pid)
    sampler = RssSampler(proc.pid)
    sampler.start()
    result = wrk(url, body, args.duration, args.connections, args.threads)
    sampler.running = False
    sampler.join()
    result.update(name=name, rss_peak_mib=sampler.peak / 1024, rss_before_mib=idle / 1024)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    ap.add_argument("--warmup", type=int, default=10, help="seconds of wrk warm-up before measuring")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--starts", type=int, default=5, help="start-to-ready repetitions")
    ap.add_argument("--json", help="also write the raw results to this file")
    args = ap.parse_args()

    java, java_kind = java_binary()
    print(f"java: {java} ({java_kind}); flags: {' '.join(jvm_flags())}; env: {image_env()}", file=sys.stderr)
    results = {"flags": jvm_flags(), "env": image_env(), "java": java_kind, "args": vars(args)}

    # 1. Start-to-ready.
    times = []
    for i in range(args.starts):
        t0 = time.monotonic()
        p = start_runtime(18100)
        try:
            wait_ok("http://127.0.0.1:18100/readyz", p)
            times.append(time.monotonic() - t0)
            reply = post_json("http://127.0.0.1:18100/api/chat", '{"message":"ping"}')
            assert reply["reply"] == "pong", reply
        finally:
            stop(p)
    results["ready_s"] = {"median": statistics.median(times), "max": max(times), "all": times}
    print(f"start-to-ready: {times}", file=sys.stderr)

    # 2. Throughput, latency, RSS: runtime vs FastAPI.
    rt = start_runtime(18101)
    try:
        wait_ok("http://127.0.0.1:18101/readyz", rt)
        results["runtime"] = measure_load("chatbot-runtime", rt, "http://127.0.0.1:18101/api/chat", args)
    finally:
        stop(rt)
    print(f"runtime: {results['runtime']}", file=sys.stderr)
    fa = start_fastapi(18200)
    try:
        wait_ok("http://127.0.0.1:18200/healthz", fa)
        reply = post_json("http://127.0.0.1:18200/api/chat", '{"message":"ping"}')
        assert reply["reply"] == "pong", reply
        results["fastapi"] = measure_load("FastAPI/uvicorn", fa, "http://127.0.0.1:18200/api/chat", args)
    finally:
        stop(fa)
    print(f"fastapi: {results['fastapi']}", file=sys.stderr)

    # 3. Added latency over a fake upstream (runtime A, mock, speaks the router's format).
    upstream = start_runtime(18102, {"CHATBOT_MOCK_TOKEN_DELAY_MS": "0"})
    proxy = start_runtime(18103, {
        "CHATBOT_MODEL_PROVIDER": "huggingface",
        "CHATBOT_HUGGINGFACE_ENDPOINT": "http://127.0.0.1:18102/v1",
        "CHATBOT_FALLBACK_TO_MOCK": "false",
        "HF_TOKEN": "hf_bench_dummy",
    })
    try:
        wait_ok("http://127.0.0.1:18102/readyz", upstream)
        wait_ok("http://127.0.0.1:18103/readyz", proxy)
        reply = post_json("http://127.0.0.1:18103/api/chat", '{"message":"hello"}')
        assert reply["provider"] == "huggingface" and not reply["fallback"], reply
        direct_body = json.dumps({"model": "meta-llama/Llama-3.1-8B-Instruct", "messages": [
            {"role": "user", "content": "hello"}], "max_tokens": 256, "temperature": 0.7, "stream": False})
        via_body = '{"message":"hello"}'
        for url, body in (("http://127.0.0.1:18102/v1/chat/completions", direct_body),
                          ("http://127.0.0.1:18103/api/chat", via_body)):
            wrk(url, body, args.warmup, 4, 1)
        direct = wrk("http://127.0.0.1:18102/v1/chat/completions", direct_body, args.duration, 1, 1)
        via = wrk("http://127.0.0.1:18103/api/chat", via_body, args.duration, 1, 1)
        results["added_latency"] = {"direct": direct, "via_runtime": via,
                                    "added_p50_ms": via["p50"] - direct["p50"],
                                    "added_p99_ms": via["p99"] - direct["p99"]}
    finally:
        stop(proxy)
        stop(upstream)
    print(f"added latency: {results['added_latency']}", file=sys.stderr)

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)

    r, f, a = results["runtime"], results["fastapi"], results["added_latency"]
    ratio = r["rps"] / f["rps"]
    ok = lambda cond: "met" if cond else "MISSED"
    print(f"| metric | chatbot-runtime | FastAPI/uvicorn | target | result |")
    print(f"|---|---|---|---|---|")
    print(f"| /api/chat throughput (req/s, {args.connections} conns, {args.duration}s) | {r['rps']:.0f} | {f['rps']:.0f} | >= 5x FastAPI | {ratio:.1f}x, {ok(ratio >= 5)} |")
    print(f"| latency p50 / p99 (ms) | {r['p50']:.2f} / {r['p99']:.2f} | {f['p50']:.2f} / {f['p99']:.2f} | | |")
    print(f"| non-2xx / socket errors | {r['non2xx']} / {r['socket_errors']} | {f['non2xx']} / {f['socket_errors']} | 0 | |")
    print(f"| RSS before load / peak under load (MiB) | {r['rss_before_mib']:.1f} / {r['rss_peak_mib']:.1f} | {f['rss_before_mib']:.1f} / {f['rss_peak_mib']:.1f} | <= 96 MiB | {ok(r['rss_peak_mib'] <= 96)} |")
    rs = results["ready_s"]
    print(f"| start-to-ready (s, median / max of {args.starts}) | {rs['median']:.3f} / {rs['max']:.3f} | | < 1 s | {ok(rs['max'] < 1)} |")
    print(f"| upstream p50 direct / via runtime (ms, 1 conn) | {a['direct']['p50']:.3f} / {a['via_runtime']['p50']:.3f} | | | |")
    print(f"| added latency p50 / p99 (ms) | {a['added_p50_ms']:.3f} / {a['added_p99_ms']:.3f} | | < 1 ms at p50 | {ok(a['added_p50_ms'] < 1)} |")


if __name__ == "__main__":
    main()
