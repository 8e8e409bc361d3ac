// Cross-host parity, host (d): the playground in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). Loads the page from web/serve.mjs (loopback), measures the time from
// navigation to the first verdict shown, runs every example through the page's gallery and
// Evaluate button and compares the verdict hash shown with the golden's (read here from disk),
// checks bad input and the keyboard path, and saves a screenshot under <target>/web/.
// playwright-core gives the browser a fresh temporary profile. Run: node web/test/browser.mjs (after web/build.sh --playground).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';
import { store, exampleDirs, root } from './fs-store.mjs';
import { parseToml } from '../src/toml.mjs';
import { items, goldenHash } from '../src/runner.mjs';
import { cases, parityDir, vectors, vectorArgs, vectorRecord, sha256 } from './parity.mjs';

const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const outDir = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'web');
const utf8 = new TextDecoder();

let server;
let url;
let browser;
let page;
const external = [];
// Host (d)'s verdict hashes by parity-suite id, written for parity-summary.mjs.
const hashes = {};
const consoleErrors = [];

before(async () => {
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
  assert.ok(existsSync(path.join(root, 'web/dist/app.js')), 'web/dist is missing: run web/build.sh --playground');
  ({ server, url } = await serve(0));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  // Offline: anything but the local server is refused and recorded.
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    external.push(u.href);
    return route.abort();
  });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Prints one suite's row for host (d) and fails on any case whose text differs: [[id, got, want]]. */
function tally(suite, minimum, results) {
  const different = results.filter(([, got, want]) => got !== want).map(([id]) => id);
  console.log(`${suite} in Chromium:`);
  console.table({ [suite]: { cases: results.length, identical: results.length - different.length, different: different.length } });
  assert.ok(results.length >= minimum, `${results.length}`);
  assert.deepEqual(different, []);
}

/** Rewrites the request in the input editor from the keyboard (`edit` maps the parsed JSON) and
 * evaluates it with Ctrl+Enter. */
async function editRequest(edit) {
  const [, request] = await page.evaluate(() => window.verdictPlayground.texts());
  await page.click('#input .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(JSON.stringify(edit(JSON.parse(request))));
  const n = await verdictCount();
  await page.keyboard.press('Control+Enter');
  await waitForVerdict(n);
}

/** Clicks an example in the gallery and waits for its verdict. */
async function pick(key) {
  const n = await verdictCount();
  await page.click(`#gallery button[data-key="${key}"]`);
  await waitForVerdict(n);
}

const verdictCount = () => page.evaluate(() => Number(document.body.dataset.verdictCount ?? 0));
async function waitForVerdict(before) {
  await page.waitForFunction((n) => Number(document.body.dataset.verdictCount ?? 0) > n, before, { timeout: 30000 });
}

test('the page shows its first verdict soon after navigation', async () => {
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-first-verdict-ms]', { timeout: 30000 });
  const wall = Date.now() - t0;
  const sincenav = Number(await page.evaluate(() => document.body.dataset.firstVerdictMs));
  const marks = await page.evaluate(() => ({ ...document.body.dataset }));
  console.log(`first verdict: ${sincenav.toFixed(0)} ms after navigation start (performance.now), ${wall} ms wall from goto; script ${marks.scriptStartMs}, gallery ${marks.galleryMs}, engine ${marks.engineMs} ms`);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  assert.ok(sincenav > 0 && sincenav < 10000, `${sincenav}`);
  const match = await page.getAttribute('#golden-match', 'data-match');
  assert.equal(match, 'true', 'the example shown first matches its golden');
});

test('every example through the page gives the golden verdict hash', async () => {
  const rows = [];
  for (const { dir, name } of exampleDirs()) {
    const spec = parseToml(utf8.decode(store.read(`${dir}/cases.toml`)));
    for (const item of items(dir, spec)) {
      const want = await goldenHash(store.read(item.golden));
      const n = await verdictCount();
      const t = Date.now();
      await page.click(`#gallery button[data-key="${name}/${item.kind}/${item.name}"]`);
      await waitForVerdict(n);
      const ms = Date.now() - t;
      const got = await page.getAttribute('#verdict-hash', 'data-hash');
      hashes[`examples (${item.kind})/${name}/${item.name}`] = got;
      const decision = await page.getAttribute('#verdict [data-decision]', 'data-decision');
      rows.push({ example: name, kind: item.kind, name: item.name, decision, ms, parity: got === want ? 'same' : 'DIFFERENT' });
    }
  }
  console.log(`verdict-web in Chromium (${await browser.version()}): ${rows.length} example items`);
  console.table(rows);
  assert.ok(rows.length >= 40, `${rows.length}`);
  assert.deepEqual(rows.filter((r) => r.parity !== 'same'), []);
});

test('every policy case through the page\'s engine gives the golden canonical verdict', async () => {
  await page.evaluate(() => window.verdict.ready);
  const results = [];
  for (const c of cases().filter((x) => x.suite === 'policy cases')) {
    const [sets, engineOptions, options, input] = c.args;
    const verdict = await page.evaluate(
      ([s, e, o, i]) => {
        const engine = new window.verdict.api.Engine(s, e);
        try {
          return engine.evaluate(i, o);
        } finally {
          engine.free();
        }
      },
      [sets, engineOptions, { ...options, nowNs: String(options.nowNs) }, input],
    );
    hashes[`${c.suite}/${c.name}`] = verdict.hash;
    results.push([c.name, verdict.canonicalJson + '\n', c.golden()]);
  }
  tally('policy cases', 60, results);
});

test('every verification vector through the page\'s engine gives the native outcome record', async () => {
  const results = [];
  for (const v of vectors()) {
    // Bytes cross into the page as base64 and become Uint8Arrays there.
    const [bundle, artifact, trustedRoot, options] = vectorArgs(v);
    const toB64 = (u8) => Buffer.from(u8).toString('base64');
    const result = await page.evaluate(
      ([b, a, aIsDigest, t, o]) => {
        const bytes = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
        return window.verdict.api.verifyBundle(bytes(b), aIsDigest ? a : bytes(a), t ?? undefined, o);
      },
      [toB64(bundle), typeof artifact === 'string' ? artifact : toB64(artifact), typeof artifact === 'string', trustedRoot ?? null, options],
    );
    const record = vectorRecord(result);
    hashes[v.id] = sha256(record);
    results.push([v.id, record, v.record]);
  }
  tally('verification vectors', 100, results);
  const target = parityDir();
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, 'chromium.json'), JSON.stringify({ host: `(d) the playground in Chromium ${await browser.version()}`, hashes }, null, 1) + '\n');
});

test('bad input is a message in the panel and the page keeps working', async () => {
  await page.click('#gallery button[data-key="xx-release/case/allow-signed-v1.7.0"]');
  // Replace the input with malformed JSON, from the keyboard, and evaluate with Ctrl+Enter.
  await page.click('#input .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{"image": ');
  let n = await verdictCount();
  await page.keyboard.press('Control+Enter');
  await waitForVerdict(n);
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'error');
  assert.match(await page.textContent('#verdict'), /malformed-input/);
  // A source check naming evidence the page does not have.
  await page.selectOption('#mode', 'check');
  await page.click('#input .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{"source": "docker-image://alpine", "evidence": "nowhere"}');
  n = await verdictCount();
  await page.click('#evaluate');
  await page.waitForFunction(() => document.querySelector('#verdict [data-decision="failure"]'));
  assert.match(await page.textContent('#verdict'), /no such directory/);
  // A policy that runs away (10^10 iterations) stops at the page's step budget with a
  // verdict, in seconds, and the page is not frozen.
  await page.selectOption('#mode', 'input');
  await page.click('#policy .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('package docker\ndecision := {"allow": count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000); a == b]) > 0}');
  await page.click('#input .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('{}');
  n = await verdictCount();
  const runaway = Date.now();
  await page.click('#evaluate');
  await waitForVerdict(n);
  assert.ok(Date.now() - runaway < 20_000, `stopped after ${Date.now() - runaway} ms`);
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'error');
  assert.match(await page.textContent('#verdict'), /resource-exhausted/);
  assert.match(await page.textContent('#verdict'), /max-steps/);
  await page.selectOption('#mode', 'check');
  // A bad evaluation time.
  await page.fill('#now', 'yesterday');
  await page.click('#evaluate');
  assert.match(await page.textContent('#verdict'), /RFC 3339/);
  // Still working.
  await pick('pin-image/check/convert-alpine');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
  assert.deepEqual(external, [], 'no request left the machine');
  assert.deepEqual(consoleErrors, []);
});

test('a screenshot', async () => {
  mkdirSync(outDir, { recursive: true });
  await page.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
  await page.waitForSelector('#golden-match[data-match="true"]');
  const file = path.join(outDir, 'playground.png');
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
});

test('a share link restores the state exactly and gives the same verdict', async () => {
  await page.click('#gallery button[data-key="http-pgp/check/allow-pinned-and-signed"]');
  await page.waitForSelector('#golden-match[data-match="true"]');
  // An edit of the policy (a print) that the link must carry.
  await page.click('#policy .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# shared ✓\n');
  let n = await verdictCount();
  await page.click('#evaluate');
  await waitForVerdict(n);
  const hash = await page.getAttribute('#verdict-hash', 'data-hash');
  const before = { editors: await page.evaluate(() => window.verdictPlayground.texts()), now: await page.inputValue('#now'), mode: await page.inputValue('#mode') };
  await page.click('#share');
  await page.waitForFunction(() => location.hash.startsWith('#s='));
  const link = page.url();
  const other = await browser.newPage();
  await other.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : (external.push(route.request().url()), route.abort())));
  await other.goto(link);
  await other.waitForSelector('body[data-first-verdict-ms]');
  const after = {
    editors: await other.evaluate(() => window.verdictPlayground.texts()),
    now: await other.inputValue('#now'),
    mode: await other.inputValue('#mode'),
  };
  assert.deepEqual(after, before);
  assert.equal(await other.getAttribute('#verdict-hash', 'data-hash'), hash);
  console.log(`share link: ${link.length} characters`);
  await other.close();
});

test('dropped files: a trusted root, an evidence folder with a bundle, and a PNG', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const tmp = mkdtempSync(path.join(tmpdir(), 'verdict-drop-'));
  const png = path.join(tmp, 'picture.png');
  writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
  await page.setInputFiles('#add-files', [path.join(root, 'tests/minted/artifact-github-builder/trusted_root.json'), png]);
  await page.waitForSelector('#dropped li[data-path="dropped/picture.png"]');
  assert.match(await page.textContent('#dropped li[data-path="dropped/trusted_root.json"]'), /trusted root sha256:/);
  assert.match(await page.textContent('#dropped li[data-path="dropped/picture.png"]'), /binary/);
  await page.setInputFiles('#add-folder', path.join(root, 'examples/github-builder-real/evidence/signed-1'));
  await page.waitForSelector('#dropped li[data-path="dropped/signed-1/image/attestation-manifest"]');

  const retype = async (edit) => {
    await editRequest(edit);
    return page.getAttribute('#verdict-hash', 'data-hash');
  };
  const hashOf = async (example, name) => goldenHash(store.read(`examples/${example}/expected/${name}.verdict.json`));
  // The dropped trusted root gives the verdict the example's own root gives.
  await page.click('#gallery button[data-key="artifact-attestations/check/allow-github-builder-bundle"]');
  assert.equal(await retype((r) => ({ ...r, trustedRoot: 'dropped/trusted_root.json' })), await hashOf('artifact-attestations', 'allow-github-builder-bundle'));
  // The dropped evidence folder (its bundle verified in the page) gives the example's verdict.
  await page.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
  assert.equal(await retype((r) => ({ ...r, evidence: 'dropped/signed-1' })), await hashOf('github-builder-real', 'allow-signature-1'));
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'allow');
  // A PNG as the trusted root: an error verdict naming it, and the page keeps working.
  await retype((r) => ({ ...r, trustedRoot: 'dropped/picture.png' }));
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'error');
  assert.match(await page.textContent('#verdict'), /invalid-request.*trusted root/s);
  await pick('xx-release/case/allow-pinned-1.6.1');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
  assert.deepEqual(external, []);
});

test('policy tests run in the page, with coverage marked in the policy editor', async () => {
  await page.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
  await page.click('#run-tests');
  await page.waitForSelector('#test-report');
  const report = await page.textContent('#test-report');
  assert.equal(report.trim(), utf8.decode(store.read('examples/github-builder-real/expected/policy-tests.txt')).trim());
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'tests-passed');
  const hit = await page.locator('#policy .cm-line.cov-hit').count();
  assert.ok(hit >= 10, `${hit} covered lines marked`);
  // Any edit clears the marks.
  await page.click('#policy .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n');
  assert.equal(await page.locator('#policy .cm-line.cov-hit').count(), 0);
  // An example without tests has the button disabled.
  await page.click('#gallery button[data-key="xx-release/case/allow-pinned-1.6.1"]');
  assert.equal(await page.isDisabled('#run-tests'), true);
});

test('signatures typed into an input document are never shown as verified', async () => {
  await pick('github-builder-real/check/allow-signature-1');
  const n = await verdictCount();
  await page.selectOption('#mode', 'input');
  const forged = { image: { signatures: [{ kind: 'docker-github-builder', signer: { sourceRepositoryURI: 'https://github.com/docker/github-builder-test', issuer: 'https://token.actions.githubusercontent.com' } }] } };
  await page.click('#input .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(JSON.stringify(forged));
  await page.keyboard.press('Control+Enter');
  await waitForVerdict(n);
  assert.equal(await page.locator('#signers').count(), 0, 'no "Verified signers" for an input document');
  assert.equal(await page.locator('.signers-title').count(), 0);
});

test('the verdict panel shows the verified signers and the trust root in use', async () => {
  await pick('github-builder-real/check/allow-signature-1');
  const signers = await page.textContent('#signers');
  assert.match(signers, /docker-github-builder/);
  assert.match(signers, /https:\/\/github\.com\/docker\/github-builder-test/);
  assert.match(signers, /refs\/heads\/main/);
  assert.match(signers, /time \(Tlog\)/);
  assert.match(await page.textContent('#trust-used'), /embedded Sigstore public-good root — sha256:[0-9a-f]{64}, \d+ transparency logs/);
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, 'playground-signers.png'), fullPage: true });
  // The control: a dropped root (added by the previous test) becomes a choice; choosing it
  // re-evaluates with it and says so; the example's golden no longer applies.
  const choices = await page.$$eval('#trust-root option', (os) => os.map((o) => o.value));
  assert.ok(choices.includes('dropped/trusted_root.json'), JSON.stringify(choices));
  let n = await verdictCount();
  await page.selectOption('#trust-root', 'dropped/trusted_root.json');
  await waitForVerdict(n);
  assert.match(await page.textContent('#trust'), /^dropped\/trusted_root\.json — sha256:/);
  assert.match(await page.textContent('#trust-used'), /dropped\/trusted_root\.json \(chosen above\)/);
  // The minted root does not know the public-good Fulcio: the real signatures do not verify.
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'deny');
  assert.equal(await page.$('#signers'), null);
  // Picking an example starts from its own root again.
  await pick('github-builder-real/check/allow-signature-2');
  assert.equal(await page.inputValue('#trust-root'), '');
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'allow');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
});

test('a 50 MB file and a truncated bundle: clear messages, and the page keeps working', async (t) => {
  const { writeFileSync, mkdtempSync, cpSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const tmp = mkdtempSync(path.join(tmpdir(), 'verdict-bad-'));
  // 50 MB per run: removed whatever the test's outcome.
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const big = path.join(tmp, 'big.bin');
  writeFileSync(big, Buffer.alloc(50 * 1000 * 1000, 0x7b)); // 50 MB of "{"
  // The real evidence with its Sigstore bundle cut in half.
  const ev = path.join(tmp, 'cut');
  cpSync(path.join(root, 'examples/github-builder-real/evidence/signed-1'), ev, { recursive: true });
  const bundle = path.join(ev, 'image/bundles/bundle.json');
  const bytes = readFileSync(bundle);
  writeFileSync(bundle, bytes.subarray(0, bytes.length >> 1));

  await page.setInputFiles('#add-files', big);
  await page.waitForSelector('#dropped li[data-path="dropped/big.bin"]', { timeout: 60000 });
  assert.match(await page.textContent('#dropped li[data-path="dropped/big.bin"]'), /50000000 bytes, text \(not valid JSON\)/);
  await page.setInputFiles('#add-folder', ev);
  await page.waitForSelector('#dropped li[data-path^="dropped/cut/"]');

  const check = async (edit) => {
    await page.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
    await editRequest(edit);
    return { decision: await page.getAttribute('#verdict [data-decision]', 'data-decision'), text: await page.textContent('#verdict') };
  };
  // 50 MB as the trusted root: an error verdict that says what is wrong with it.
  const t0 = Date.now();
  let v = await check((r) => ({ ...r, trustedRoot: 'dropped/big.bin' }));
  console.log(`50 MB trusted root: ${Date.now() - t0} ms to the verdict`);
  assert.equal(v.decision, 'error');
  assert.match(v.text, /invalid-request.*trusted root/s);
  // The truncated bundle does not parse: no signatures reach the policy (deny), and the facts
  // say which bundle failed and why.
  v = await check((r) => ({ ...r, evidence: 'dropped/cut' }));
  assert.equal(v.decision, 'deny');
  assert.match(v.text, /failed\s*image\.signatures: bundle sha256:[0-9a-f]{64}: malformed-bundle: .*not valid JSON/);
  assert.equal(await page.$('#signers'), null);
  // Still working: the example itself.
  await pick('github-builder-real/check/allow-signature-2');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
  assert.deepEqual(external, []);
  assert.deepEqual(consoleErrors, []);
});

test('the evidence editor: one changed byte of the bundle denies, Revert restores the verdict', async () => {
  await pick('github-builder-real/check/allow-signature-1');
  assert.equal(await page.inputValue('#evidence-file'), 'examples/github-builder-real/evidence/signed-1/image/bundles/bundle.json');
  const shown = await page.textContent('#evidence .cm-content');
  assert.match(shown, /application\/vnd\.dev\.sigstore\.bundle/);
  await page.click('#evidence .cm-content');
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('x');
  assert.match(await page.textContent('#evidence-status'), /edited/);
  let n = await verdictCount();
  await page.keyboard.press('Control+Enter');
  await waitForVerdict(n);
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'deny');
  assert.match(await page.textContent('#verdict'), /failed\s*image\.signatures: bundle sha256:[0-9a-f]{64}: malformed-bundle/);
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'false');
  // An edit's different hash is expected: said quietly, not as a disagreement with the goldens.
  assert.equal(await page.getAttribute('#golden-match', 'data-edited'), 'true');
  assert.equal(await page.getAttribute('#golden-match', 'class'), 'edited');
  // Sets are counted from 1, as the CLI counts them.
  assert.match(await page.textContent('#verdict'), /Decided bypolicy set 1/);
  // What decided: no signatures, so the builder check (line 22) is where the allow body stopped.
  const reasons = await page.$$eval('#failing-rules li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(reasons, [
    'no allow rule held: the default applied (line 6: default allow := false)',
    'allow (line 8): stopped at line 8: allow if input.local',
    'allow (line 20): stopped at line 22: docker_github_builder(input.image, repo)',
  ]);
  await page.screenshot({ path: path.join(outDir, 'playground-deny.png'), fullPage: true });
  // Undo in another file never brings the edited file's text into it.
  const bundlePath = await page.inputValue('#evidence-file');
  const other = await page.$$eval('#evidence-file option', (os, b) => os.map((o) => o.value).find((v) => v && v !== b), bundlePath);
  await page.selectOption('#evidence-file', other);
  await page.click('#evidence .cm-content');
  await page.keyboard.press('Control+z');
  assert.doesNotMatch(await page.textContent('#evidence-status'), /edited/);
  await page.selectOption('#evidence-file', bundlePath);
  assert.match(await page.textContent('#evidence-status'), /edited/);
  n = await verdictCount();
  await page.click('#evidence-revert');
  await waitForVerdict(n);
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'allow');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
  // An input-document example has no evidence: the box is hidden.
  await page.click('#gallery button[data-key="xx-release/case/allow-pinned-1.6.1"]');
  assert.equal(await page.isHidden('.evidence-box'), true);
});

test('every evaluation marks the policy lines it reached and those it never did', async () => {
  await pick('github-builder-real/check/deny-wrong-repository');
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'deny');
  const hit = await page.locator('#policy .cm-line.cov-hit').count();
  const miss = await page.locator('#policy .cm-line.cov-miss').count();
  assert.ok(hit >= 5 && miss >= 1, `${hit} reached, ${miss} never reached`);
  assert.match(await page.textContent('#coverage-summary'), new RegExp(`^${hit} of ${hit + miss} policy lines reached`));
  assert.match(await page.getAttribute('#policy .cm-line.cov-hit', 'title'), /this evaluation/);
  // The allow reaches the lines the deny did not.
  await pick('github-builder-real/check/allow-signature-1');
  const hitAllow = await page.locator('#policy .cm-line.cov-hit').count();
  assert.ok(hitAllow > 0, `${hitAllow}`);
  // An input document, too.
  await pick('xx-release/case/allow-pinned-1.6.1');
  assert.ok((await page.locator('#policy .cm-line.cov-hit').count()) >= 2);
});

test('a policy that does not parse is marked at its line in the editor', async () => {
  await pick('xx-release/case/allow-pinned-1.6.1');
  await page.click('#policy .cm-content');
  await page.keyboard.press('Control+Home');
  // Line 2 becomes `allow if {` with nothing after it: a parse error regorus places on a later
  // line; the page marks the line the message names.
  await page.keyboard.press('End');
  await page.keyboard.type('\nallow if {\n');
  const n = await verdictCount();
  await page.click('#evaluate');
  await waitForVerdict(n);
  assert.equal(await page.getAttribute('#verdict [data-decision]', 'data-decision'), 'error');
  const message = await page.textContent('#verdict');
  const named = Number(/Dockerfile\.rego:(\d+)/.exec(message)?.[1]);
  assert.ok(named > 0, message);
  assert.equal(await page.getAttribute('#policy .cm-line.syntax-error', 'data-error-line'), String(named));
  assert.match(await page.textContent('#error-line'), new RegExp(`line ${named} of Dockerfile\\.rego`));
  // The next edit clears the mark.
  await page.click('#policy .cm-content');
  await page.keyboard.type('x');
  assert.equal(await page.locator('#policy .cm-line.syntax-error').count(), 0);
  await pick('xx-release/case/allow-pinned-1.6.1');
  assert.equal(await page.getAttribute('#golden-match', 'data-match'), 'true');
});

test('the layout fits every width from a phone to a wide screen, in light and dark', async () => {
  mkdirSync(outDir, { recursive: true });
  await pick('github-builder-real/check/allow-signature-1');
  const fits = () => page.evaluate(() => {
    const inView = (sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return r.width > 0 && r.left >= -0.5 && r.right <= window.innerWidth + 0.5;
    };
    // What sticks out (the outermost elements past the right edge), to say why on a failure.
    const out = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
      .filter((e) => !e.closest('.cm-scroller'))
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ')[0]}` : ''}`);
    // Text that runs past the edge of a box that does not (a word too long to wrap).
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('.cm-scroller') || !n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && n.parentElement.getBoundingClientRect().right <= window.innerWidth + 1) {
        out.push(`text in ${n.parentElement.tagName.toLowerCase()}${n.parentElement.id ? `#${n.parentElement.id}` : ''}: ${n.textContent.trim().slice(0, 40)}`);
      }
    }
    return {
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      out,
      verdict: inView('#verdict'),
      evaluate: inView('#evaluate'),
      policy: inView('#policy'),
      decision: inView('#verdict [data-decision]'),
    };
  });
  const shots = [];
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [360, 768, 1024, 1440, 1920, 2560]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(50);
      const got = await fits();
      assert.deepEqual(got, { overflow: 0, out: [], verdict: true, evaluate: true, policy: true, decision: true }, `${scheme} ${width}px`);
      if ([360, 1024, 1920].includes(width) && (scheme === 'light' || width === 1024 || width === 360)) {
        const file = path.join(outDir, `playground-${width}${scheme === 'dark' ? '-dark' : ''}.png`);
        await page.screenshot({ path: file, fullPage: width === 360 });
        shots.push(file);
      }
    }
    // The scheme follows the system's: a dark page in dark mode, a light one otherwise.
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    assert.ok(scheme === 'dark' ? luminance < 0.2 : luminance > 0.8, `${scheme}: ${bg}`);
  }
  console.log(`screenshots: ${shots.join(', ')}`);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1500, height: 950 });
});

test('accessibility: axe-core finds no violation in the page\'s states', async () => {
  const { readFileSync } = await import('node:fs');
  const axe = readFileSync(path.join(root, 'web/node_modules/axe-core/axe.min.js'), 'utf8');
  // A context of its own that lets the test inject axe past the page's CSP.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1500, height: 950 } });
  const p = await context.newPage();
  await p.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  await p.goto(url);
  await p.waitForSelector('body[data-first-verdict-ms]');
  await p.addScriptTag({ content: axe });
  const audit = async (state) => {
    const r = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    return r.violations.map((v) => `${state}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };
  const found = [...(await audit('an input document'))];
  const n = await p.evaluate(() => Number(document.body.dataset.verdictCount ?? 0));
  await p.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
  await p.waitForFunction((k) => Number(document.body.dataset.verdictCount ?? 0) > k, n);
  found.push(...(await audit('a source check with signers and the evidence editor')));
  await p.click('#run-tests');
  await p.waitForSelector('#test-report');
  found.push(...(await audit('policy tests with coverage')));
  // The dark scheme keeps its contrast (the syntax colours and the verdict's included), and a
  // phone-width layout has nothing out of reach.
  await p.emulateMedia({ colorScheme: 'dark' });
  const m = await p.evaluate(() => Number(document.body.dataset.verdictCount ?? 0));
  await p.click('#gallery button[data-key="github-builder-real/check/allow-signature-1"]');
  await p.waitForFunction((k) => Number(document.body.dataset.verdictCount ?? 0) > k, m);
  found.push(...(await audit('dark scheme')));
  await p.setViewportSize({ width: 360, height: 800 });
  found.push(...(await audit('dark scheme at 360 px')));
  await context.close();
  assert.deepEqual(found, []);
});
