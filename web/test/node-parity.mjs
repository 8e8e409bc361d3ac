// Cross-host parity, host (c): every case of the parity suite (test/parity.mjs: the policy cases
// and every example item) through crates/web in Node, each canonical verdict compared byte for
// byte with the golden the native core and the component wrote. Prints a table; fails on any
// difference. Run: node --test web/test/ (after web/build.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api from './load-wasm.mjs';
import { store, exampleDirs } from './fs-store.mjs';
import { parseToml } from '../src/toml.mjs';
import { evaluateOnce, items, prepare } from '../src/runner.mjs';
import { parityTests } from './parity.mjs';

const utf8 = new TextDecoder();

parityTests('(c) crates/web in Node ' + process.version, 'node-web', api);

test('an input given as a plain value gives the same verdict as its JSON text', () => {
  let compared = 0;
  for (const { dir } of exampleDirs()) {
    const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
    for (const item of items(dir, spec).filter((i) => i.kind === 'case')) {
      const p = prepare(store, dir, spec, item);
      const engine = new api.Engine(p.sets, p.engineOptions);
      const fromText = engine.evaluate(p.input, p.options);
      const fromValue = engine.evaluate(JSON.parse(p.input), p.options);
      engine.free();
      assert.equal(fromValue.hash, fromText.hash, item.name);
      compared++;
    }
  }
  assert.ok(compared >= 10, `${compared}`);
});

test('an Engine compiled once gives the one-call verdicts, at each item\'s time', () => {
  const dir = 'examples/xx-release';
  const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
  const all = items(dir, spec).filter((i) => i.kind === 'case');
  const first = prepare(store, dir, spec, all[0]);
  const engine = new api.Engine(first.sets, first.engineOptions);
  try {
    for (const item of all) {
      const p = prepare(store, dir, spec, item);
      assert.equal(engine.evaluate(p.input, p.options).hash, evaluateOnce(api, p.sets, p.engineOptions, p.options, p.input).hash);
    }
  } finally {
    engine.free();
  }
});
