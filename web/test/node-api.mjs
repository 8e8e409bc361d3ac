// crates/web's API on plain JS values: every failure is a value (never a throw), bytes and
// digests in their accepted forms, the verifier and the trusted root.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import api from './load-wasm.mjs';
import { store } from './fs-store.mjs';
import { errorCodesRoundTrip } from './parity.mjs';

const policy = 'package docker\ndefault allow := false\nallow if input.ok\ndecision := {"allow": allow, "deny_msg": ["no"]}\n';
const sets = [[{ path: 'Dockerfile.rego', source: policy }]];
const options = { nowNs: 1795564800000000000n };
const bundle = store.read('tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json');
const digest = 'sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664';

const engine = new api.Engine(sets);
const publicGood = api.TrustRoot.prepare(undefined).trustRoot;

test('evaluate: allow and deny, nowNs as bigint or decimal string', () => {
  const allow = engine.evaluate({ ok: true }, options);
  assert.equal(allow.decision, 'allow');
  assert.match(allow.hash, /^sha256:[0-9a-f]{64}$/);
  const deny = engine.evaluate('{"ok": false}', { nowNs: '1795564800000000000' });
  assert.equal(deny.decision, 'deny');
  assert.deepEqual(deny.messages, ['no']);
  assert.equal(JSON.parse(deny.canonicalJson).evaluationTime.rfc3339, '2026-11-25T00:00:00Z');
  assert.equal(engine.compileError(), null);
});

test('one engine evaluates at any time, as a fresh engine does', () => {
  const times = ['1735689600000000000', '1795564800000000000', '0'];
  for (const nowNs of [...times, ...times.reverse()]) {
    const fresh = new api.Engine(sets);
    try {
      const want = fresh.evaluate({ ok: true }, { nowNs });
      assert.equal(engine.evaluate({ ok: true }, { nowNs }).canonicalJson, want.canonicalJson);
      assert.equal(JSON.parse(want.canonicalJson).evaluationTime.ns, nowNs);
    } finally {
      fresh.free();
    }
  }
});

test('options.coverage: per call, the lines reached, and the same record and hash', () => {
  const plain = engine.evaluate({ ok: false }, options);
  const covered = engine.evaluate({ ok: false }, { ...options, coverage: true });
  assert.equal(plain.coverage, undefined);
  assert.equal(covered.hash, plain.hash);
  assert.equal(covered.canonicalJson, plain.canonicalJson);
  assert.deepEqual(covered.coverage.map((c) => c.path), ['Dockerfile.rego']);
  assert.ok(covered.coverage[0].covered.includes(3), JSON.stringify(covered.coverage));
  assert.equal(engine.evaluate({ ok: false }, options).coverage, undefined);
  // A source check, too.
  const request = { source: 'docker-image://alpine', evidence: [], files: [] };
  const checked = engine.check(request, publicGood, { ...options, coverage: true });
  assert.equal(checked.verdict.hash, engine.check(request, publicGood, options).verdict.hash);
  assert.ok(checked.verdict.coverage[0].covered.length > 0);
  assert.equal(engine.evaluate({}, { ...options, coverage: 'yes' }).error.code, 'invalid-request');
  const withEvidence = engine.evaluateWithEvidence({ ok: false }, [], publicGood, { ...options, coverage: true });
  assert.equal(withEvidence.hash, engine.evaluateWithEvidence({ ok: false }, [], publicGood, options).hash);
  assert.equal(withEvidence.coverage[0].path, 'Dockerfile.rego');
});

test('the evidence listing is read in the component: any order, one hash; strays and bad text refused', () => {
  const b = (s) => new TextEncoder().encode(s);
  const files = [
    { path: 'image/bundles/b.json', content: b('{}') },
    { path: 'image/bundles/a.json', content: b('[]') },
    { path: 'image/attestation-manifest', content: b('sha256:' + 'ab'.repeat(32) + '\n') },
    { path: 'git/refs', content: b('x\trefs/tags/v1\n') },
  ];
  const request = (evidence) => ({ source: 'docker-image://alpine:3.20', evidence, files: [] });
  const one = engine.check(request(files), publicGood, options).verdict;
  const other = engine.check(request([...files].reverse()), publicGood, options).verdict;
  assert.match(one.hash, /^sha256:/);
  assert.equal(other.hash, one.hash);
  const stray = engine.check(request([...files, { path: 'README.md', content: b('hi') }]), publicGood, options).verdict;
  assert.equal(stray.error.code, 'invalid-evidence');
  assert.match(stray.error.message, /`README.md` is not part of the evidence layout/);
  const twice = engine.check(request([...files, files[0]]), publicGood, options).verdict;
  assert.match(twice.error.message, /listed twice/);
  const notUtf8 = engine.check(request([{ path: 'git/refs', content: new Uint8Array([0x61, 0xff]) }]), publicGood, options).verdict;
  assert.equal(notUtf8.error.code, 'invalid-evidence');
  assert.match(notUtf8.error.message, /`git\/refs` is not UTF-8/);
  const built = api.buildInput(request(files), publicGood);
  assert.equal(built.ok, true);
  assert.ok(built.facts.some((f) => f.field === 'image.hasProvenance' && f.status === 'asserted'), JSON.stringify(built.facts));
});

test('malformed arguments are error verdicts, not exceptions', () => {
  for (const [s, o, i, code] of [
    ['not sets', options, '{}', 'invalid-request'],
    [[[{ path: 'a.rego' }]], options, '{}', 'invalid-request'],
    [sets, {}, '{}', 'invalid-request'],
    [sets, { nowNs: 1.5 }, '{}', 'invalid-request'],
    [sets, { nowNs: 0n, typo: 1 }, '{}', 'invalid-request'],
    [sets, { nowNs: 0n, query: 'data.docker.decision' }, '{}', 'invalid-request'],
    [sets, options, undefined, 'invalid-request'],
  ]) {
    const e = new api.Engine(s);
    try {
      const v = e.evaluate(i, o);
      assert.equal(v.decision, 'error');
      assert.equal(v.error.code, code, v.error.message);
      assert.equal(v.hash, null);
    } finally {
      e.free();
    }
  }
  const typo = new api.Engine(sets, { querry: 'x' });
  assert.equal(typo.compileError().code, 'invalid-request');
  typo.free();
});

test('bad input text and bad policies are canonical error verdicts', () => {
  const bad = engine.evaluate('{not json', options);
  assert.equal(bad.error.code, 'malformed-input');
  assert.match(bad.hash, /^sha256:/);
  assert.equal(JSON.parse(bad.canonicalJson).inputDigestOf, 'raw-bytes');
  const broken = new api.Engine([[{ path: 'p.rego', source: 'package docker\nallow if {' }]]);
  assert.equal(broken.compileError().code, 'malformed-policy');
  const v = broken.evaluate('{}', options);
  assert.equal(v.error.code, 'malformed-policy');
  assert.match(v.hash, /^sha256:/);
  broken.free();
});

test('error codes: crates/web knows every WIT error-code (one registry)', () => {
  const { codes, seen } = errorCodesRoundTrip(api);
  assert.ok(codes.length >= 14, codes.join(','));
  assert.deepEqual(seen, codes);
});

test('errorVerdict renders a host failure canonically', () => {
  const v = api.errorVerdict(sets, {}, '{}', { code: 'resource-exhausted', message: 'fuel' }, options);
  assert.equal(v.error.code, 'resource-exhausted');
  assert.match(v.hash, /^sha256:/);
  assert.equal(api.errorVerdict(sets, {}, '{}', { code: 'nope', message: '' }, options).error.code, 'invalid-request');
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
  const built = api.buildInput({ source: 'https://github.com/acme/app.git#main' }, publicGood);
  assert.equal(built.ok, true, JSON.stringify(built.error));
  assert.ok('git' in built.input, JSON.stringify(built.input));
  assert.ok(Array.isArray(built.facts));
  const unsupported = api.buildInput({ source: 'oci-layout://x' }, publicGood);
  assert.equal(unsupported.ok, false);
  assert.equal(unsupported.error.code, 'unsupported-source');
  const typo = api.buildInput({ sauce: 'x' }, publicGood);
  assert.equal(typo.ok, false);
  assert.equal(typo.error.code, 'invalid-request');
  const caps = engine.check({}, publicGood, options);
  assert.equal(caps.verdict.decision, 'allow', 'the caps pass alone allows');
  const blob = { path: `oci/blobs/sha256/${'0'.repeat(64)}`, content: 'x' };
  const checked = engine.check({ source: 'docker-image://alpine:3', evidence: [blob] }, publicGood, options);
  assert.equal(checked.verdict.decision, 'error');
  assert.equal(checked.verdict.error.code, 'invalid-evidence');
  const bad = engine.check({ source: 1 }, publicGood, options);
  assert.equal(bad.verdict.error.code, 'invalid-request');
  assert.equal(bad.input, null);
  const root = api.TrustRoot.prepare(new Uint8Array([1, 2, 3]));
  assert.equal(root.ok, false);
  assert.equal(root.error.code, 'malformed-trusted-root');
  assert.equal(api.TrustRoot.prepare('github').trustRoot.digest(), api.trustRootSummary('github').digest);
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

test('explain: the furthest condition each allow body reached, the default; every rule in full; a parse error is a value', () => {
  const source = 'package docker\n\ndefault allow := false\n\nallow if {\n  input.a == 1\n  some x in input.b\n  x > 2\n}\n\nallow if input.c\n\ndeny_msg contains "no" if not allow\n';
  const module = { path: 'Dockerfile.rego', source };
  const got = api.explain(module, [3, 5, 6, 7], 'allow');
  assert.equal(got.ok, true);
  assert.deepEqual(got.reasons.map((r) => r.sentence), [
    'no allow rule held: the default applied (line 3: default allow := false)',
    'allow (line 5): stopped at line 7: some x in input.b',
    'allow (line 11): never evaluated',
  ]);
  assert.deepEqual(got.reasons[1], { kind: 'stopped', rule: 'allow', ruleLine: 5, line: 7, text: 'some x in input.b', sentence: got.reasons[1].sentence });
  assert.deepEqual(api.explain(module, [], 'allow').reasons.map((r) => r.kind), ['default', 'not-reached', 'not-reached']);
  assert.deepEqual(api.explain(module, [6, 7, 8, 13]).reasons.map((r) => [r.rule, r.kind, r.line]), [
    ['allow', 'reached', 8], ['allow', 'not-reached', 11], ['deny_msg', 'reached', 13],
  ]);
  const bad = api.explain({ path: 'bad.rego', source: 'package docker\nallow if {' }, []);
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'malformed-policy');
  assert.equal(api.explain({ path: 'x.rego' }, []).error.code, 'invalid-request');
});

test('options.limits: maxSteps and maxInputBytes stop a call with resource-exhausted, per call', () => {
  const free = engine.evaluate({ ok: true }, options);
  const stopped = engine.evaluate({ ok: true }, { ...options, limits: { maxSteps: 2 } });
  assert.equal(stopped.decision, 'error');
  assert.equal(stopped.error.code, 'resource-exhausted');
  assert.match(stopped.error.message, /max-steps/);
  // Per call: the next call is unlimited again; an ample budget changes nothing (a bigint too).
  assert.equal(engine.evaluate({ ok: true }, options).hash, free.hash);
  assert.equal(engine.evaluate({ ok: true }, { ...options, limits: { maxSteps: 100000n } }).hash, free.hash);
  const text = '{"ok": true}';
  assert.equal(engine.evaluate(text, { ...options, limits: { maxInputBytes: text.length } }).hash, free.hash);
  const over = engine.evaluate(text, { ...options, limits: { maxInputBytes: text.length - 1 } });
  assert.equal(over.error.code, 'resource-exhausted');
  const request = { source: 'docker-image://alpine:3.20', evidence: [], files: [{ path: 'k.pub', content: new Uint8Array(10) }] };
  assert.equal(engine.check(request, publicGood, { ...options, limits: { maxInputBytes: 9 } }).verdict.error.code, 'resource-exhausted');
  assert.equal(engine.evaluate({}, { ...options, limits: { maxSteps: 1, fuel: 3 } }).error.code, 'invalid-request');
  assert.equal(engine.evaluate({}, { ...options, limits: { maxSteps: -1 } }).error.code, 'invalid-request');
});
