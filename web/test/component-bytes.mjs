// The verdict component's bytes: $VERDICT_COMPONENT_WASM when set, else what the runner at
// $CARGO_TARGET_DIR/debug/verdict (default ../target, built by `cargo test`) embeds, written
// with `verdict component --out` to target/jco/verdict.component.wasm.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { root } from './fs-store.mjs';

export const target = path.resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');

export function componentBytes() {
  if (process.env.VERDICT_COMPONENT_WASM) return readFileSync(process.env.VERDICT_COMPONENT_WASM);
  const runner = path.join(target, 'debug', 'verdict');
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run cargo build -p verdict-host first`);
  const out = path.join(target, 'jco');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, 'verdict.component.wasm');
  execFileSync(runner, ['component', '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return readFileSync(file);
}
