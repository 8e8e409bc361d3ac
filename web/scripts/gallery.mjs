// Generates web/dist/examples.json from examples/: every example's cases.toml (parsed), its
// files, the files its checks reach outside it (minted evidence, trusted roots) and each item's
// golden verdict hash. The page runs exactly these files through web/src/runner.mjs.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { store, exampleDirs, root } from '../test/fs-store.mjs';
import { parseToml } from '../src/toml.mjs';
import { items, join, goldenHash } from '../src/runner.mjs';

const utf8 = new TextDecoder();
const files = {};
const add = (p) => {
  const b = store.read(p);
  if (b !== undefined) files[p] = Buffer.from(b).toString('base64');
};
const examples = [];
for (const { dir, name } of exampleDirs()) {
  const text = utf8.decode(store.read(`${dir}/cases.toml`));
  const spec = parseToml(text);
  // The leading comment block describes the example.
  const description = text
    .split('\n')
    .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('#')))
    .map((l) => l.replace(/^#\s?/, ''))
    .join(' ');
  for (const p of store.list(dir)) if (!p.includes('/expected/') && !p.endsWith('/make.sh')) add(p);
  const list = [];
  for (const item of items(dir, spec)) {
    const c = item.spec;
    for (const rel of [c.evidence, c.context].filter(Boolean)) for (const p of store.list(join(dir, rel))) add(p);
    if (c.trusted_root) add(join(dir, c.trusted_root));
    const golden = store.read(item.golden);
    list.push({ kind: item.kind, name: item.name, expectedHash: golden ? await goldenHash(golden) : null });
  }
  examples.push({ name, dir, description, spec, items: list });
}
const out = path.join(root, 'web', 'dist');
mkdirSync(out, { recursive: true });
const json = JSON.stringify({ examples, files });
writeFileSync(path.join(out, 'examples.json'), json);
console.log(`gallery: ${examples.length} examples, ${examples.reduce((n, e) => n + e.items.length, 0)} items, ${Object.keys(files).length} files, ${(json.length / 1024).toFixed(0)} KiB`);
