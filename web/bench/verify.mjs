// Sigstore verification in one Chromium page: verdict (crates/web, the playground's build) beside
// @freedomofpress/sigstore-browser (WebCrypto + noble curves, from npm), on the same bundle,
// artifact, identity and trusted root. Not a test: a measurement, printed as one JSON line and a
// table (`./x bench-browser`; issue 16's browser row). Loopback only; anything else is refused.
//
// Measured per library: start (verdict: compile and instantiate the wasm; sigstore-browser: load
// the trusted root), the first verification, and the median of N warm ones (each from the
// bundle's JSON text). verdict's second row runs in the same instance after the first: its
// "first" verification prepares the given root but finds the generators' tables built — not a
// cold start. verdict twice: with its embedded public-good root, and with the same root
// given as JSON on every call (as sigstore-browser is given it). Both must agree: the bundle
// verifies, and a copy with one signature byte changed does not.
//
// Needs web/dist (web/build.sh --playground) and npm access once: sigstore-browser is installed
// under <target>/bench-browser (0.1.14 names a tuf-browser version the registry lacks; an
// override pins 0.1.8, which its offline path never loads).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
const work = path.join(target, 'bench-browser');
const N = Number(process.env.N ?? 100);
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const vectors = path.join(root, 'tests/vectors/sigstore-conformance/test/assets/bundle-verify');
const bundleText = readFileSync(path.join(vectors, 'happy-path-v0.3/bundle.sigstore.json'), 'utf8');
const artifact = [...readFileSync(path.join(vectors, 'a.txt'))];
const trustedRoot = readFileSync(path.join(root, 'crates/verify/roots/public-good.json'), 'utf8');
const identity =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const issuer = 'https://token.actions.githubusercontent.com';
// One byte inside the signature's r changed (the DER header left intact, so the copy parses and
// fails a check rather than the parser).
const tampered = (() => {
  const b = JSON.parse(bundleText);
  const sig = Buffer.from(b.messageSignature.signature, 'base64');
  sig[10] ^= 1;
  b.messageSignature.signature = sig.toString('base64');
  return JSON.stringify(b);
})();

if (!existsSync(path.join(root, 'web/dist/verdict_web_bg.wasm')) || !existsSync(path.join(root, 'web/pkg/verdict_web.js'))) {
  console.error('bench-browser: web/dist is missing: run web/build.sh --playground');
  process.exit(2);
}

// sigstore-browser, installed and bundled for the page.
mkdirSync(work, { recursive: true });
if (!existsSync(path.join(work, 'node_modules/@freedomofpress/sigstore-browser'))) {
  writeFileSync(
    path.join(work, 'package.json'),
    JSON.stringify({
      name: 'verdict-bench-browser',
      private: true,
      dependencies: { '@freedomofpress/sigstore-browser': '0.1.14' },
      overrides: { '@freedomofpress/tuf-browser': '0.1.8' },
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: work, stdio: 'inherit' });
}
const version = JSON.parse(
  readFileSync(path.join(work, 'node_modules/@freedomofpress/sigstore-browser/package.json'), 'utf8'),
).version;
writeFileSync(path.join(work, 'entry.mjs'), "export { SigstoreVerifier } from '@freedomofpress/sigstore-browser';\n");
execFileSync(
  path.join(root, 'web/node_modules/.bin/esbuild'),
  ['entry.mjs', '--bundle', '--format=esm', '--outfile=sigstore-browser.js', '--log-level=warning'],
  { cwd: work, stdio: 'inherit' },
);

const files = {
  '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>bench</title>'],
  '/verdict_web.js': ['text/javascript', readFileSync(path.join(root, 'web/pkg/verdict_web.js'))],
  '/verdict_web_bg.wasm': ['application/wasm', readFileSync(path.join(root, 'web/dist/verdict_web_bg.wasm'))],
  '/sigstore-browser.js': ['text/javascript', readFileSync(path.join(work, 'sigstore-browser.js'))],
};
const server = createServer((req, res) => {
  const file = files[new URL(req.url, 'http://x').pathname];
  if (!file) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage();
await page.route('**/*', (route) =>
  new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
);
await page.goto(url);
const result = await page.evaluate(
  async ({ N, bundleText, tampered, artifact, trustedRoot, identity, issuer }) => {
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const time = async (f) => {
      const t = performance.now();
      const value = await f();
      return [performance.now() - t, value];
    };
    const bytes = new Uint8Array(artifact);
    const out = {};

    // verdict
    const [importMs, verdict] = await time(() => import('/verdict_web.js'));
    const [initMs] = await time(() => verdict.default({ module_or_path: '/verdict_web_bg.wasm' }));
    const options = { certificate: { subject: { exact: identity }, issuer: { exact: issuer } } };
    for (const [label, rootArg] of [
      ['verdict (embedded root)', undefined],
      ['verdict (root given as JSON each call)', trustedRoot],
    ]) {
      const run = (text) => verdict.verifyBundle(text, bytes, rootArg, options);
      const [firstMs, first] = await time(() => run(bundleText));
      const warm = [];
      for (let i = 0; i < N; i++) warm.push((await time(() => run(bundleText)))[0]);
      const bad = run(tampered);
      out[label] = {
        startMs: out['verdict (embedded root)'] ? 0 : importMs + initMs,
        firstMs,
        warmMedianMs: median(warm),
        verified: first.verified,
        tamperedRejected: bad.verified === false,
        tamperedCode: bad.error?.code,
      };
    }

    // sigstore-browser
    const { SigstoreVerifier } = await import('/sigstore-browser.js');
    const verifier = new SigstoreVerifier();
    const [loadMs] = await time(() => verifier.loadSigstoreRoot(JSON.parse(trustedRoot)));
    const run = (text) => verifier.verifyArtifact(identity, issuer, JSON.parse(text), bytes);
    const [firstMs, first] = await time(() => run(bundleText));
    const warm = [];
    for (let i = 0; i < N; i++) warm.push((await time(() => run(bundleText)))[0]);
    let tamperedRejected = false;
    let tamperedCode;
    try {
      tamperedRejected = !(await run(tampered));
    } catch (e) {
      tamperedRejected = true;
      tamperedCode = e?.name;
    }
    out['sigstore-browser'] = {
      startMs: loadMs,
      firstMs,
      warmMedianMs: median(warm),
      verified: first === true,
      tamperedRejected,
      tamperedCode,
    };
    return out;
  },
  { N, bundleText, tampered, artifact, trustedRoot, identity, issuer },
);
const chromeVersion = browser.version();
await browser.close();
server.close();

console.log(JSON.stringify({ kind: 'browser-verify', chromium: chromeVersion, sigstoreBrowser: version, n: N, result }));
const f = (x) => (x === undefined ? '—' : x.toFixed(2));
console.log(`\nChromium ${chromeVersion}, sigstore-browser ${version}, happy-path-v0.3 (hashedrekord), N = ${N}\n`);
console.log('| library | start ms | first verify ms | warm verify ms (median) | verifies | tampered rejected |');
console.log('|---|---:|---:|---:|---|---|');
for (const [label, r] of Object.entries(result)) {
  console.log(
    `| ${label} | ${f(r.startMs)} | ${f(r.firstMs)} | ${f(r.warmMedianMs)} | ${r.verified} | ${r.tamperedRejected}${r.tamperedCode ? ` (${r.tamperedCode})` : ''} |`,
  );
}
const agree = Object.values(result).every((r) => r.verified && r.tamperedRejected);
if (!agree) {
  console.error('bench-browser: the libraries do not agree (see the table)');
  process.exit(1);
}
