// The cross-host parity suite's cases and its Node test body, shared by the hosts that run in
// Node: (c) crates/web (node-parity.mjs) and (e) the component transpiled with jco
// (jco-parity.mjs); the browser test (d) runs the same cases in the page. The cases are
//   - every policy case (tests/cases/policy/*.toml) and every example item (examples/*/cases.toml
//     `[[case]]` and `[[check]]`): the verdict's canonical JSON must be byte-identical to the
//     golden the native core and the component wrote (tests/tests/policy.rs, examples.rs);
//   - every verification vector (the sigstore-conformance `bundle-verify` cases, artifact as bytes
//     and as digest, and every row of tests/manifest/expected.tsv; written as data by
//     tests/tests/vectors.rs to <target>/parity/vectors.json):
//     the outcome record `{"verified": true, "facts": …}` / `{"verified": false, "error":
//     {"code": …}}` in RFC 8785 JSON must be byte-identical to the native one.
// Each host prints its table and writes its hashes to <target>/parity/<host>.json for the
// summary (parity-summary.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { store, exampleDirs, root } from './fs-store.mjs';
import { parseToml } from '../src/toml.mjs';
import { checkWithContext, evaluateOnce, items, prepare, run } from '../src/runner.mjs';
import { rfc3339ToNs, DEFAULT_NOW } from '../src/time.mjs';

const utf8 = new TextDecoder();
const text = (p) => utf8.decode(store.read(p));

/** tests/src/lib.rs `Case::sets`: named sets of module paths, else every module in one set. */
function policySets(c) {
  const mod = (p) => {
    const m = c.module.find((x) => x.path === p);
    if (!m) throw new Error(`set names unknown module ${p}`);
    return { path: m.path, source: m.source };
  };
  return c.sets ? c.sets.map((set) => set.map(mod)) : [c.module.map((m) => mod(m.path))];
}

export const parityDir = () => path.resolve(root, process.env.CARGO_TARGET_DIR ?? 'target', 'parity');

/** RFC 8785 JSON of a JSON value (strings, integers, booleans, null, arrays, objects). */
export function jcs(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`)
    .join(',')}}`;
}

const b64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

/** The arguments of crates/web's `verifyBundle` for one vector of vectors.json. */
export function vectorArgs(v) {
  const artifact = v.artifact.digest ?? b64(v.artifact.bytes);
  const options = { thresholds: v.thresholds, allowV01SetOnly: v.allowV01SetOnly };
  if (v.key) options.key = v.key;
  else if (v.subject != null || v.issuer != null) {
    options.certificate = {};
    if (v.subject != null) options.certificate.subject = { exact: v.subject };
    if (v.issuer != null) options.certificate.issuer = { exact: v.issuer };
  }
  return [b64(v.bundle), artifact, v.trustedRoot ?? undefined, options];
}

/** The outcome record of a `verifyBundle` result, as RFC 8785 JSON. */
export function vectorRecord(r) {
  return jcs(r.verified ? { verified: true, facts: r.facts } : { verified: false, error: { code: r.error.code } });
}

/** The case names of `enum NAME { … }` in wit/world.wit, in order (the error-code registry). */
export function witEnum(name) {
  const wit = text('wit/world.wit');
  const start = wit.indexOf(`enum ${name} {`);
  if (start < 0) throw new Error(`wit/world.wit has no enum ${name}`);
  const body = wit.slice(wit.indexOf('{', start) + 1, wit.indexOf('}', start));
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('//'))
    .map((l) => l.replace(/,$/, ''));
}

/** Every WIT `error-code` through a host's `errorVerdict`: each comes back as itself. */
export function errorCodesRoundTrip(api) {
  const codes = witEnum('error-code');
  const sets = [[{ path: 'p.rego', source: 'package docker\ndecision := {"allow": true}\n' }]];
  const seen = codes.map((code) => api.errorVerdict(sets, {}, '{}', { code, message: 'm' }, { nowNs: 0n }).error.code);
  return { codes, seen };
}

export const sha256 = (text) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The verification vectors (tests/tests/vectors.rs writes them; `cargo test` runs first). */
export function vectors() {
  const file = path.join(parityDir(), 'vectors.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run cargo test -p verdict-tests --test vectors first`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Every case of the suite: {suite, name, golden (text of the expected canonical JSON), want,
 * run(api) → {canonicalJson, hash, decision?, messages?, …}}.
 */
export function cases() {
  const out = [];
  const dir = 'tests/cases/policy';
  for (const file of readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.toml')).sort()) {
    const c = parseToml(text(`${dir}/${file}`));
    const stem = file.slice(0, -'.toml'.length);
    out.push({
      suite: 'policy cases',
      name: stem,
      golden: () => goldenText(`${dir}/${stem}.verdict.json`),
      want: { decision: c.want.decision, messages: c.want.messages ?? [], error: c.want.error },
      // `evaluateOnce`'s arguments (sets, engine options, call options, input), for hosts that
      // call it themselves (the page, coverage checks).
      args: [policySets(c), { query: c.query }, { nowNs: rfc3339ToNs(c.now ?? DEFAULT_NOW) }, c.input],
      run(api) {
        return evaluateOnce(api, ...this.args);
      },
    });
  }
  for (const { dir: exDir, name } of exampleDirs()) {
    const spec = parseToml(text(`${exDir}/cases.toml`));
    for (const item of items(exDir, spec)) {
      out.push({
        suite: `examples (${item.kind})`,
        name: `${name}/${item.name}`,
        golden: () => goldenText(item.golden),
        want: { decision: item.spec.decision, messages: item.spec.messages ?? [], pin: item.spec.pin },
        run: (api) => {
          const verdict = run(api, store, exDir, spec, item).verdict;
          if (item.kind === 'check') {
            // The evidence listed in another order (reversed, rotated): the component sorts it.
            const p = prepare(store, exDir, spec, item);
            const files = p.request.evidence.reverse();
            files.push(...files.splice(0, Math.floor(files.length / 3)));
            const again = checkWithContext(api, store, p.sets, p.engineOptions, p.options, p.request, p.trustedRoot, p.context);
            assert.equal(again.verdict.hash, verdict.hash, 'the evidence listed in another order');
          }
          return verdict;
        },
      });
    }
  }
  for (const v of vectors()) {
    out.push({
      suite: 'verification vectors',
      name: v.id.slice('verification vectors/'.length),
      golden: () => v.record + '\n',
      want: {},
      run: (api) => {
        const record = vectorRecord(api.verifyBundle(...vectorArgs(v)));
        return { canonicalJson: record, hash: sha256(record), decision: JSON.parse(record).verified ? 'verified' : 'failed' };
      },
    });
  }
  return out;
}

function goldenText(file) {
  const bytes = store.read(file);
  if (bytes === undefined) throw new Error(`golden ${file} is missing`);
  return utf8.decode(bytes).replaceAll('\r\n', '\n');
}

/** Registers the suite's tests for one host; `api` offers crates/web's `evaluate` and `check`. */
export function parityTests(host, file, api) {
  const rows = [];
  const hashes = {};
  const all = cases();
  for (const c of all) {
    test(`${c.suite} ${c.name}`, () => {
      const want = c.golden();
      const t0 = performance.now();
      const verdict = c.run(api);
      const ms = performance.now() - t0;
      const same = verdict.canonicalJson + '\n' === want;
      hashes[`${c.suite}/${c.name}`] = verdict.hash;
      rows.push({ suite: c.suite, case: c.name, decision: verdict.decision, ms: Number(ms.toFixed(1)), hash: verdict.hash?.slice(7, 19), parity: same ? 'same' : 'DIFFERENT' });
      // The canonical record itself, not only its hash, is byte-identical to the golden's.
      assert.equal(verdict.canonicalJson + '\n', want);
      assert.equal(verdict.hash, sha256(verdict.canonicalJson));
      if (c.want.decision !== undefined) assert.equal(verdict.decision, c.want.decision);
      if (c.want.messages !== undefined) assert.deepEqual(verdict.messages, c.want.messages);
      if (c.want.error !== undefined) assert.equal(verdict.error?.code, c.want.error);
      if (c.want.pin !== undefined || verdict.pin != null) assert.equal(verdict.pin, c.want.pin);
    });
  }

  test(`${host}: the table`, () => {
    const by = {};
    for (const r of rows) {
      by[r.suite] ??= { cases: 0, identical: 0, different: 0, 'ms (sum)': 0 };
      by[r.suite].cases++;
      by[r.suite][r.parity === 'same' ? 'identical' : 'different']++;
      by[r.suite]['ms (sum)'] = Number((by[r.suite]['ms (sum)'] + r.ms).toFixed(1));
    }
    console.log(`\n${host}: ${rows.length} of ${all.length} cases ran`);
    if (process.env.VERDICT_PARITY_ROWS) console.table(rows);
    console.table(by);
    const target = parityDir();
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, `${file}.json`), JSON.stringify({ host, hashes }, null, 1) + '\n');
    assert.equal(rows.length, all.length, 'every case ran');
    assert.ok(all.filter((c) => c.suite === 'policy cases').length >= 60, 'the policy cases were found');
    assert.ok(all.filter((c) => c.suite.startsWith('examples')).length >= 40, 'the examples were found');
    assert.ok(all.filter((c) => c.suite === 'verification vectors').length >= 100, 'the vectors were found');
    const different = rows.filter((r) => r.parity !== 'same');
    assert.equal(different.length, 0, `${different.length} differ: ${different.map((r) => r.case).join(', ')}`);
  });
}
