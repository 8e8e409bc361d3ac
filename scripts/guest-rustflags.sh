# shellcheck shell=bash
# The rustflags of the guest builds (the component, the service component, crates/web for the
# browser): dependencies' source paths under CARGO_HOME written as /cargo/…, so the bytes do not
# depend on where they were built. The same string as host/build.rs's `guest_rustflags` (the
# builds share target/component-build: other flags would rebuild everything). Sourced by ./x and
# web/build.sh.
guest_rustflags() {
	local home="${CARGO_HOME:-$HOME/.cargo}" canonical flags
	flags="--remap-path-prefix=$home=/cargo"
	canonical="$(readlink -f "$home" 2>/dev/null || true)"
	if [ -n "$canonical" ] && [ "$canonical" != "$home" ]; then
		flags="$flags"$'\x1f'"--remap-path-prefix=$canonical=/cargo"
	fi
	printf '%s' "$flags"
}
