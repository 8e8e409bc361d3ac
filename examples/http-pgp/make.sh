#!/usr/bin/env bash
# Regenerates this example's download, detached signatures and keys with real gpg (throwaway keys
# in a scratch GNUPGHOME under /tmp, signing at a fixed time). Signatures differ between runs:
# re-bless the goldens afterwards (BLESS=1 cargo test -p verdict-tests --test examples) and
# update the pinned checksum in Dockerfile.rego if the content changes.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
rm -rf "$out/context" "$out/evidence"
mkdir -p "$out/context/keys" "$out/context/sigs" "$out/evidence/release/http" "$out/evidence/tampered/http"
at=(--faked-system-time 20261101T120000!)
for who in release other; do
	gpg --batch --quiet "${at[@]}" --passphrase '' --quick-gen-key "Acme $who <$who@acme.example>" rsa3072 sign never 2>/dev/null
	gpg --armor --export "$who@acme.example" >"$out/context/keys/$who.asc"
done
printf 'acme tool 1.2.3\n(release tarball stand-in)\n' >"$out/evidence/release/http/content"
printf 'acme tool 1.2.3\n(release tarball stand-in, modified)\n' >"$out/evidence/tampered/http/content"
content=$out/evidence/release/http/content
gpg --batch --quiet "${at[@]}" --local-user release@acme.example --digest-algo SHA256 --armor --detach-sign -o "$out/context/sigs/tool-1.2.3.tar.gz.asc" "$content" 2>/dev/null
gpg --batch --quiet "${at[@]}" --local-user other@acme.example --digest-algo SHA512 --armor --detach-sign -o "$out/context/sigs/tool-1.2.3.tar.gz.other.asc" "$content" 2>/dev/null
echo "content sha256:$(sha256sum "$content" | cut -d' ' -f1)"
