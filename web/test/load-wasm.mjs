// Loads web/pkg (wasm-bindgen --target web) synchronously in Node.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../pkg');
const api = await import(path.join(pkg, 'verdict_web.js'));
api.initSync({ module: readFileSync(path.join(pkg, 'verdict_web_bg.wasm')) });
export default api;
