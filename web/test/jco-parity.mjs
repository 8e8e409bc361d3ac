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

test('limits.maxSteps: crates/web and the component via jco stop every policy case at the same step', async () => {
  const { default: web } = await import('./load-wasm.mjs');
  const { cases } = await import('./parity.mjs');
  let stopped = 0;
  for (const c of cases().filter((x) => x.suite === 'policy cases')) {
    const [sets, engineOptions, options, input] = c.args;
    const fromWeb = new web.Engine(sets, engineOptions);
    const fromJco = new api.Engine(sets, engineOptions);
    const at = (maxSteps) => ({ ...options, limits: { maxSteps } });
    const exhausted = (maxSteps) => fromWeb.evaluate(input, at(maxSteps)).error?.code === 'resource-exhausted';
    if (exhausted(2 ** 40)) continue;
    let [lo, hi] = [0, 2 ** 40];
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (exhausted(mid)) lo = mid + 1;
      else hi = mid;
    }
    const free = fromWeb.evaluate(input, options);
    for (const maxSteps of lo > 0 ? [lo, lo - 1] : [lo]) {
      const w = fromWeb.evaluate(input, at(maxSteps));
      const j = fromJco.evaluate(input, at(maxSteps));
      assert.equal(j.canonicalJson, w.canonicalJson, `${c.name} at ${maxSteps} steps`);
      if (maxSteps === lo) assert.equal(w.hash, free.hash, `${c.name}: the least budget changes nothing`);
      else {
        assert.equal(w.error.code, 'resource-exhausted', c.name);
        stopped++;
      }
    }
    fromWeb.free?.();
    fromJco[Symbol.dispose]?.();
  }
  assert.ok(stopped >= 40, `${stopped} cases stopped one step short`);
});
