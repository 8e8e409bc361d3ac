// crates/web's API on plain JS values: every failure is a value (never a throw), bytes and
// digests in their accepted forms, the verifier and the trusted root.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api from './load-wasm.mjs';
import { store } from './fs-store.mjs';

const policy = 'package docker\ndefault allow := false\nallow if input.ok\ndecision := {"allow": allow, "deny_msg": ["no"]}\n';
const sets = [[{ path: 'Dockerfile.rego', source: policy }]];
const options = { nowNs: 1795564800000000000n };
const bundle = store.read('tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json');
const digest = 'sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664';

test('evaluate: allow and deny, nowNs as bigint or decimal string', () => {
  const allow = api.evaluate(sets, options, { ok: true });
  assert.equal(allow.decision, 'allow');
  assert.match(allow.hash, /^sha256:[0-9a-f]{64}$/);
  const deny = api.evaluate(sets, { nowNs: '1795564800000000000' }, '{"ok": false}');
  assert.equal(deny.decision, 'deny');
  assert.deepEqual(deny.messages, ['no']);
  assert.equal(JSON.parse(deny.canonicalJson).evaluationTime.rfc3339, '2026-11-25T00:00:00Z');
});

test('options.coverage: the lines reached, and the same record and hash', () => {
  const plain = api.evaluate(sets, options, { ok: false });
  const covered = api.evaluate(sets, { ...options, coverage: true }, { ok: false });
  assert.equal(plain.coverage, undefined);
  assert.equal(covered.hash, plain.hash);
  assert.equal(covered.canonicalJson, plain.canonicalJson);
  assert.deepEqual(covered.coverage.map((c) => c.path), ['Dockerfile.rego']);
  assert.ok(covered.coverage[0].covered.includes(3), JSON.stringify(covered.coverage));
  // A source check, too.
  const request = { source: 'docker-image://alpine', evidence: {}, files: [] };
  const checked = api.check(sets, { ...options, coverage: true }, request);
  assert.equal(checked.verdict.hash, api.check(sets, options, request).verdict.hash);
  assert.ok(checked.verdict.coverage[0].covered.length > 0);
  assert.equal(api.evaluate(sets, { ...options, coverage: 'yes' }, {}).error.code, 'invalid-request');
  // The compiled engine and the evaluation with bundles honour it too.
  const created = api.Engine.create(sets, { ...options, coverage: true });
  try {
    assert.equal(created.engine.evaluate({ ok: false }).coverage[0].path, 'Dockerfile.rego');
  } finally {
    created.engine.free();
  }
  const withEvidence = api.evaluateWithEvidence(sets, { ...options, coverage: true }, { ok: false }, []);
  assert.equal(withEvidence.hash, api.evaluateWithEvidence(sets, options, { ok: false }, []).hash);
  assert.equal(withEvidence.coverage[0].path, 'Dockerfile.rego');
});

test('malformed arguments are error verdicts, not exceptions', () => {
  for (const [s, o, i, code] of [
    ['not sets', options, '{}', 'invalid-request'],
    [[[{ path: 'a.rego' }]], options, '{}', 'invalid-request'],
    [sets, {}, '{}', 'invalid-request'],
    [sets, { nowNs: 1.5 }, '{}', 'invalid-request'],
    [sets, { nowNs: 0n, typo: 1 }, '{}', 'invalid-request'],
    [sets, options, undefined, 'invalid-request'],
  ]) {
    const v = api.evaluate(s, o, i);
    assert.equal(v.decision, 'error');
    assert.equal(v.error.code, code, v.error.message);
    assert.equal(v.hash, null);
  }
});

test('bad input text and bad policies are canonical error verdicts', () => {
  const bad = api.evaluate(sets, options, '{not json');
  assert.equal(bad.error.code, 'malformed-input');
  assert.match(bad.hash, /^sha256:/);
  assert.equal(JSON.parse(bad.canonicalJson).inputDigestOf, 'raw-bytes');
  const broken = api.evaluate([[{ path: 'p.rego', source: 'package docker\nallow if {' }]], options, '{}');
  assert.equal(broken.error.code, 'malformed-policy');
  const created = api.Engine.create([[{ path: 'p.rego', source: 'package docker\nallow if {' }]], options);
  assert.equal(created.ok, false);
  assert.equal(created.error.code, 'malformed-policy');
});

test('errorVerdict renders a host failure canonically', () => {
  const v = api.errorVerdict(sets, options, '{}', { code: 'resource-exhausted', message: 'fuel' });
  assert.equal(v.error.code, 'resource-exhausted');
  assert.match(v.hash, /^sha256:/);
  assert.equal(api.errorVerdict(sets, options, '{}', { code: 'nope', message: '' }).error.code, 'invalid-request');
});

test('verifyBundle: a real public-good bundle verifies; changed or garbage ones do not', () => {
  const ok = api.verifyBundle(bundle, digest, undefined, {
    certificate: { subject: { regex: 'https://github\\.com/docker/github-builder(-experimental)?/.*' }, issuer: { exact: 'https://token.actions.githubusercontent.com' } },
  });
  assert.equal(ok.verified, true, JSON.stringify(ok.error));
  assert.ok(JSON.stringify(ok.facts).includes('8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664'));
  const other = api.verifyBundle(bundle, { algorithm: 'sha256', digest: '00'.repeat(32) }, null, {});
  assert.equal(other.verified, false);
  assert.equal(other.error.code, 'artifact-mismatch');
  const wrongIdentity = api.verifyBundle(bundle, digest, undefined, { certificate: { issuer: { exact: 'https://accounts.google.com' } } });
  assert.equal(wrongIdentity.error.code, 'identity-mismatch');
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  assert.equal(api.verifyBundle(png, digest).error.code, 'malformed-bundle');
  assert.equal(api.verifyBundle(bundle.subarray(0, 500), digest).error.code, 'malformed-bundle');
  assert.equal(api.verifyBundle(bundle, 'md5:00').error.code, 'invalid-request');
  assert.equal(api.verifyBundle(bundle, 'sha256:abcd').error.code, 'invalid-request');
  assert.equal(api.verifyBundle(42, digest).verified, false);
  assert.equal(api.verifyBundle(bundle, digest, 'not a root').error.code, 'malformed-trusted-root');
});

test('trustRootSummary: embedded roots and a given one', () => {
  const pg = api.trustRootSummary();
  assert.equal(pg.ok, true);
  assert.match(pg.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(pg.summary.tlogs.length >= 1);
  const gh = api.trustRootSummary('github');
  assert.notEqual(gh.digest, pg.digest);
  const given = store.read('tests/minted/artifact-github-builder/trusted_root.json');
  const minted = api.trustRootSummary(given);
  assert.equal(minted.ok, true);
  assert.equal(minted.digest, `sha256:${require_sha256(given)}`);
  const bad = api.trustRootSummary(new Uint8Array([1, 2, 3]));
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'malformed-trusted-root');
});

import { createHash } from 'node:crypto';
function require_sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

test('buildInput and check: a git source with its evidence, bad requests as values', () => {
  const built = api.buildInput({ source: 'https://github.com/acme/app.git#main' });
  assert.equal(built.ok, true, JSON.stringify(built.error));
  assert.ok('git' in built.input, JSON.stringify(built.input));
  assert.ok(Array.isArray(built.facts));
  const unsupported = api.buildInput({ source: 'oci-layout://x' });
  assert.equal(unsupported.ok, false);
  assert.equal(unsupported.error.code, 'unsupported-source');
  const typo = api.buildInput({ sauce: 'x' });
  assert.equal(typo.ok, false);
  assert.equal(typo.error.code, 'invalid-request');
  const caps = api.check(sets, options, {});
  assert.equal(caps.verdict.decision, 'allow', 'the caps pass alone allows');
  const checked = api.check(sets, options, { source: 'docker-image://alpine:3', evidence: { blobs: [{ name: 'sha256:' + '0'.repeat(64), content: 'x' }] } });
  assert.equal(checked.verdict.decision, 'error');
  assert.equal(checked.verdict.error.code, 'invalid-evidence');
  const bad = api.check(sets, options, { source: 1 });
  assert.equal(bad.verdict.error.code, 'invalid-request');
  assert.equal(bad.input, null);
});

test('runTests: the github-builder-real policy tests pass', () => {
  const text = (p) => new TextDecoder().decode(store.read(p));
  const r = api.runTests(
    [{ path: 'Dockerfile.rego', source: text('examples/github-builder-real/Dockerfile.rego') }],
    [{ path: 'Dockerfile_test.rego', source: text('examples/github-builder-real/Dockerfile_test.rego') }],
    options,
  );
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.ok(r.report.results.length > 0);
  assert.ok(r.report.results.every((t) => t.passed));
  assert.equal(r.report.rendered.trim(), text('examples/github-builder-real/expected/policy-tests.txt').trim());
});

test('the engine identity', () => {
  assert.match(api.version(), /^verdict\/\S+ regorus\/\S+$/);
});

test('policyOutline: rules, their lines and conditions; a parse error is a value', () => {
  const source = 'package docker\n\ndefault allow := false\n\nallow if {\n  input.a == 1\n  input.b\n}\n\ndecision := {"allow": allow}\n';
  const got = api.policyOutline({ path: 'Dockerfile.rego', source });
  assert.deepEqual(got, {
    ok: true,
    rules: [
      { name: 'allow', default: true, lines: [3, 3], bodies: [] },
      { name: 'allow', default: false, lines: [5, 8], bodies: [[6, 7]] },
      { name: 'decision', default: false, lines: [10, 10], bodies: [] },
    ],
  });
  const bad = api.policyOutline({ path: 'bad.rego', source: 'package docker\nallow if {' });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'malformed-policy');
  assert.equal(api.policyOutline({ path: 'x.rego' }).error.code, 'invalid-request');
});
