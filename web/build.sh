#!/usr/bin/env bash
# Builds crates/web for the browser and the playground bundle:
#   1. wasm-bindgen-cli of exactly the `wasm-bindgen` version in Cargo.lock, installed under
#      $CARGO_TARGET_DIR/tools when missing;
#   2. cargo build -p verdict-web --target wasm32-unknown-unknown --profile component, in the
#      component's own target directory ($CARGO_TARGET_DIR/component-build, where host/build.rs
#      builds the component): the two share their compiled dependencies;
#   3. wasm-bindgen --target web into web/pkg/ (gitignored);
#   4. with --playground (or when web/node_modules exists): npm ci, the examples gallery and the
#      esbuild bundle into web/dist/.
# Prints the .wasm size, raw and gzip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
nice="${VERDICT_NICE:-nice -n 15}"
profile=component
build_dir="$target/component-build"

version="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$root/Cargo.lock")"
[ -n "$version" ] || { echo "build.sh: no wasm-bindgen in Cargo.lock" >&2; exit 2; }
tools="$target/tools"
bindgen="$tools/bin/wasm-bindgen"
if ! [ -x "$bindgen" ] || [ "$("$bindgen" --version | awk '{print $2}')" != "$version" ]; then
  echo "build.sh: installing wasm-bindgen-cli $version into $tools (once, about 2 minutes)" >&2
  # Only the `wasm-bindgen` binary, without the test runner's TLS stack (ureq + rustls + ring),
  # built for speed rather than run time (it runs once per build on one module): ~2 min cold.
  # --locked pins its dependencies; if that lock no longer resolves (it names a crate version the
  # registry has since replaced), fresh ones. cargo's own output (its progress, the
  # future-incompatibility report of the CLI's dependencies, the PATH hint) goes to a log shown
  # only on failure: none of it concerns this build.
  log="$target/tools-install.log"
  install() {
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_INCREMENTAL=false \
      $nice cargo install wasm-bindgen-cli --version "=$version" --no-default-features \
      --bin wasm-bindgen --root "$tools" --target-dir "$target/tools-build" "$@" >>"$log" 2>&1
  }
  mkdir -p "$target"
  : >"$log"
  if ! install --locked; then
    echo "build.sh: wasm-bindgen-cli $version's own lock no longer resolves; installing it with fresh dependencies" >&2
    install || { cat "$log" >&2; exit 1; }
  fi
fi

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

# Reproducible bytes: dependencies' source paths under CARGO_HOME written as /cargo/… — the same
# flags host/build.rs gives the component's build (they share $build_dir), see guest_rustflags.
. "$root/scripts/guest-rustflags.sh"
(cd "$root" && CARGO_TARGET_DIR="$build_dir" CARGO_ENCODED_RUSTFLAGS="$(guest_rustflags)" \
  $nice cargo build --locked -p verdict-web --target wasm32-unknown-unknown --profile "$profile")
wasm="$build_dir/wasm32-unknown-unknown/$profile/verdict_web.wasm"
rm -rf "$here/pkg"
"$bindgen" --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$here/pkg" "$wasm"
out="$here/pkg/verdict_web_bg.wasm"
raw=$(stat -c %s "$out")
gz=$(gzip -9 -c "$out" | wc -c)
echo "build.sh: web/pkg/verdict_web_bg.wasm $raw bytes ($(( raw / 1024 )) KiB), gzip -9 $gz bytes ($(( gz / 1024 )) KiB)"

if [ "${1:-}" = "--playground" ] || [ -d "$here/node_modules" ]; then
  cd "$here"
  # npm's warnings (install scripts it has not been told to allow: esbuild's, which fetches
  # nothing — its binary comes in the locked optional package) are not this build's concern.
  [ -d node_modules ] || $nice npm ci --no-audit --no-fund --loglevel=error
  node scripts/gallery.mjs
  $nice node scripts/bundle.mjs
fi
