// The repository's files as a runner store (web/src/runner.mjs): repository-relative paths.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const store = {
  read(p) {
    const full = path.join(root, p);
    try {
      return statSync(full).isFile() ? new Uint8Array(readFileSync(full)) : undefined;
    } catch {
      return undefined;
    }
  },
  list(dir) {
    const out = [];
    const walk = (d) => {
      let entries;
      try {
        entries = readdirSync(path.join(root, d), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.push(p);
      }
    };
    walk(dir);
    return out.sort();
  },
};

/** The examples with a cases.toml, sorted: [{dir, name}]. */
export function exampleDirs() {
  return readdirSync(path.join(root, 'examples'))
    .sort()
    .filter((n) => store.read(`examples/${n}/cases.toml`) !== undefined)
    .map((n) => ({ dir: `examples/${n}`, name: n }));
}
