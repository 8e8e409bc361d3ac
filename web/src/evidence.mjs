// An evidence directory (docs/evidence.md) as verdict-web's `evidence` object, from a map of
// paths relative to the directory to their bytes. Read as the CLI reads it (host/src/evidence.rs):
// entries sorted by name, text parts trimmed where the CLI trims them, JSONL attestation files
// split into one bundle per non-blank line. Shared by the Node tests and the page (where the map
// comes from the examples gallery or dropped files).

// Text parts must be UTF-8, as the CLI requires: a lenient decoder would let two different files
// say the same thing.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
// Path order as Rust sorts PathBufs: component by component.
const byPath = (a, b) => {
  const x = a.split('/');
  const y = b.split('/');
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const c = byName(x[k], y[k]);
    if (c) return c;
  }
  return x.length - y.length;
};

/** @param {Map<string, Uint8Array>} files */
export function evidenceFromFiles(files) {
  const under = (prefix) =>
    [...files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).sort(byPath);
  const text = (p) => {
    if (!files.has(p)) return undefined;
    try {
      return utf8.decode(files.get(p));
    } catch {
      throw new Error(`evidence file \`${p}\` is not UTF-8`);
    }
  };
  const ev = {};
  if (files.has('oci/index.json')) ev.ociIndex = files.get('oci/index.json');
  // oci/blobs/<alg>/<hex>: one level of algorithm directories, sorted, then their files.
  const blobs = [];
  for (const rest of under('oci/blobs/')) {
    const parts = rest.split('/');
    if (parts.length !== 2) continue;
    blobs.push({ name: `${parts[0]}:${parts[1]}`, content: files.get(`oci/blobs/${rest}`) });
  }
  if (blobs.length) ev.blobs = blobs;
  const objects = under('git/objects/')
    .filter((n) => !n.includes('/'))
    .map((n) => ({ name: n, content: files.get(`git/objects/${n}`) }));
  if (objects.length) ev.gitObjects = objects;
  if (files.has('git/refs')) ev.gitRefs = text('git/refs');
  if (files.has('http/content')) ev.httpContent = files.get('http/content');
  if (files.has('http/checksum')) ev.httpChecksum = text('http/checksum').trim();
  const attestations = [];
  for (const rest of under('attestations/')) {
    const parts = rest.split('/');
    if (parts.length !== 3) continue;
    const repo = `${parts[0]}/${parts[1]}`;
    const bytes = files.get(`attestations/${rest}`);
    if (parts[2].endsWith('.jsonl')) {
      let start = 0;
      for (let k = 0; k <= bytes.length; k++) {
        if (k === bytes.length || bytes[k] === 0x0a) {
          const line = bytes.subarray(start, k);
          if (line.some((b) => !(b === 0x20 || (b >= 0x09 && b <= 0x0d)))) attestations.push({ repo, bundle: line });
          start = k + 1;
        }
      }
    } else {
      attestations.push({ repo, bundle: bytes });
    }
  }
  // The CLI walks owners, then repos, then files, each sorted: the path order.
  if (attestations.length) ev.attestations = attestations;
  if (files.has('image/attestation-manifest')) ev.attestationManifest = text('image/attestation-manifest').trim();
  const bundles = under('image/bundles/')
    .filter((n) => !n.includes('/'))
    .map((n) => files.get(`image/bundles/${n}`));
  if (bundles.length) ev.signatureBundles = bundles;
  return ev;
}

/** RFC 3339 (whole seconds or with a fraction) to nanoseconds since the epoch, as a decimal string. */
export function rfc3339ToNs(text) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text.trim());
  if (!m) throw new Error(`not an RFC 3339 time: ${text}`);
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) throw new Error(`not a valid time: ${text}`);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1000000n + frac).toString();
}

/** The default evaluation time of the examples (tests/src/lib.rs DEFAULT_NOW). */
export const DEFAULT_NOW = '2026-01-01T00:00:00Z';
