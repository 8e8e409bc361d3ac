#!/bin/sh
# Regenerates the test vectors of verdict-git (this directory) and verdict-openpgp
# (../../openpgp/testdata) with real gpg, ssh-keygen and git. Every key made here is a
# throwaway test key, generated without a passphrase; its private half is discarded.
#
# Output is not byte-identical between runs (ECDSA/EdDSA nonces, key material), so regenerate
# the goldens afterwards: BLESS=1 cargo test -p verdict-git -p verdict-openpgp.
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)
PGP=$(cd "$OUT/../../openpgp/testdata" 2>/dev/null && pwd || (mkdir -p "$OUT/../../openpgp/testdata" && cd "$OUT/../../openpgp/testdata" && pwd))
W=$(mktemp -d /tmp/verdict-gitsig.XXXXXX)
trap 'rm -rf "$W"' EXIT

export GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
NOW=20261125T120000
cat >"$W/gpgw" <<EOF
#!/bin/sh
exec gpg --faked-system-time '$NOW!' "\$@"
EOF
cat >"$W/gpgw-late" <<EOF
#!/bin/sh
exec gpg --faked-system-time '20261125T140000!' "\$@"
EOF
cat >"$W/gpgw-sha1" <<EOF
#!/bin/sh
exec gpg --faked-system-time '$NOW!' --digest-algo SHA1 "\$@"
EOF
chmod +x "$W/gpgw" "$W/gpgw-sha1" "$W/gpgw-late"
g() { gpg --batch --quiet --faked-system-time "$NOW!" --pinentry-mode loopback --passphrase '' "$@"; }

# ---- OpenPGP keys -------------------------------------------------------------------------
g --quick-gen-key 'Test RSA <rsa@example.com>' rsa3072 sign never
g --quick-gen-key 'Test Ed25519 <ed25519@example.com>' ed25519 sign never
g --quick-gen-key 'Test P256 <p256@example.com>' nistp256 sign never
g --quick-gen-key 'Test P384 <p384@example.com>' nistp384 sign never
g --quick-gen-key 'Test P521 <p521@example.com>' nistp521 sign never
# A certify-only primary with a signing subkey (and an encryption subkey, cv25519).
g --quick-gen-key 'Test Subkey <subkey@example.com>' ed25519 cert never
SUBFPR=$(gpg --with-colons --list-keys subkey@example.com | awk -F: '/^fpr/ {print $10; exit}')
g --quick-add-key "$SUBFPR" ed25519 sign never
g --quick-add-key "$SUBFPR" cv25519 encr never
# A key that gets revoked after signing (below), and a 1024-bit RSA key Buildx refuses.
g --quick-gen-key 'Test Revoked <revoked@example.com>' ed25519 sign never
g --quick-gen-key 'Test Weak <weak@example.com>' rsa1024 sign never
# A key that signs, then has its usage changed to certify-only (Buildx then refuses it).
g --quick-gen-key 'Test Cert-only <certonly@example.com>' ed25519 sign never
# A key that signs at 14:00 and is then given a lifetime of 30 minutes (so it had expired).
g --quick-gen-key 'Test Expired <expired@example.com>' ed25519 sign never

rm -f "$PGP"/*.asc "$PGP"/*.sig "$PGP"/*.txt "$PGP"/*.gpg
for k in rsa ed25519 p256 p384 p521 subkey; do
    g --armor --export "$k@example.com" >"$PGP/key-$k.asc"
done
g --export rsa@example.com >"$PGP/key-rsa.gpg"
g --armor --export rsa@example.com ed25519@example.com p256@example.com p384@example.com \
    p521@example.com subkey@example.com >"$PGP/keyring-all.asc"
cat "$PGP/key-p256.asc" "$PGP/key-ed25519.asc" >"$PGP/keyring-two-blocks.asc"
# gpg's own fingerprints (primary keys and subkeys) of keyring-all.asc, in order.
gpg --with-colons --fingerprint --with-subkey-fingerprints rsa@example.com ed25519@example.com \
    p256@example.com p384@example.com p521@example.com subkey@example.com |
    awk -F: '/^fpr/ {print tolower($10)}' >"$PGP/fingerprints.txt"

# ---- Detached signatures over a file --------------------------------------------------------
printf 'hello, verdict\nsecond line\n' >"$PGP/content.txt"
printf 'hello, verdict\nsecond line!\n' >"$PGP/content-tampered.txt"
printf 'hello, verdict\r\nsecond line\r\n' >"$PGP/content-crlf.txt"
ds() { # key digest out [extra gpg args]
    k=$1 d=$2 o=$3; shift 3
    g -u "$k@example.com" --digest-algo "$d" "$@" --armor --detach-sign -o "$PGP/$o" "$PGP/content.txt"
}
ds rsa SHA256 sig-rsa-sha256.asc
ds rsa SHA512 sig-rsa-sha512.asc
ds rsa SHA1 sig-rsa-sha1.asc
ds ed25519 SHA256 sig-ed25519-sha256.asc
ds ed25519 SHA512 sig-ed25519-sha512.asc
ds p256 SHA256 sig-p256-sha256.asc
ds p384 SHA384 sig-p384-sha384.asc
ds p521 SHA512 sig-p521-sha512.asc
ds subkey SHA256 sig-subkey-sha256.asc
ds rsa SHA256 sig-rsa-text.asc --textmode
ds certonly SHA256 sig-certonly-sha256.asc
"$W/gpgw-late" --batch --quiet --pinentry-mode loopback --passphrase '' -u expired@example.com \
    --armor --detach-sign -o "$PGP/sig-expired-sha256.asc" "$PGP/content.txt"
g -u rsa@example.com --digest-algo SHA256 --detach-sign -o "$PGP/sig-rsa-sha256.sig" "$PGP/content.txt"
# One signature with its last base64 body character changed (the CRC is then wrong too, so the
# second variant also fixes up nothing: it drops the CRC line, which RFC 9580 makes optional).
python3 - "$PGP" <<'EOF'
import sys, base64
d = sys.argv[1]
lines = open(f"{d}/sig-ed25519-sha256.asc").read().split("\n")
body_end = next(i for i, l in enumerate(lines) if l.startswith("="))
raw = bytearray(base64.b64decode("".join(lines[2:body_end])))
raw[-5] ^= 0x01  # inside the signature's s value
b = base64.b64encode(bytes(raw)).decode()
out = lines[:2] + [b[i:i + 64] for i in range(0, len(b), 64)] + lines[body_end + 1:]
open(f"{d}/sig-ed25519-tampered.asc", "w").write("\n".join(out))
EOF

# ---- SSH keys -------------------------------------------------------------------------------
mkdir -p "$W/ssh"
ssh-keygen -q -t ed25519 -N '' -C 'ed25519@example.com' -f "$W/ssh/ed25519"
ssh-keygen -q -t ecdsa -b 256 -N '' -C 'ecdsa@example.com' -f "$W/ssh/ecdsa"
ssh-keygen -q -t rsa -b 3072 -N '' -C 'rsa@example.com' -f "$W/ssh/rsa"
rm -f "$OUT"/keys/* "$OUT"/objects/*
mkdir -p "$OUT/keys" "$OUT/objects"
for k in ed25519 ecdsa rsa; do cp "$W/ssh/$k.pub" "$OUT/keys/ssh-$k.pub"; done
printf 'git@example.com %s\n' "$(cat "$W/ssh/ed25519.pub")" >"$OUT/keys/ssh-allowed-signers"
{ echo '# the first key is the one Buildx uses'; cat "$W/ssh/ecdsa.pub" "$W/ssh/ed25519.pub"; } >"$OUT/keys/ssh-ecdsa-then-ed25519.pub"
for k in rsa ed25519 p256 subkey; do cp "$PGP/key-$k.asc" "$OUT/keys/pgp-$k.asc"; done
cp "$PGP/keyring-all.asc" "$OUT/keys/pgp-keyring-all.asc"
cp "$PGP/key-rsa.gpg" "$OUT/keys/pgp-rsa.gpg"

# ---- Git objects ----------------------------------------------------------------------------
R="$W/repo"
git init -q -b main "$R"
cd "$R"
git config user.name 'Test Committer'
git config user.email 'committer@example.com'
git config gpg.program "$W/gpgw"
git config commit.gpgsign false
git config tag.gpgsign false
export GIT_AUTHOR_DATE="1764070000 +0200" GIT_COMMITTER_DATE="1764070000 +0200"
n=0
commit() { # name [git commit args]
    name=$1; shift
    n=$((n + 1))
    echo "$name" >>file.txt
    git add file.txt
    GIT_AUTHOR_DATE="1764072000 +0530" GIT_COMMITTER_DATE="176407$((2000 + n)) -0700" \
        GIT_AUTHOR_NAME='Test Author' GIT_AUTHOR_EMAIL='author@example.com' \
        git commit -q "$@" -m "$name" -m "Body line of $name."
    git cat-file commit HEAD >"$OUT/objects/$name.commit"
    git rev-parse HEAD >"$OUT/objects/$name.commit.oid"
}
tag() { # name [git tag args]
    name=$1; shift
    GIT_COMMITTER_DATE="1764080000 +0000" git tag "$@" -m "Tag $name" "$name"
    git cat-file tag "$name" >"$OUT/objects/$name.tag"
    git rev-parse "$name" >"$OUT/objects/$name.tag.oid"
}
commit commit-unsigned
commit commit-pgp-rsa -S'rsa@example.com'
commit commit-pgp-ed25519 -S'ed25519@example.com'
commit commit-pgp-p256 -S'p256@example.com'
commit commit-pgp-subkey -S'subkey@example.com'
commit commit-pgp-revoked -S'revoked@example.com'
commit commit-pgp-weak-rsa -S'weak@example.com'
commit commit-pgp-certonly -S'certonly@example.com'
git config gpg.program "$W/gpgw-late"
commit commit-pgp-expired -S'expired@example.com'
git config gpg.program "$W/gpgw"
git -c gpg.program="$W/gpgw-sha1" commit -q --allow-empty -S'rsa@example.com' -m 'commit-pgp-rsa-sha1'
git cat-file commit HEAD >"$OUT/objects/commit-pgp-rsa-sha1.commit"
git rev-parse HEAD >"$OUT/objects/commit-pgp-rsa-sha1.commit.oid"
git config gpg.format ssh
commit commit-ssh-ed25519 -S"$W/ssh/ed25519"
commit commit-ssh-ecdsa -S"$W/ssh/ecdsa"
commit commit-ssh-rsa -S"$W/ssh/rsa"
# A merge commit (two parents), SSH-signed.
git checkout -q -b side HEAD~1
echo side >side.txt && git add side.txt
GIT_COMMITTER_DATE="1764079000 +0100" git commit -q -m side
git checkout -q main
GIT_COMMITTER_DATE="1764079500 +0100" git merge -q --no-ff -S"$W/ssh/ed25519" -m 'commit-merge-ssh' side
git cat-file commit HEAD >"$OUT/objects/commit-merge-ssh.commit"
git rev-parse HEAD >"$OUT/objects/commit-merge-ssh.commit.oid"

git config gpg.format openpgp
tag tag-unsigned -a
tag tag-pgp-rsa -u rsa@example.com
tag tag-pgp-ed25519 -u ed25519@example.com
git config gpg.format ssh
tag tag-ssh-ed25519 -s -u "$W/ssh/ed25519"
tag tag-ssh-rsa -s -u "$W/ssh/rsa"

# sshsig blocks made by hand over a tag payload: wrong namespace, and sha256 instead of sha512.
git cat-file tag tag-unsigned >"$W/payload"
ssh-keygen -q -Y sign -f "$W/ssh/ed25519" -n file "$W/payload"
cat "$W/payload" "$W/payload.sig" >"$OUT/objects/tag-ssh-wrong-namespace.tag"
rm "$W/payload.sig"
ssh-keygen -q -Y sign -f "$W/ssh/ed25519" -n git -O hashalg=sha256 "$W/payload"
cat "$W/payload" "$W/payload.sig" >"$OUT/objects/tag-ssh-sha256.tag"

# Revoke the revoked key with the revocation certificate gpg made at generation time.
REVFPR=$(gpg --with-colons --list-keys revoked@example.com | awk -F: '/^fpr/ {print $10; exit}')
sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$REVFPR.rev" | g --import
g --armor --export revoked@example.com >"$OUT/keys/pgp-revoked.asc"
g --armor --export weak@example.com >"$OUT/keys/pgp-weak-rsa.asc"
COFPR=$(gpg --with-colons --list-keys certonly@example.com | awk -F: '/^fpr/ {print $10; exit}')
printf 'change-usage\nS\nQ\nsave\n' |
    gpg --batch --quiet --faked-system-time "20261125T120100!" --pinentry-mode loopback --passphrase '' \
        --command-fd 0 --expert --edit-key "$COFPR" >/dev/null
g --armor --export certonly@example.com >"$OUT/keys/pgp-certonly.asc"
cp "$OUT/keys/pgp-certonly.asc" "$PGP/key-certonly.asc"
EXPFPR=$(gpg --with-colons --list-keys expired@example.com | awk -F: '/^fpr/ {print $10; exit}')
gpg --batch --quiet --faked-system-time "20261125T121000!" --pinentry-mode loopback --passphrase '' \
    --quick-set-expire "$EXPFPR" seconds=1200
g --armor --export expired@example.com >"$OUT/keys/pgp-expired.asc"
cp "$OUT/keys/pgp-expired.asc" "$PGP/key-expired.asc"

# A SHA-256 repository: the commit signature header is gpgsig-sha256.
R2="$W/repo256"
git init -q -b main --object-format=sha256 "$R2"
cd "$R2"
git config user.name 'Test Committer'
git config user.email 'committer@example.com'
git config gpg.program "$W/gpgw"
echo x >x && git add x
GIT_COMMITTER_DATE="1764072000 +0000" GIT_AUTHOR_DATE="1764072000 +0000" \
    git commit -q -S'ed25519@example.com' -m 'commit-sha256-pgp-ed25519'
git cat-file commit HEAD >"$OUT/objects/commit-sha256-pgp-ed25519.commit"
git rev-parse HEAD >"$OUT/objects/commit-sha256-pgp-ed25519.commit.oid"

# Hand-made objects for the Buildx mapping's edge cases (never verified): an identity that is
# all brackets (a zero Go Actor, so `author` is absent), a name containing '<', a '-0000' zone,
# an unparsable time, an empty message, a continuation header, invalid UTF-8.
cd "$OUT/objects"
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor <> \ncommitter Odd <b> Name <odd@example.com> 1764072000 -0000\nmergetag object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n type commit\n\n\n' >commit-odd-actors.commit
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor No Email 1764072000 +0000\ncommitter C <c@example.com> soon +0000\n\ncaf\351 \342\202\n\nend\n\n' >commit-odd-text.commit
printf 'object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype tree\ntag t\ntagger T <t@example.com> 1764072000 +2359\n\n' >tag-odd.tag

# Tampered copies: one byte of the message, one character of the signature.
sed 's/^Body line of commit-pgp-rsa\./Body line of commit-pgp-rsA./' commit-pgp-rsa.commit >commit-pgp-rsa-tampered-message.commit
sed 's/^Body line of commit-ssh-ed25519\./Body line of commit-ssh-ed25519!/' commit-ssh-ed25519.commit >commit-ssh-ed25519-tampered-message.commit
sed 's/^Tag tag-pgp-ed25519$/Tag tag-pgp-ed25519!/' tag-pgp-ed25519.tag >tag-pgp-ed25519-tampered-message.tag
python3 - <<'EOF'
# Flip one bit in the last byte of the SSH signature value (inside the base64 body).
import base64
t = open("commit-ssh-ed25519.commit").read().split("\n")
s = next(i for i, l in enumerate(t) if l.startswith("gpgsig "))
e = next(i for i in range(s + 1, len(t)) if "END SSH SIGNATURE" in t[i])
body = "".join(l.strip() for l in t[s + 1:e])
raw = bytearray(base64.b64decode(body))
raw[-3] ^= 0x01
b = base64.b64encode(bytes(raw)).decode()
lines = [" " + b[i:i + 76] for i in range(0, len(b), 76)]
t[s + 1:e] = lines
open("commit-ssh-ed25519-tampered-signature.commit", "w").write("\n".join(t))
EOF
ls "$OUT/objects" | wc -l
