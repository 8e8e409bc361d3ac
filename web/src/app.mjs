// The verdict playground: CodeMirror editors for the policy and the input (or a source check
// request), the examples gallery, the pinned evaluation time, the verdict panel and a share
// link. Everything runs in this page through crates/web (web/pkg); nothing is sent anywhere.

import init, * as api from '../pkg/verdict_web.js';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { EditorState, StateField, StateEffect, RangeSetBuilder } from '@codemirror/state';
import { Decoration } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { syntaxHighlighting, HighlightStyle, bracketMatching, indentOnInput } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { json } from '@codemirror/lang-json';
import { rego } from './rego.mjs';
import { rfc3339ToNs, DEFAULT_NOW } from './time.mjs';
import { checkWithContext, evaluateOnce, filesUnder, listing, prepare, items, join } from './runner.mjs';

const $ = (id) => document.getElementById(id);
const utf8 = new TextDecoder();

// ---- files: the gallery's, decoded on demand -------------------------------------------------
// Load times (ms since navigation start) for the browser test and the curious.
const mark = (k) => (document.body.dataset[k] = performance.now().toFixed(1));
mark('scriptStartMs');
const galleryPromise = fetch('examples.json').then((r) => {
  if (!r.ok) throw new Error(`examples.json: HTTP ${r.status}`);
  return r.json().then((j) => (mark('galleryMs'), j));
});
const enginePromise = init({ module_or_path: new URL('verdict_web_bg.wasm', import.meta.url) }).then((x) => (mark('engineMs'), x));
// The page's own engine, for scripts and the browser tests (the cross-host parity suite runs
// the policy cases through it): `await window.verdict.ready; new window.verdict.api.Engine(sets).evaluate(input, {nowNs})`.
window.verdict = { api, ready: enginePromise };

const decoded = new Map();
let encoded = {};
const store = {
  read(p) {
    p = p.replace(/^\/+/, '');
    if (decoded.has(p)) return decoded.get(p);
    const b64 = encoded[p];
    if (b64 === undefined) return undefined;
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    decoded.set(p, bytes);
    return bytes;
  },
  list(dir) {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    return Object.keys(encoded).filter((p) => p.startsWith(prefix)).sort();
  },
};

// ---- editors -----------------------------------------------------------------------------------
const evaluateKey = { key: 'Mod-Enter', run: () => (evaluateNow(), true) };

// Coverage of the policy editor's lines from the last evaluation or test run: {covered,
// notCovered, by} (1-based lines; `by` names what ran); cleared by any edit.
const setCoverage = StateEffect.define();
const coverageField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (e.is(setCoverage)) {
        const b = new RangeSetBuilder();
        const marks = new Map();
        for (const n of e.value.covered) marks.set(n, 'cov-hit');
        for (const n of e.value.notCovered) marks.set(n, 'cov-miss');
        for (const n of [...marks.keys()].sort((x, y) => x - y)) {
          if (n < 1 || n > tr.state.doc.lines) continue;
          const line = tr.state.doc.line(n);
          const by = e.value.by ?? 'the tests';
          b.add(line.from, line.from, Decoration.line({ class: marks.get(n), attributes: { title: marks.get(n) === 'cov-hit' ? `evaluated by ${by}` : `not reached by ${by}` } }));
        }
        return b.finish();
      }
    }
    return tr.docChanged ? Decoration.none : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});
// The line of the policy shown that an error names (`path:LINE:`, as verdict and OPA word it),
// marked in the policy editor until the next edit, with the message as its title. An error in
// another module (the built-in default policy) marks nothing.
const setErrorLine = StateEffect.define();
const errorLineField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (e.is(setErrorLine)) {
        const { line, message } = e.value ?? {};
        if (!line || line < 1 || line > tr.state.doc.lines) return Decoration.none;
        const b = new RangeSetBuilder();
        b.add(tr.state.doc.line(line).from, tr.state.doc.line(line).from, Decoration.line({ class: 'syntax-error', attributes: { title: message, 'data-error-line': String(line) } }));
        return b.finish();
      }
    }
    return tr.docChanged ? Decoration.none : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});
/** The line of the policy shown that an error message names, if it names one. */
function errorLine(message, path) {
  const esc = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(?:^|[\\s(])${esc}:(\\d+)(?::\\d+)?:`).exec(message);
  return m ? Number(m[1]) : null;
}

// Syntax colours from the page's tokens (style.css: --hl-*), so light and dark schemes both
// keep their contrast.
const pageHighlight = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--hl-keyword)', fontWeight: '600' },
  { tag: [t.atom, t.bool, t.null], color: 'var(--hl-atom)' },
  { tag: t.number, color: 'var(--hl-number)' },
  { tag: t.string, color: 'var(--hl-string)' },
  { tag: t.comment, color: 'var(--hl-comment)', fontStyle: 'italic' },
  { tag: t.definition(t.variableName), color: 'var(--hl-def)', fontWeight: '600' },
  { tag: t.standard(t.variableName), color: 'var(--hl-builtin)' },
  { tag: t.propertyName, color: 'var(--hl-property)' },
  { tag: t.operator, color: 'var(--hl-operator)' },
  { tag: t.invalid, color: 'var(--deny)' },
]);

function editor(parent, labelId, language, more = []) {
  return new EditorView({ parent, state: EditorState.create({ doc: '', extensions: editorExtensions(labelId, language, more) }) });
}
function editorExtensions(labelId, language, more = []) {
  return [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(pageHighlight),
        keymap.of([evaluateKey, ...defaultKeymap, ...historyKeymap]),
        language,
        ...more,
        // An explicit tab stop on the (contenteditable) text: the scroll region around it is then
        // reachable from the keyboard (axe: scrollable-region-focusable).
        EditorView.contentAttributes.of({ 'aria-labelledby': labelId, 'aria-multiline': 'true', role: 'textbox', tabindex: '0' }),
  ];
}
const policyEditor = editor($('policy'), 'policy-label', rego, [coverageField, errorLineField]);
const inputEditor = editor($('input'), 'input-label', json(), [
  EditorView.updateListener.of((u) => u.docChanged && $('mode').value === 'check' && scheduleEvidenceList()),
]);
// Each file shown gets a fresh editor state: undo never carries one file's text into another.
const evidenceExtensions = (readOnly) =>
  editorExtensions('evidence-label', json(), [
    EditorState.readOnly.of(readOnly),
    EditorView.updateListener.of((u) => u.docChanged && evidenceEdited()),
  ]);
const evidenceEditor = editor($('evidence'), 'evidence-label', json(), [EditorState.readOnly.of(true)]);
// For tests and the console: the editors' exact texts.
window.verdictPlayground = { texts: () => [getText(policyEditor), getText(inputEditor)] };
const setText = (view, text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
const getText = (view) => view.state.doc.toString();

// ---- the evidence editor: any text file of the request's evidence, context or trusted root ------
// Edits are kept in the page (an overlay over the gallery's bytes) and used by every evaluation
// until reverted; they travel in the share link. Binary files are shown, not edited.
const originals = new Map(); // path → the bytes before the first edit
let evidenceTimer;
function scheduleEvidenceList() {
  clearTimeout(evidenceTimer);
  evidenceTimer = setTimeout(listEvidenceFiles, 250);
}
function requestDirs() {
  try {
    const r = JSON.parse(getText(inputEditor));
    const clean = (p) => p.replace(/^\/+/, '').replace(/\/+$/, '');
    const dirs = [r.evidence, r.context].filter((d) => typeof d === 'string' && d);
    const files = dirs.flatMap((d) => store.list(clean(d)));
    if (typeof r.trustedRoot === 'string' && store.read(r.trustedRoot)) files.push(clean(r.trustedRoot));
    return files;
  } catch {
    return [];
  }
}
function listEvidenceFiles() {
  const select = $('evidence-file');
  const files = $('mode').value === 'check' ? requestDirs() : [];
  const current = select.value;
  select.textContent = '';
  if (!files.length) select.append(new Option('(the request names no evidence, context or trusted root)', ''));
  for (const f of files) select.append(new Option(`${f}${originals.has(f) ? ' (edited)' : ''}`, f));
  select.value = files.includes(current) ? current : files.find((f) => /bundle|\.json$/.test(f)) ?? files[0] ?? '';
  showEvidenceFile();
}
function showEvidenceFile() {
  const path = $('evidence-file').value;
  const bytes = path ? store.read(path) : undefined;
  let text;
  let editable = false;
  let note = '';
  if (bytes === undefined) text = '';
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      editable = bytes.length <= 4 << 20;
      if (!editable) text = `(${bytes.length} bytes: too large to edit here)`;
      else if (text.includes('\r') || text.startsWith('\ufeff')) {
        // The editor would rewrite its line endings (or drop the BOM): shown, not edited.
        editable = false;
        note = 'CR line endings or a BOM: shown, not edited (an edit would change every line)';
      }
    } catch {
      text = `(binary, ${bytes.length} bytes: shown, not edited)`;
    }
  }
  evidenceEditor.setState(EditorState.create({ doc: text, extensions: evidenceExtensions(!editable) }));
  $('evidence-status').textContent = !path ? '' : originals.has(path) ? 'edited: evaluations use this text' : note || (editable ? 'edit it to see what a changed byte does' : '');
  $('evidence-revert').disabled = !originals.has(path);
}
function evidenceEdited() {
  const path = $('evidence-file').value;
  if (!path) return;
  if (!originals.has(path)) originals.set(path, store.read(path));
  decoded.set(path, new TextEncoder().encode(getText(evidenceEditor)));
  $('evidence-status').textContent = 'edited: evaluations use this text';
  $('evidence-revert').disabled = false;
  const option = $('evidence-file').selectedOptions[0];
  if (option && !option.textContent.endsWith(' (edited)')) option.textContent += ' (edited)';
}
$('evidence-file').addEventListener('change', showEvidenceFile);
$('evidence-revert').addEventListener('click', () => {
  const path = $('evidence-file').value;
  if (!originals.has(path)) return;
  decoded.set(path, originals.get(path));
  originals.delete(path);
  listEvidenceFiles();
  evaluateNow();
});

// ---- state -----------------------------------------------------------------------------------
let gallery = { examples: [] };
let policyPath = 'Dockerfile.rego';
let selected = null; // {example, item}: for the golden comparison
let firstShown = false;
let testFiles = [];

function setMode(mode) {
  $('mode').value = mode;
  document.querySelector('.evidence-box').hidden = mode !== 'check';
  $('input-label').firstChild.textContent = mode === 'check' ? 'Source check request ' : 'Input document ';
  $('input-help').innerHTML =
    mode === 'check'
      ? '<code>source</code>, <code>platform</code>, and the page files to use: <code>evidence</code> (a directory laid out as docs/evidence.md), <code>context</code> (build-context files the policy reads), <code>trustedRoot</code> (absent: the embedded public-good root), <code>defaultPolicy</code>.'
      : 'The policy input, as <code>docker buildx policy eval --print</code> shows it.';
}
$('mode').addEventListener('change', () => {
  setMode($('mode').value);
  selected = null;
  listEvidenceFiles();
});

/** Whether the example shown was edited since it was picked (its policy, request or input, the
 * evaluation time, an evidence file, or the trusted root chosen). */
function isEdited() {
  if (!selected?.texts) return false;
  const now = [getText(policyEditor), getText(inputEditor), $('now').value];
  return now.some((t, i) => t !== selected.texts[i]) || originals.size > 0 || $('trust-root').value !== '';
}

/** Undoes every evidence edit (the page's files as loaded or dropped). */
function revertAllEdits() {
  for (const [p, bytes] of originals) decoded.set(p, bytes);
  originals.clear();
}

function select(example, item) {
  // An example is its own files with its own trusted root: edits and a chosen root are dropped,
  // so the golden comparison means what it says.
  revertAllEdits();
  if ($('trust-root').value) {
    $('trust-root').value = '';
    showTrust();
  }
  const dir = example.dir;
  const spec = example.spec;
  const it = items(dir, spec).find((x) => x.kind === item.kind && x.name === item.name);
  const c = it.spec;
  if (item.kind === 'case') {
    const p = prepare(store, dir, spec, it);
    policyPath = p.sets[0][0].path;
    setText(policyEditor, p.sets[0][0].source);
    setText(inputEditor, p.input);
    $('now').value = spec.now ?? DEFAULT_NOW;
    setMode('input');
  } else {
    const files = c.policies ?? spec.policies;
    policyPath = files.length ? files[0].split('/').pop() : 'Dockerfile.rego';
    setText(policyEditor, files.length ? utf8.decode(store.read(join(dir, files[0]))) : '');
    const request = { source: c.source, platform: c.platform ?? 'linux/amd64' };
    if (c.evidence) request.evidence = join(dir, c.evidence);
    if (c.context) request.context = join(dir, c.context);
    if (c.trusted_root) request.trustedRoot = join(dir, c.trusted_root);
    if (c.default_policy) request.defaultPolicy = true;
    setText(inputEditor, `${JSON.stringify(request, null, 2)}\n`);
    $('now').value = c.now ?? spec.now ?? DEFAULT_NOW;
    setMode('check');
  }
  $('policy-name').textContent = policyPath;
  selected = { example, item, texts: [getText(policyEditor), getText(inputEditor), $('now').value] };
  testFiles = store.list(dir).filter((p) => p.endsWith('_test.rego') && !p.slice(dir.length + 1).includes('/'));
  $('run-tests').disabled = testFiles.length === 0;
  $('run-tests').title = testFiles.length ? `runs ${testFiles.map((p) => p.split('/').pop()).join(', ')}` : 'this example has no *_test.rego';
  for (const b of document.querySelectorAll('#gallery button')) b.setAttribute('aria-current', String(b.dataset.key === `${example.name}/${item.kind}/${item.name}`));
  listEvidenceFiles();
}

function renderGallery() {
  const root = $('gallery');
  root.textContent = '';
  for (const example of gallery.examples) {
    const details = document.createElement('details');
    details.open = true;
    const summary = document.createElement('summary');
    summary.textContent = example.name;
    summary.title = example.description;
    details.append(summary);
    for (const item of example.items) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.key = `${example.name}/${item.kind}/${item.name}`;
      b.textContent = `${item.kind === 'check' ? '⇢ ' : '{} '}${item.name}`;
      b.setAttribute('aria-label', `${example.name}: ${item.kind === 'check' ? 'source check' : 'input'} ${item.name}`);
      b.addEventListener('click', () => {
        select(example, item);
        evaluateNow();
      });
      details.append(b);
    }
    root.append(details);
  }
}

// ---- evaluation -------------------------------------------------------------------------------
function requestFromEditor(text) {
  let r;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new Error(`the request is not valid JSON: ${e.message}`);
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error('the request must be a JSON object');
  const known = new Set(['source', 'platform', 'evidence', 'context', 'trustedRoot', 'defaultPolicy', 'buildArgs', 'labels', 'target']);
  for (const k of Object.keys(r)) if (!known.has(k)) throw new Error(`unknown request field "${k}" (known: ${[...known].join(', ')})`);
  const dirFiles = (dir, what) => {
    const files = filesUnder(store, dir.replace(/\/+$/, ''));
    if (files.size === 0) throw new Error(`${what} "${dir}": no such directory among the page's files`);
    return files;
  };
  const request = {
    source: r.source,
    platform: r.platform,
    env: { filename: 'Dockerfile', args: r.buildArgs, labels: r.labels, target: r.target },
    evidence: r.evidence ? listing(dirFiles(r.evidence, 'evidence')) : [],
    files: [],
  };
  const engineOptions = { defaultPolicy: Boolean(r.defaultPolicy) };
  if (r.context) dirFiles(r.context, 'context');
  const chosen = r.trustedRoot ?? ($('trust-root').value || undefined);
  let trust = describeTrust(undefined, 'embedded Sigstore public-good root');
  let trustedRoot;
  if (chosen) {
    trustedRoot = store.read(chosen);
    if (!trustedRoot) throw new Error(`trustedRoot "${chosen}": no such file among the page's files`);
    trust = describeTrust(trustedRoot, `${chosen}${r.trustedRoot ? ' (named by the request)' : ' (chosen above)'}`);
  }
  return { request, engineOptions, trustedRoot, context: r.context ? r.context.replace(/\/+$/, '') : undefined, trust };
}

/** The page evaluates on its own thread, and a browser has no fuel: a policy that runs away
 * stops at this many evaluation steps (about 1.5 s) with a `resource-exhausted` verdict, the
 * same one `verdict eval --max-steps 10000000` gives, instead of freezing the page. */
const MAX_STEPS = 10_000_000;

function evaluateNow() {
  const started = performance.now();
  let result;
  try {
    const nowNs = rfc3339ToNs($('now').value);
    const source = getText(policyEditor);
    const mode = $('mode').value;
    const sets = source.trim() || mode === 'input' ? [[{ path: policyPath, source }]] : [];
    if (mode === 'input') {
      const text = getText(inputEditor);
      result = { verdict: evaluateOnce(api, sets, {}, { nowNs, coverage: true, limits: { maxSteps: MAX_STEPS } }, text) };
    } else {
      const { request, engineOptions, trustedRoot, context, trust } = requestFromEditor(getText(inputEditor));
      result = { ...checkWithContext(api, store, sets, engineOptions, { nowNs, coverage: true, limits: { maxSteps: MAX_STEPS } }, request, trustedRoot, context), trust };
    }
  } catch (e) {
    result = { failure: e.message ?? String(e) };
  }
  render(result, performance.now() - started);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

// The verified signer facts the policy saw: `signatures[]` of input.image (docs/buildx-policy-model.md §4.4), which
// verdict fills only from bundles it verified itself.
/**
 * The signatures the verdict verified itself (`verdict.signers`: a check's, never an input
 * document's, whose signatures are the user's word), with their times from the input evaluated.
 */
function verifiedSignatures(signers, input) {
  return (signers ?? []).map((s) => {
    const m = /^(image\.)?signatures\[(\d+)\]$/.exec(s.path);
    const list = m ? (m[1] ? input?.image?.signatures : input?.signatures) : undefined;
    const shown = Array.isArray(list) ? list[Number(m[2])] : undefined;
    return { kind: s.kind ?? shown?.kind, signer: s.fields, timestamps: shown?.timestamps ?? [] };
  });
}
const SIGNER_FIELDS = [
  ['sourceRepositoryURI', 'repository'],
  ['sourceRepositoryRef', 'ref'],
  ['sourceRepositoryDigest', 'commit'],
  ['buildSignerURI', 'signing workflow'],
  ['issuer', 'OIDC issuer'],
  ['runnerEnvironment', 'runner'],
  ['subjectAlternativeName', 'certificate SAN'],
];
function signerTable(sigs) {
  const box = el('div', { id: 'signers' });
  sigs.forEach((sig, i) => {
    const dl = el('dl', { class: 'signer', 'data-kind': sig.kind ?? '' });
    const add = (k, v) => v !== undefined && v !== null && v !== '' && dl.append(el('dt', {}, k), el('dd', {}, el('code', {}, String(v))));
    add('kind', sig.kind);
    for (const [field, label] of SIGNER_FIELDS) add(label, sig.signer?.[field]);
    for (const t of sig.timestamps ?? []) add(`time (${t.type})`, `${t.timestamp}${t.uri ? ` — ${t.uri}` : ''}`);
    box.append(el('p', { class: 'meta' }, `signature ${i + 1} of ${sigs.length}, verified in this page`), dl);
  });
  return box;
}

// The policy's rule outline, parsed once per file and text (not once per evaluation).
let lastExplained = { key: null, reasons: null };
/** Where each `allow` body of the policy shown stopped (crates/web's `explain`, the CLI's
 * `--explain fails`), cached per policy text and coverage. */
function failingRules(source, covered) {
  const key = `${policyPath}\0${source}\0${covered.join(',')}`;
  if (lastExplained.key !== key) {
    const got = api.explain({ path: policyPath, source }, covered, 'allow');
    lastExplained = { key, reasons: got.ok ? got.reasons : [] };
  }
  return lastExplained.reasons;
}

function render(result, ms) {
  const panel = $('verdict');
  panel.textContent = '';
  if (result.failure) {
    policyEditor.dispatch({ effects: setCoverage.of({ covered: [], notCovered: [] }) });
    panel.append(el('p', { class: 'decision error', 'data-decision': 'failure' }, 'not evaluated'), el('p', { role: 'alert' }, result.failure));
    return;
  }
  const v = result.verdict;
  // What this evaluation reached in the policy shown (green) and what it never did (red).
  const cov = (v.coverage ?? []).find((c) => c.path === policyPath);
  policyEditor.dispatch({ effects: setCoverage.of(cov ? { ...cov, by: 'this evaluation' } : { covered: [], notCovered: [] }) });
  const dl = el('dl');
  const row = (k, ...v) => dl.append(el('dt', {}, k), el('dd', {}, ...v));
  panel.append(el('p', {}, el('span', { class: `decision ${v.decision}`, 'data-decision': v.decision }, v.decision)));
  if (v.messages.length) row('Deny messages', el('ul', {}, ...v.messages.map((m) => el('li', {}, m))));
  if (v.error) row('Error', el('code', {}, v.error.code), ' ', v.error.message);
  // A policy that does not parse or compile: its line marked in the editor.
  const bad = ['malformed-policy', 'forbidden-builtin'].includes(v.error?.code) ? errorLine(v.error.message, policyPath) : null;
  policyEditor.dispatch({ effects: setErrorLine.of(bad ? { line: bad, message: v.error.message } : null) });
  if (bad) row('Error line', el('span', { id: 'error-line' }, `line ${bad} of ${policyPath} (marked in the editor)`));
  // Counted from 1, as the CLI counts sets ("denied by policy set 1").
  if (v.decidedBy !== null && v.decidedBy !== undefined) row('Decided by', `policy set ${v.decidedBy + 1}`);
  // A deny: where each `allow` body of the policy shown stopped (coverage + the rule outline).
  if (v.decision === 'deny' && cov) {
    const reasons = failingRules(getText(policyEditor), cov.covered ?? []);
    if (reasons.length) {
      row('Failing rule', el('ul', { id: 'failing-rules' }, ...reasons.map((r) => el('li', { 'data-kind': r.kind, 'data-line': String(r.line) }, r.sentence))));
    }
  }
  if (v.pin) row('Pinned to', el('code', {}, v.pin));
  if (v.missingFiles.length) row('Missing files', v.missingFiles.join(', '));
  if (v.missingEvidence?.length) {
    row('Missing evidence', v.missingEvidence.map((w) => `${w.path} over ${w.subject}`).join(', '));
  }
  if (v.prints.length) row('print()', el('pre', {}, v.prints.join('\n')));
  let record = null;
  try {
    record = v.canonicalJson ? JSON.parse(v.canonicalJson) : null;
  } catch {
    record = null;
  }
  if (v.facts?.length) {
    row('Facts', el('ul', { class: 'facts' }, ...v.facts.map((f) => el('li', {}, el('strong', { class: `fact-${f.status}` }, f.status), ' ', el('code', {}, f.field), ': ', f.how))));
  }
  const signers = verifiedSignatures(v.signers, result.input);
  if (result.trust) row('Trust root', el('span', { id: 'trust-used' }, result.trust));
  row('Verdict hash', el('code', { class: 'hash', id: 'verdict-hash', 'data-hash': v.hash ?? '' }, v.hash ?? '(none: the request could not be read)'));
  if (selected) {
    const want = selected.item.expectedHash;
    const same = want === v.hash;
    // After an edit a different hash is expected: said quietly. Unedited, a different hash is a
    // real disagreement with the tests' goldens, and says so.
    const edited = isEdited();
    const [cls, text] = same
      ? ['match', `✓ same as examples/${selected.example.name}/expected (native and component)`]
      : edited
        ? ['edited', 'edited — the golden is the example as shipped']
        : ['mismatch', `differs from the golden ${want}`];
    row('Golden', el('span', { class: cls, id: 'golden-match', 'data-match': String(same), 'data-edited': String(edited) }, text));
  }
  if (cov) row('Coverage', el('span', { id: 'coverage-summary' }, `${cov.covered.length} of ${cov.covered.length + cov.notCovered.length} policy lines reached (marked green; red: never reached)`));
  row('Time', `${ms.toFixed(1)} ms${result.rounds > 1 ? `, ${result.rounds} rounds (context files read on demand)` : ''}`);
  panel.append(dl);
  if (signers.length) panel.append(el('h3', { class: 'signers-title' }, 'Verified signers'), signerTable(signers));
  if (result.input) panel.append(el('details', {}, el('summary', {}, 'Input document evaluated'), el('pre', {}, JSON.stringify(result.input, null, 2))));
  if (record) panel.append(el('details', {}, el('summary', {}, 'Canonical verdict record'), el('pre', {}, JSON.stringify(record, null, 2))));
  if (!firstShown) {
    firstShown = true;
    document.body.dataset.firstVerdictMs = performance.now().toFixed(1);
  }
  document.body.dataset.verdictCount = String(Number(document.body.dataset.verdictCount ?? 0) + 1);
}

$('evaluate').addEventListener('click', evaluateNow);

// ---- policy tests with coverage (docker buildx policy test) ----------------------------------------
$('run-tests').addEventListener('click', () => {
  const panel = $('verdict');
  panel.textContent = '';
  let r;
  try {
    const tests = testFiles.map((p) => ({ path: p.split('/').pop(), source: utf8.decode(store.read(p)) }));
    r = api.runTests([{ path: policyPath, source: getText(policyEditor) }], tests, { nowNs: rfc3339ToNs($('now').value) });
  } catch (e) {
    r = { ok: false, error: { code: 'page', message: e.message ?? String(e) } };
  }
  if (!r.ok) {
    policyEditor.dispatch({ effects: setCoverage.of({ covered: [], notCovered: [] }) });
    panel.append(el('p', { class: 'decision error', 'data-decision': 'tests-failed' }, 'tests not run'), el('p', { role: 'alert' }, `${r.error.code}: ${r.error.message}`));
    return;
  }
  const failed = r.report.results.filter((t) => !t.passed).length;
  const cov = r.report.coverage.find((c) => c.path === policyPath) ?? { covered: [], notCovered: [] };
  policyEditor.dispatch({ effects: setCoverage.of(cov) });
  panel.append(
    el('p', {}, el('span', { class: `decision ${failed ? 'deny' : 'allow'}`, 'data-decision': failed ? 'tests-failed' : 'tests-passed' }, failed ? `${failed} of ${r.report.results.length} tests failed` : `${r.report.results.length} tests passed`)),
    el('p', { class: 'hint' }, 'Lines the tests evaluated are marked green in the policy, lines none reached red (until the next edit).'),
    el('pre', { id: 'test-report', tabindex: '0', 'aria-label': 'Test report' }, r.report.rendered),
  );
  document.body.dataset.testRuns = String(Number(document.body.dataset.testRuns ?? 0) + 1);
});

// ---- the trust root in use: digest and validity ---------------------------------------------
/** What a trusted root holds: digest, logs, CAs and the CAs' validity (open-ended if one is). */
function trustFacts(t) {
  const cas = t.summary.certificateAuthorities ?? [];
  const starts = cas.map((c) => c.validFor?.start).filter(Boolean).sort();
  const ends = cas.map((c) => c.validFor?.end);
  const until = ends.includes(undefined) || ends.includes(null) ? 'open-ended' : ends.sort().pop();
  return `${t.digest}, ${t.summary.tlogs.length} transparency logs, ${cas.length} certificate authorities, valid ${starts[0] ?? '?'} → ${until ?? '?'}`;
}
function describeTrust(bytes, name) {
  const t = api.trustRootSummary(bytes);
  if (!t.ok) return `${name}: not a usable trusted root (${t.error.code}: ${t.error.message})`;
  return `${name} — ${trustFacts(t)}`;
}
function addTrustChoice(path) {
  const select = $('trust-root');
  if ([...select.options].some((o) => o.value === path)) return;
  select.append(new Option(path, path));
}
function showTrust() {
  const path = $('trust-root').value;
  $('trust').textContent = path ? describeTrust(store.read(path), path) : describeTrust(undefined, 'embedded Sigstore public-good root');
}
$('trust-root').addEventListener('change', () => (showTrust(), evaluateNow()));

// ---- dropped files: kept in this page under dropped/ ------------------------------------------
const MAX_FILE = 64 << 20; // the CLI's limit for one evidence or context file
function describe(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 1 << 20));
  } catch {
    return 'binary';
  }
  if (/^\s*\{/.test(text)) {
    const root = api.trustRootSummary(bytes);
    if (root.ok) return `trusted root ${trustFacts(root)}`;
    if (text.includes('application/vnd.dev.sigstore.bundle')) return 'Sigstore bundle';
    try {
      JSON.parse(text);
      return 'JSON';
    } catch {
      return 'text (not valid JSON)';
    }
  }
  return 'text';
}
async function addFiles(entries) {
  const list = $('dropped');
  for (const { path, file } of entries) {
    const name = `dropped/${path.replace(/^\/+/, '')}`;
    const li = document.createElement('li');
    if (file.size > MAX_FILE) {
      li.textContent = `${name}: ${file.size} bytes, over the ${MAX_FILE >> 20} MiB limit — not added`;
      li.setAttribute('role', 'alert');
    } else {
      const bytes = new Uint8Array(await file.arrayBuffer());
      decoded.set(name, bytes);
      originals.delete(name);
      encoded[name] = encoded[name] ?? '';
      li.innerHTML = '';
      const what = describe(bytes);
      li.append(el('code', {}, name), ` — ${bytes.length} bytes, ${what}`);
      if (what.startsWith('trusted root')) addTrustChoice(name);
    }
    li.dataset.path = name;
    list.append(li);
  }
  if ($('mode').value === 'check') listEvidenceFiles();
}
async function walk(entry, prefix, out) {
  if (entry.isFile) {
    out.push({ path: `${prefix}${entry.name}`, file: await new Promise((res, rej) => entry.file(res, rej)) });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await walk(e, `${prefix}${entry.name}/`, out);
    }
  }
}
const zone = $('drop-zone');
for (const t of ['dragenter', 'dragover']) zone.addEventListener(t, (e) => (e.preventDefault(), zone.classList.add('over')));
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  const out = [];
  for (const item of e.dataTransfer.items) {
    const entry = item.webkitGetAsEntry?.();
    if (entry) await walk(entry, '', out);
    else if (item.kind === 'file') out.push({ path: item.getAsFile().name, file: item.getAsFile() });
  }
  await addFiles(out);
});
for (const id of ['add-files', 'add-folder']) {
  $(id).addEventListener('change', async (e) => {
    await addFiles([...e.target.files].map((f) => ({ path: f.webkitRelativePath || f.name, file: f })));
    e.target.value = '';
  });
}

// ---- share link: the whole state, deflated into the URL fragment (no server) -----------------
const unb64url = (text) => Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));
async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}
async function shareState() {
  const state = { v: 1, mode: $('mode').value, now: $('now').value, policyPath, policy: getText(policyEditor), input: getText(inputEditor), trustRoot: $('trust-root').value };
  // Edited evidence text files travel with the link (dropped files do not: nothing leaves the page).
  const edits = {};
  for (const p of originals.keys()) if (!p.startsWith('dropped/')) edits[p] = utf8.decode(store.read(p));
  if (Object.keys(edits).length) state.edits = edits;
  const packed = await pipe(new TextEncoder().encode(JSON.stringify(state)), new CompressionStream('deflate-raw'));
  let text = '';
  for (let i = 0; i < packed.length; i += 0x8000) text += String.fromCharCode(...packed.subarray(i, i + 0x8000));
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
async function restoreState(fragment) {
  const json = utf8.decode(await pipe(unb64url(fragment), new DecompressionStream('deflate-raw')));
  const state = JSON.parse(json);
  if (state.v !== 1) throw new Error(`share link version ${state.v} is not supported`);
  for (const k of ['mode', 'now', 'policyPath', 'policy', 'input']) if (typeof state[k] !== 'string') throw new Error(`share link: ${k} is missing`);
  policyPath = state.policyPath;
  $('policy-name').textContent = policyPath;
  setText(policyEditor, state.policy);
  setText(inputEditor, state.input);
  $('now').value = state.now;
  setMode(state.mode === 'check' ? 'check' : 'input');
  for (const [p, text] of Object.entries(state.edits ?? {})) {
    if (typeof text !== 'string' || store.read(p) === undefined) continue;
    if (!originals.has(p)) originals.set(p, store.read(p));
    decoded.set(p, new TextEncoder().encode(text));
  }
  listEvidenceFiles();
  // A dropped root is not in the link (nothing leaves the page); an example's root is.
  const wanted = typeof state.trustRoot === 'string' ? state.trustRoot : '';
  if (wanted && store.read(wanted)) addTrustChoice(wanted);
  $('trust-root').value = wanted && store.read(wanted) ? wanted : '';
  showTrust();
  if (wanted && !store.read(wanted)) $('share-status').textContent = `the link chose the trusted root ${wanted}, which is not in this page (drop it, then choose it): using the embedded root`;
  selected = null;
}
$('share').addEventListener('click', async () => {
  const link = `${location.href.split('#')[0]}#s=${await shareState()}`;
  window.history.replaceState(null, '', link);
  $('share-status').textContent = `link in the address bar (${link.length} characters)`;
  const dropped = $('trust-root').value.startsWith('dropped/') || [...originals.keys()].some((p) => p.startsWith('dropped/'));
  if (dropped) $('share-status').textContent += '; dropped files are not in it (nothing leaves this page): whoever opens it must drop them too';
  try {
    await navigator.clipboard.writeText(link);
    $('share-status').textContent += ' and copied';
  } catch {
    // No clipboard permission: the address bar has it.
  }
});

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
    e.preventDefault();
    evaluateNow();
  }
});

// ---- start ---------------------------------------------------------------------------------------
try {
  const [g] = await Promise.all([galleryPromise, enginePromise]);
  gallery = g;
  encoded = g.files;
  $('engine').textContent = `${api.version()} · wasm in this page · ${g.examples.length} examples`;
  showTrust();
  renderGallery();
  if (location.hash.startsWith('#s=')) {
    try {
      await restoreState(location.hash.slice(3));
      evaluateNow();
    } catch (e) {
      render({ failure: `the share link could not be restored: ${e.message ?? e}` }, 0);
    }
    document.body.dataset.ready = 'true';
  }
  const first = document.body.dataset.ready ? null : gallery.examples.find((e) => e.items.some((i) => i.kind === 'case')) ?? gallery.examples[0];
  if (first) {
    select(first, first.items.find((i) => i.kind === 'case') ?? first.items[0]);
    evaluateNow();
  }
  document.body.dataset.ready = 'true';
} catch (e) {
  $('engine').textContent = `failed to start: ${e.message ?? e}`;
  document.body.dataset.ready = 'failed';
}
