// Cross-host parity, host (e): the verdict component — the very bytes the `verdict` runner
// embeds (`verdict component --out`) — transpiled to JavaScript with jco
// (@bytecodealliance/jco-transpile) and run in Node. Exports the same API as crates/web — the
// WIT's shape: `new Engine(sets, engineOptions)` with `evaluate` / `evaluateWithEvidence` /
// `check`, `TrustRoot.prepare`, `errorVerdict`, `buildInput`, `verifyBundle` — so
// web/src/runner.mjs drives both. It only copies fields between the plain JS values of the web API
// and the WIT's records (bigint times, `undefined` options, pairs); the verdict itself (canonical
// JSON, hash) is the component's, untouched.
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

const evaluator = mod.evaluator ?? mod['verdict:policy/evaluator@0.3.0'];
const checker = mod.checker ?? mod['verdict:policy/checker@0.3.0'];
const verifier = mod.verifier ?? mod['verdict:policy/verifier@0.3.0'];
if (!evaluator || !checker || !verifier) throw new Error(`jco exports: ${Object.keys(mod).join(', ')}`);

const u8 = (v) => (v === undefined || v === null ? undefined : v instanceof Uint8Array ? v : new Uint8Array(v));
const opt = (v) => (v === null ? undefined : v);
const pairsOf = (o) => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const big = (n) => (n === undefined || n === null ? undefined : BigInt(n));
const options = (o) => ({
  nowNs: BigInt(o.nowNs),
  coverage: o.coverage === true,
  limits: { maxSteps: big(o.limits?.maxSteps), maxInputBytes: big(o.limits?.maxInputBytes) },
});
const engineOptions = (o) => ({ query: opt(o?.query), defaultPolicy: o?.defaultPolicy === true });
const sets = (list) => list.map((set) => set.map((m) => ({ path: m.path, source: m.source })));
const input = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
const listing = (list) => (list ?? []).map((f) => ({ path: f.path, content: u8(f.content) }));
const fact = (f) => ({ field: f.field, status: f.status, how: f.how });

function request(r) {
  return {
    source: opt(r.source),
    platform: opt(r.platform),
    env: {
      args: pairsOf(r.env?.args),
      labels: pairsOf(r.env?.labels),
      filename: opt(r.env?.filename),
      target: opt(r.env?.target),
    },
    evidence: listing(r.evidence),
    files: listing(r.files),
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
    facts: v.facts.map(fact),
    signers: v.signers.map((s) => ({ path: s.path, kind: s.kind ?? null, fields: Object.fromEntries(s.fields) })),
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

/** The WIT's `engine` resource, with crates/web's JS values. */
class Engine {
  #inner;
  constructor(s, o) {
    this.#inner = new evaluator.Engine(sets(s), engineOptions(o));
  }
  compileError() {
    return this.#inner.compileError() ?? null;
  }
  evaluate(i, o) {
    return verdict(this.#inner.evaluate(input(i), options(o)));
  }
  evaluateWithEvidence(i, evidence, trustRoot, o) {
    const bundles = evidence.map((b) => {
      const [algorithm, hex] = b.artifact.split(':');
      return { bundle: u8(b.bundle), artifact: { algorithm, value: unhex(hex) } };
    });
    return verdict(this.#inner.evaluateWithEvidence(input(i), bundles, trustRoot, options(o)));
  }
  check(r, trustRoot, o) {
    const checked = this.#inner.check(request(r), trustRoot, options(o));
    return { verdict: verdict(checked.verdict), input: checked.input === undefined ? null : JSON.parse(checked.input) };
  }
  [Symbol.dispose]() {
    this.#inner[Symbol.dispose]?.();
  }
}

/** The WIT's `trust-root` resource: `prepare(undefined | 'github' | JSON)` as crates/web's. */
const TrustRoot = {
  prepare(value) {
    try {
      const trustRoot =
        value === undefined || value === null || value === 'public-good'
          ? verifier.TrustRoot.publicGood()
          : value === 'github'
            ? verifier.TrustRoot.github()
            : verifier.TrustRoot.fromJson(typeof value === 'string' ? utf8.encode(value) : u8(value));
      return { ok: true, trustRoot };
    } catch (e) {
      const p = e?.payload;
      if (!p || typeof p.code !== 'string') throw e;
      return { ok: false, error: { code: p.code, message: p.message } };
    }
  },
};

export default {
  Engine,
  TrustRoot,
  errorVerdict(s, e, i, error, o) {
    return verdict(evaluator.errorVerdict(sets(s), engineOptions(e), input(i), error, options(o)));
  },
  buildInput(r, trustRoot) {
    try {
      const d = checker.buildInput(request(r), trustRoot);
      return { ok: true, input: JSON.parse(d.input), facts: d.facts.map(fact) };
    } catch (e) {
      const p = e?.payload;
      if (!p || typeof p.code !== 'string') throw e;
      return { ok: false, error: { code: p.code, message: p.message } };
    }
  },
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
};
