// Cross-host parity, host (e): the verdict component — the very bytes the `verdict` runner
// embeds (`verdict component --out`) — transpiled to JavaScript with jco
// (@bytecodealliance/jco-transpile) and run in Node. Exports an object with the same `evaluate`
// and `check` calls as crates/web (web/src/runner.mjs drives both), translating the plain JS
// values of the web API into the WIT's records and back; the verdict itself (canonical JSON,
// hash) is the component's, untouched.
//
// The component is taken from $VERDICT_COMPONENT_WASM when set, else written by the runner at
// $CARGO_TARGET_DIR/debug/verdict (default ../target), which `cargo test` builds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { componentBytes, target } from './component-bytes.mjs';

const out = path.join(target, 'jco');

const bytes = componentBytes();
export const componentSha256 = createHash('sha256').update(bytes).digest('hex');
export const componentSize = bytes.length;

const t0 = performance.now();
// Result errors stay wrapped in jco's ComponentError (payload in `.payload`), so a WIT
// `verify-error` cannot be mistaken for a JavaScript exception.
const { files } = await transpileBytes(bytes, { name: 'verdict', noComponentErrorWrapping: false });
const dir = path.join(out, 'transpiled');
mkdirSync(dir, { recursive: true });
for (const [name, content] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  writeFileSync(path.join(dir, name), content);
}
writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
const mod = await import(pathToFileURL(path.join(dir, 'verdict.js')).href);
export const transpileMs = performance.now() - t0;

const evaluator = mod.evaluator ?? mod['verdict:policy/evaluator@0.1.0'];
const checker = mod.checker ?? mod['verdict:policy/checker@0.1.0'];
const verifier = mod.verifier ?? mod['verdict:policy/verifier@0.1.0'];
if (!evaluator || !checker || !verifier) throw new Error(`jco exports: ${Object.keys(mod).join(', ')}`);

const u8 = (v) => (v === undefined || v === null ? undefined : v instanceof Uint8Array ? v : new Uint8Array(v));
const opt = (v) => (v === null ? undefined : v);
const pairsOf = (o) => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const named = (list) => (list ?? []).map((n) => ({ name: n.name, content: u8(n.content) }));

function options(o) {
  return { query: opt(o.query), nowNs: BigInt(o.nowNs), coverage: o.coverage === true };
}

function sets(list) {
  return list.map((set) => set.map((m) => ({ path: m.path, source: m.source })));
}

function input(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function request(r) {
  const ev = r.evidence ?? {};
  return {
    source: opt(r.source),
    platform: opt(r.platform),
    env: {
      args: pairsOf(r.env?.args),
      labels: pairsOf(r.env?.labels),
      filename: opt(r.env?.filename),
      target: opt(r.env?.target),
    },
    evidence: {
      ociIndex: u8(ev.ociIndex),
      blobs: named(ev.blobs),
      gitRefs: opt(ev.gitRefs),
      gitObjects: named(ev.gitObjects),
      httpContent: u8(ev.httpContent),
      httpChecksum: opt(ev.httpChecksum),
      attestations: (ev.attestations ?? []).map((a) => ({ repo: a.repo, bundle: u8(a.bundle) })),
      attestationManifest: opt(ev.attestationManifest),
      signatureBundles: (ev.signatureBundles ?? []).map(u8),
    },
    files: named(r.files),
    trustedRoot: u8(r.trustedRoot),
    defaultPolicy: r.defaultPolicy ?? false,
  };
}

/** The WIT verdict record as the web API shapes it (the fields the runner and the tests read). */
function verdict(v) {
  return {
    decision: v.decision,
    messages: v.messages,
    prints: v.prints,
    error: v.error ? { code: v.error.code, message: v.error.message } : null,
    decidedBy: v.decidedBy ?? null,
    pin: v.pin ?? null,
    missingFiles: v.missingFiles,
    canonicalJson: v.canonicalJson,
    hash: v.hash,
    ...(v.coverage.length ? { coverage: v.coverage.map((c) => ({ path: c.path, covered: [...c.covered], notCovered: [...c.notCovered] })) } : {}),
  };
}

const utf8 = new TextEncoder();
const unhex = (hex) => {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`not hex: ${hex}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
};
const matcher = (m) => (m === undefined ? undefined : m.exact !== undefined ? { tag: 'exact', val: m.exact } : { tag: 'regex', val: m.regex });

/** A WIT `verify-error` thrown by jco (ComponentError, payload in `.payload`) as `{code, message}`. */
function verifyError(e) {
  const p = e?.payload;
  if (!p || typeof p.code !== 'string') throw e;
  return { verified: false, error: { code: p.code, message: p.message } };
}

export default {
  /**
   * crates/web's `verifyBundle(bundle, artifact, trustedRoot, options)` over the component's
   * `verifier`: the artifact as bytes or `"sha256:<hex>"`, the root as `undefined` (public good)
   * or JSON text, options `{key}`, `{certificate: {subject?, issuer?}}` or neither (any certificate),
   * `thresholds` (default 1 each) and `allowV01SetOnly`.
   */
  verifyBundle(bundle, artifact, trustedRoot, options) {
    let root;
    try {
      root = trustedRoot === undefined ? verifier.TrustRoot.publicGood() : verifier.TrustRoot.fromJson(utf8.encode(trustedRoot));
    } catch (e) {
      return verifyError(e);
    }
    const [algorithm, hex] = typeof artifact === 'string' ? artifact.split(':') : [];
    const t = options.thresholds ?? {};
    const wit = {
      identity: options.key !== undefined
        ? { tag: 'key', val: utf8.encode(options.key) }
        : options.certificate === undefined
          ? { tag: 'any-certificate' }
          : { tag: 'certificate', val: { subject: matcher(options.certificate.subject), issuer: matcher(options.certificate.issuer) } },
      thresholds: { tlog: t.tlog ?? 1, ctlog: t.ctlog ?? 1, timestamps: t.timestamps ?? 1 },
      allowV01SetOnly: options.allowV01SetOnly === true,
    };
    try {
      const v = verifier.verifyBundle(
        bundle,
        typeof artifact === 'string' ? { tag: 'digest', val: { algorithm, value: unhex(hex) } } : { tag: 'bytes', val: artifact },
        root,
        wit,
      );
      return { verified: true, facts: JSON.parse(v.factsJson) };
    } catch (e) {
      return verifyError(e);
    } finally {
      root[Symbol.dispose]?.();
    }
  },
  evaluate(s, o, i) {
    return verdict(evaluator.evaluate(sets(s), options(o), input(i)));
  },
  check(s, o, r) {
    const checked = checker.check(sets(s), options(o), request(r));
    return { verdict: verdict(checked.verdict), input: checked.input === undefined ? null : JSON.parse(checked.input) };
  },
};
