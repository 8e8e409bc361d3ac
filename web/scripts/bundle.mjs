// Bundles the playground into web/dist/: app.js (esbuild: CodeMirror, the runner, the
// wasm-bindgen glue), index.html, the wasm. web/dist/ is the whole site: fully offline once loaded.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(web, 'dist');
mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: [path.join(web, 'src', 'app.mjs')],
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['es2022'],
  outfile: path.join(dist, 'app.js'),
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(path.join(web, 'src', 'index.html'), path.join(dist, 'index.html'));
copyFileSync(path.join(web, 'src', 'style.css'), path.join(dist, 'style.css'));
copyFileSync(path.join(web, 'pkg', 'verdict_web_bg.wasm'), path.join(dist, 'verdict_web_bg.wasm'));
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(`bundle: web/dist/app.js ${(bytes / 1024).toFixed(0)} KiB`);
