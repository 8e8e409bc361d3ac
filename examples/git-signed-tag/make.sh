#!/usr/bin/env bash
# Regenerates this example's evidence and keys with real gpg, ssh-keygen and git (throwaway keys
# in a scratch GNUPGHOME under /tmp; private halves are deleted). Output differs between runs
# (fresh keys and signatures): re-bless the goldens afterwards
# (BLESS=1 cargo test -p verdict-tests --test examples).
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
rm -rf "$out/context" "$out/evidence"
mkdir -p "$out/context/keys" "$out/evidence"

key() { # name email → armored public key in context/keys/<name>.asc, prints the fingerprint
	gpg --batch --quiet --faked-system-time 20261001T000000! --passphrase '' --quick-gen-key "$1 <$2>" ed25519 sign never 2>/dev/null
	gpg --armor --export "$2" >"$out/context/keys/$1.asc"
	gpg --with-colons --list-keys "$2" | awk -F: '/^fpr/ {print $10; exit}'
}
release=$(key release release@acme.example)
other=$(key other other@acme.example)
ssh-keygen -q -t ed25519 -N '' -C release@acme.example -f "$tmp/release-ssh"
cp "$tmp/release-ssh.pub" "$out/context/keys/release-ssh.pub"

# gpg signs at a fixed time (the tagger date), so the example does not depend on when it was made.
printf '#!/bin/sh\nexec gpg --faked-system-time 20261101T120000! "$@"\n' >"$tmp/gpg-at"
chmod +x "$tmp/gpg-at"
git init -q "$tmp/repo"
cd "$tmp/repo"
git config user.name 'Acme Release'
git config user.email release@acme.example
git config gpg.program "$tmp/gpg-at"
export GIT_AUTHOR_DATE='2026-11-01T12:00:00Z' GIT_COMMITTER_DATE='2026-11-01T12:00:00Z'
echo 'acme app' >README
git add README
git commit -q -m 'Release 1.0.0'
git -c user.signingkey="$release" tag -s v1.0.0 -m 'Release v1.0.0'
git -c gpg.format=ssh -c user.signingkey="$tmp/release-ssh" tag -s v1.0.0-ssh -m 'Release v1.0.0 (SSH-signed)'
git -c user.signingkey="$other" tag -s v1.0.0-other-key -m 'Release v1.0.0 (signed by another key)'
git tag -a v1.0.0-unsigned -m 'Release v1.0.0 (unsigned)'

commit=$(git rev-parse HEAD)
for tag in v1.0.0 v1.0.0-ssh v1.0.0-other-key v1.0.0-unsigned; do
	dir="$out/evidence/$tag/git"
	mkdir -p "$dir/objects"
	oid=$(git rev-parse "refs/tags/$tag")
	printf '%s\trefs/tags/%s\n%s\trefs/tags/%s^{}\n' "$oid" "$tag" "$commit" "$tag" >"$dir/refs"
	git cat-file tag "$oid" >"$dir/objects/$oid"
	git cat-file commit "$commit" >"$dir/objects/$commit"
done
echo "wrote $out/context and $out/evidence"
