// The cross-host parity summary: every case of the suite (test/parity.mjs) on the five hosts,
//   (a) native verdict-core and (b) the component in the wasmtime runner (tests/tests/policy.rs,
//       examples.rs and vectors.rs write native-*.json and component-*.json),
//   (c) crates/web in Node (node-parity.mjs), (e) the component via jco in Node
//       (jco-parity.mjs), (d) the playground in Chromium (browser.mjs), and the embeddings
//   (f) Python with wasmtime-py (examples/embed/python) and (g) Rust with wasmtime's bindgen!
//       (examples/embed/rust), which run the policy cases and the examples,
// read from <target>/parity/. Each host's verdict hash must equal the golden's for every case:
// prints one row per host and suite, fails on a missing case or a different hash.
// Run last: node web/test/parity-summary.mjs.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { cases, parityDir, sha256 } from './parity.mjs';

const dir = parityDir();
const load = (files, suites) => {
  const merged = { host: undefined, hashes: {}, suites };
  for (const f of files) {
    const p = path.join(dir, f);
    if (!existsSync(p)) throw new Error(`${p} is missing: run its host's tests first (./x test runs them all)`);
    const doc = JSON.parse(readFileSync(p, 'utf8'));
    merged.host = doc.host;
    Object.assign(merged.hashes, doc.hashes);
  }
  return merged;
};
const hosts = [
  load(['native-policy.json', 'native-examples.json', 'native-vectors.json']),
  load(['component-policy.json', 'component-examples.json', 'component-vectors.json']),
  load(['node-web.json']),
  load(['chromium.json']),
  load(['node-jco.json']),
  // The embeddings (examples/embed) run the verdicts: the policy cases and the examples.
  load(['python-embed.json'], ['policy cases', 'examples (case)', 'examples (check)']),
  load(['rust-embed.json'], ['policy cases', 'examples (case)', 'examples (check)']),
];

const all = cases();
const golden = new Map(all.map((c) => [`${c.suite}/${c.name}`, sha256(c.golden().replace(/\n$/, ''))]));
const suites = [...new Set(all.map((c) => c.suite))];
const rows = [];
const failures = [];
for (const h of hosts) {
  for (const suite of suites.filter((s) => !h.suites || h.suites.includes(s))) {
    const ids = all.filter((c) => c.suite === suite).map((c) => `${c.suite}/${c.name}`);
    let identical = 0;
    let missing = 0;
    for (const id of ids) {
      const got = h.hashes[id];
      if (got === undefined) {
        missing++;
        failures.push(`${h.host}: ${id} did not run`);
      } else if (got === golden.get(id)) identical++;
      else failures.push(`${h.host}: ${id} gave ${got}, the golden is ${golden.get(id)}`);
    }
    rows.push({ host: h.host, suite, cases: ids.length, identical, different: ids.length - identical - missing, missing });
  }
}
const ran = rows.reduce((n, r) => n + r.cases, 0);
console.log(`cross-host parity: ${all.length} cases on ${hosts.length} hosts (the embeddings run the verdict suites), verdict hash against the golden`);
console.table(rows);
const total = rows.reduce((n, r) => n + r.identical, 0);
console.log(`${total} of ${ran} verdicts identical`);
if (failures.length) {
  console.error(failures.slice(0, 40).join('\n'));
  process.exit(1);
}
