// The JS helpers the tests and the page share: the TOML reader, times, paths. (The evidence
// layout is read inside the component: node-api.mjs tests it through the API.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseToml } from '../src/toml.mjs';
import { rfc3339ToNs } from '../src/time.mjs';
import { normalize } from '../src/runner.mjs';

test('toml: the subset cases.toml uses, and errors for the rest', () => {
  const doc = parseToml('# c\npolicies = ["a.rego", \'b\\n.rego\']\nnow = "t"\n\n[[case]]\ninput = "x" # trailing\nmessages = [\n  "say \\"hi\\" \\u00e9",\n]\nflag = true\nn = 1_000\n[[case]]\ninput = "y"\n');
  assert.deepEqual(doc, {
    policies: ['a.rego', 'b\\n.rego'],
    now: 't',
    case: [{ input: 'x', messages: ['say "hi" é'], flag: true, n: 1000 }, { input: 'y' }],
  });
  assert.throws(() => parseToml('a = """x"""'), /multi-line/);
  assert.throws(() => parseToml('a = 1\na = 2'), /twice/);
  assert.throws(() => parseToml('a = "x" b'), /junk/);
  assert.throws(() => parseToml('a = 1.5'), /unsupported/);
});

test('times and paths', () => {
  assert.equal(rfc3339ToNs('2026-11-25T00:00:00Z'), '1795564800000000000');
  assert.equal(rfc3339ToNs('1970-01-01T00:00:01.5+00:00'), '1500000000');
  assert.throws(() => rfc3339ToNs('yesterday'), /RFC 3339/);
  assert.equal(normalize('examples/a/../../tests/minted/x/./y'), 'tests/minted/x/y');
});
