// Cross-host parity, host (e): every case of the parity suite (test/parity.mjs) through the
// verdict component transpiled with jco and run in Node (test/load-jco.mjs), each canonical
// verdict compared byte for byte with the golden. Prints a table; fails on any difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api, { componentSize, componentSha256, transpileMs } from './load-jco.mjs';
import { parityTests } from './parity.mjs';

test('the component jco transpiled', () => {
  console.log(`component: ${componentSize} bytes, sha256 ${componentSha256}; jco transpile + import ${transpileMs.toFixed(0)} ms`);
  assert.ok(componentSize > 100_000);
});

parityTests('(e) the component via jco in Node ' + process.version, 'node-jco', api);
