// Runs the examples of examples/*/cases.toml through an API in the WIT's shape — crates/web, or
// the component transpiled with jco (test/load-jco.mjs) — exactly as the Rust tests run them
// (tests/tests/examples.rs, tests/src/lib.rs `check_request` / `check_everywhere`): an `Engine`
// compiled once, a `TrustRoot` prepared once, the evidence directory handed over as a file
// listing (the component reads its layout). Files are reached through a store: `read(path)`
// (repository-relative, '/'-separated) returns a Uint8Array or undefined, `list(dir)` the paths
// under a directory. The Node tests back it with the file system, the page with the gallery.

import { rfc3339ToNs, DEFAULT_NOW } from './time.mjs';

const utf8 = new TextDecoder('utf-8');

/** Normalizes a '/'-separated path ('.', '..', repeated slashes). */
export function normalize(path) {
  const out = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else out.push('..');
    } else out.push(part);
  }
  return out.join('/');
}

export const join = (dir, rel) => normalize(rel.startsWith('/') ? rel : `${dir}/${rel}`);
const basename = (p) => p.split('/').pop();

/** Reads the files of a directory into a Map keyed by the path relative to it. */
export function filesUnder(store, dir) {
  const files = new Map();
  for (const p of store.list(dir)) files.set(p.slice(dir.length + 1), store.read(p));
  return files;
}

/**
 * The runnable items of one example: `[[case]]` input evaluations and `[[check]]` source checks.
 * `spec` is the parsed cases.toml, `dir` the example's directory.
 */
export function items(dir, spec) {
  const out = [];
  for (const c of spec.case ?? []) {
    const stem = basename(c.input).replace(/\.[^.]*$/, '');
    out.push({ kind: 'case', name: stem, golden: `${dir}/expected/${stem}.verdict.json`, spec: c });
  }
  for (const c of spec.check ?? []) {
    out.push({ kind: 'check', name: c.name, golden: `${dir}/expected/${c.name}.verdict.json`, spec: c });
  }
  return out;
}

/** A directory's files as a listing `[{path, content}]` (paths relative to it), for `evidence`. */
export const listing = (files) => [...files].map(([path, content]) => ({ path, content }));

/** Releases a resource of either binding (wasm-bindgen's `free`, jco's `Symbol.dispose`). */
export function release(resource) {
  if (typeof resource?.free === 'function') resource.free();
  else resource?.[Symbol.dispose]?.();
}

/** The policy sets, options and argument of one item (what the page shows in its editors). */
export function prepare(store, dir, spec, item) {
  const text = (p) => {
    const b = store.read(p);
    if (b === undefined) throw new Error(`missing file ${p}`);
    return utf8.decode(b);
  };
  const c = item.spec;
  if (item.kind === 'case') {
    // tests/tests/examples.rs `run`: module paths as written in `policies`.
    const set = spec.policies.map((f) => ({ path: f, source: text(join(dir, f)) }));
    return {
      sets: [set],
      engineOptions: {},
      options: { nowNs: rfc3339ToNs(spec.now ?? DEFAULT_NOW) },
      input: text(join(dir, c.input)),
    };
  }
  // `run_check`: module paths are file names; no policy files = no set.
  const files = c.policies ?? spec.policies;
  const sets = files.length ? [files.map((f) => ({ path: basename(f), source: text(join(dir, f)) }))] : [];
  return {
    sets,
    engineOptions: { defaultPolicy: c.default_policy ?? false },
    options: { nowNs: rfc3339ToNs(c.now ?? spec.now ?? DEFAULT_NOW) },
    request: {
      source: c.source,
      platform: c.platform ?? 'linux/amd64',
      env: { filename: 'Dockerfile' },
      evidence: c.evidence ? listing(filesUnder(store, join(dir, c.evidence))) : [],
      files: [],
    },
    trustedRoot: c.trusted_root ? store.read(join(dir, c.trusted_root)) : undefined,
    context: c.context ? join(dir, c.context) : undefined,
  };
}

/** Compiles `sets` and evaluates one input (an engine for one call). */
export function evaluateOnce(api, sets, engineOptions, options, input) {
  const engine = new api.Engine(sets, engineOptions);
  try {
    return engine.evaluate(input, options);
  } finally {
    release(engine);
  }
}

/**
 * Checks a request with an engine compiled once and a trusted root prepared once (`undefined`:
 * the public-good root), then again with the build-context files the verdict lists in
 * `missingFiles` that the context holds (the runner's loop, at most 10 rounds). A trusted root
 * that does not parse is the `invalid-request` error verdict every host renders.
 */
export function checkWithContext(api, store, sets, engineOptions, options, request, trustedRoot, context) {
  const prepared = api.TrustRoot.prepare(trustedRoot);
  if (!prepared.ok) {
    const error = { code: 'invalid-request', message: `trusted root: ${prepared.error.message}` };
    const input = JSON.stringify({ source: request.source ?? null });
    return { verdict: api.errorVerdict(sets, engineOptions, input, error, options), input: null, rounds: 1 };
  }
  const engine = new api.Engine(sets, engineOptions);
  try {
    for (let round = 1; ; round++) {
      const checked = engine.check(request, prepared.trustRoot, options);
      let added = false;
      if (context !== undefined) {
        for (const name of checked.verdict.missingFiles ?? []) {
          const content = store.read(join(context, name));
          if (content !== undefined && !request.files.some((f) => f.path === name)) {
            request.files.push({ path: name, content });
            added = true;
          }
        }
      }
      if (!added || round >= 10) return { ...checked, rounds: round };
    }
  } finally {
    release(engine);
    release(prepared.trustRoot);
  }
}

/** Runs one item; returns the verdict (and, for checks, the input and rounds). */
export function run(api, store, dir, spec, item) {
  const p = prepare(store, dir, spec, item);
  if (item.kind === 'case') return { verdict: evaluateOnce(api, p.sets, p.engineOptions, p.options, p.input) };
  return checkWithContext(api, store, p.sets, p.engineOptions, p.options, p.request, p.trustedRoot, p.context);
}

/** `sha256:` + hex of the golden's canonical JSON (the golden is the JSON + "\n"). */
export async function goldenHash(bytes) {
  let text = utf8.decode(bytes).replaceAll('\r\n', '\n');
  if (!text.endsWith('\n')) throw new Error('golden does not end with a newline');
  text = text.slice(0, -1);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `sha256:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
