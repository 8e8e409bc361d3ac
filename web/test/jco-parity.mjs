// Cross-host parity, host (e): every case of the parity suite (test/parity.mjs) through the
// verdict component transpiled with jco and run in Node (test/load-jco.mjs), each canonical
// verdict compared byte for byte with the golden. Prints a table; fails on any difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api, { componentSize, componentSha256, transpileMs } from './load-jco.mjs';
import { errorCodesRoundTrip, parityTests } from './parity.mjs';
import { evaluateOnce } from '../src/runner.mjs';

test('the component jco transpiled', () => {
  console.log(`component: ${componentSize} bytes, sha256 ${componentSha256}; jco transpile + import ${transpileMs.toFixed(0)} ms`);
  assert.ok(componentSize > 100_000);
});

parityTests('(e) the component via jco in Node ' + process.version, 'node-jco', api);

test('error codes: the component via jco knows every WIT error-code (one registry)', () => {
  const { codes, seen } = errorCodesRoundTrip(api);
  assert.deepEqual(seen, codes);
});

test('coverage: the component via jco and crates/web report the same lines for every policy case', async () => {
  const { default: web } = await import('./load-wasm.mjs');
  const { cases } = await import('./parity.mjs');
  let compared = 0;
  for (const c of cases().filter((x) => x.suite === 'policy cases')) {
    const [sets, engineOptions, options, input] = c.args;
    const covered = { ...options, coverage: true };
    const fromWeb = evaluateOnce(web, sets, engineOptions, covered, input);
    const fromJco = evaluateOnce(api, sets, engineOptions, covered, input);
    assert.equal(fromJco.hash, fromWeb.hash, c.name);
    assert.deepEqual(fromJco.coverage ?? [], fromWeb.coverage ?? [], c.name);
    if ((fromWeb.coverage ?? []).length) compared++;
  }
  assert.ok(compared >= 40, `${compared} cases with coverage`);
});
