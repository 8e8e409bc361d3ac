// Cross-host parity, host (c): every example of examples/*/cases.toml through crates/web in Node,
// its verdict hash compared with the golden `expected/<name>.verdict.json` (written by the native
// core and the component: tests/tests/examples.rs). Prints a per-case table; fails on any
// difference. Run: node --test web/test/ (after web/build.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api from './load-wasm.mjs';
import { store, exampleDirs } from './fs-store.mjs';
import { parseToml } from '../src/toml.mjs';
import { items, prepare, run, goldenHash } from '../src/runner.mjs';

const utf8 = new TextDecoder();
const rows = [];
let count = 0;

for (const { dir, name } of exampleDirs()) {
  const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
  for (const item of items(dir, spec)) {
    count++;
    test(`${name} ${item.kind} ${item.name}`, async () => {
      const golden = store.read(item.golden);
      assert.ok(golden, `golden ${item.golden} is missing`);
      const want = await goldenHash(golden);
      const t0 = performance.now();
      const { verdict, rounds } = run(api, store, dir, spec, item);
      const ms = performance.now() - t0;
      const ok = verdict.hash === want;
      rows.push({ example: name, kind: item.kind, name: item.name, decision: verdict.decision, rounds: rounds ?? 1, ms: ms.toFixed(1), hash: verdict.hash?.slice(7, 19), parity: ok ? 'same' : 'DIFFERENT' });
      // The canonical record itself, not only its hash, is byte-identical to the golden's.
      assert.equal(verdict.canonicalJson + '\n', utf8.decode(golden).replaceAll('\r\n', '\n'));
      assert.equal(verdict.hash, want);
      assert.equal(verdict.decision, item.spec.decision);
      assert.deepEqual(verdict.messages, item.spec.messages ?? []);
      if (item.spec.pin !== undefined || verdict.pin != null) assert.equal(verdict.pin, item.spec.pin);
    });
  }
}

test('every example ran', () => {
  assert.ok(count >= 40, `only ${count} example items found`);
});

test('an input given as a plain value gives the same verdict as its JSON text', () => {
  let compared = 0;
  for (const { dir } of exampleDirs()) {
    const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
    for (const item of items(dir, spec).filter((i) => i.kind === 'case')) {
      const p = prepare(store, dir, spec, item);
      const fromText = api.evaluate(p.sets, p.options, p.input);
      const fromValue = api.evaluate(p.sets, p.options, JSON.parse(p.input));
      assert.equal(fromValue.hash, fromText.hash, item.name);
      compared++;
    }
  }
  assert.ok(compared >= 10, `${compared}`);
});

test('an Engine compiled once gives the one-call verdicts', () => {
  const dir = 'examples/xx-release';
  const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
  const all = items(dir, spec);
  const first = prepare(store, dir, spec, all[0]);
  const created = api.Engine.create(first.sets, first.options);
  assert.equal(created.ok, true);
  try {
    for (const item of all) {
      const p = prepare(store, dir, spec, item);
      assert.equal(created.engine.evaluate(p.input).hash, api.evaluate(p.sets, p.options, p.input).hash);
    }
  } finally {
    created.engine.free();
  }
});

test('the table', () => {
  console.log(`\nverdict-web in Node ${process.version}: ${rows.length} example items`);
  console.table(rows);
  const different = rows.filter((r) => r.parity !== 'same');
  assert.equal(different.length, 0, `${different.length} differ`);
});
