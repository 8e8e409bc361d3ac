#!/bin/sh
# Regenerates testdata/adversarial/: hostile signed commits and tags (two signature blocks, data
# after END, marker lines with a suffix, PGP MESSAGE blocks, duplicated gpgsig headers, …) made
# with real gpg, ssh-keygen and git, and what real `git verify-tag` / `git verify-commit` says
# about each (`objects/<name>.git`: `ok` or `rejected` and git's first stderr lines).
#
# Separate from make.sh so that the main vectors (and their goldens) stay as they are. Keys are
# throwaway test keys without a passphrase; their private halves are deleted with the scratch
# directory. Output differs between runs (fresh keys, nonces); the expected verdict outcomes in
# adversarial/cases.toml do not.
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)/adversarial
W=$(mktemp -d /tmp/verdict-gitadv.XXXXXX)
trap 'rm -rf "$W"' EXIT
export GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --faked-system-time '20261125T120000!' --pinentry-mode loopback \
    --passphrase '' --quick-gen-key 'Adversarial <adv@example.com>' ed25519 sign never
mkdir -p "$W/ssh"
ssh-keygen -q -t ed25519 -N '' -C 'adv@example.com' -f "$W/ssh/key"
printf 'adv@example.com %s\n' "$(cat "$W/ssh/key.pub")" >"$W/allowed"

rm -rf "$OUT/keys" "$OUT/objects"
mkdir -p "$OUT/keys" "$OUT/objects"
gpg --armor --export adv@example.com >"$OUT/keys/pgp.asc"
cp "$W/ssh/key.pub" "$OUT/keys/ssh.pub"

git init -q -b main "$W/repo"
cd "$W/repo"
git config gpg.ssh.allowedSignersFile "$W/allowed"
TREE=$(git hash-object -t tree -w /dev/null)
git -c user.name=A -c user.email=a@example.com commit-tree -m base "$TREE" >"$W/base"

# A SHA-256 repository too: its commits carry `gpgsig-sha256`, and git ignores `gpgsig` there.
git init -q -b main --object-format=sha256 "$W/repo256"
git -C "$W/repo256" config gpg.ssh.allowedSignersFile "$W/allowed"
TREE256=$(git -C "$W/repo256" hash-object -t tree -w /dev/null)
git -C "$W/repo256" -c user.name=A -c user.email=a@example.com commit-tree -m base "$TREE256" >"$W/base256"

cat >"$W/gen.py" <<'EOF'
import base64, os, subprocess, sys

out, w, tree, base, fmt = sys.argv[1:]

def pgp(data, *args):
    return subprocess.run(
        ["gpg", "--batch", "--quiet", "--faked-system-time", "20261125T120000!", "--armor",
         "-u", "adv@example.com", *args], input=data, capture_output=True, check=True).stdout

def pgp_sig(data):
    return pgp(data, "--detach-sign", "--digest-algo", "SHA256")

def ssh_sig(data):
    p = os.path.join(w, "payload")
    open(p, "wb").write(data)
    if os.path.exists(p + ".sig"):
        os.remove(p + ".sig")
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", os.path.join(w, "ssh/key"), "-n",
                    "git", p], check=True, capture_output=True)
    return open(p + ".sig", "rb").read()

def crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF

def armor(label, data):
    b = base64.b64encode(data).decode()
    body = "\n".join(b[i:i + 64] for i in range(0, len(b), 64))
    c = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    return f"-----BEGIN {label}-----\n\n{body}\n={c}\n-----END {label}-----\n".encode()

def dearmor(block):
    lines = block.decode().split("\n")
    start = lines.index("") + 1
    end = next(i for i, l in enumerate(lines) if l.startswith("="))
    return base64.b64decode("".join(lines[start:end]))

GARBAGE = b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"
SSH_GARBAGE = b"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"
OTHER = b"some other content\n"

def tag(msg=b"Tag v1\n"):
    return (f"object {base}\ntype commit\ntag v1\ntagger T <t@example.com> 1764080000 +0000\n\n"
            .encode() + msg)

def commit(extra=b""):
    return (f"tree {tree}\nauthor A <a@example.com> 1764072000 +0000\n"
            f"committer C <c@example.com> 1764072000 +0000\n".encode() + extra + b"\nCommit\n")

def header(name, value):
    lines = value.rstrip(b"\n").split(b"\n")
    return name + b" " + lines[0] + b"\n" + b"".join(b" " + l + b"\n" for l in lines[1:])

def with_headers(payload, *hdrs):
    head, _, rest = payload.partition(b"\n\n")
    return head + b"\n" + b"".join(hdrs) + b"\n" + rest

objects = {}
if fmt == "sha256":
    # Names start with commit256- / tag256-: verified in the SHA-256 repository.
    c = commit()
    sig = pgp_sig(c)
    objects["commit256-pgp-valid.commit"] = with_headers(c, header(b"gpgsig-sha256", sig))
    objects["commit256-pgp-only-gpgsig.commit"] = with_headers(c, header(b"gpgsig", sig))
    objects["commit256-pgp-valid-and-gpgsig-garbage.commit"] = with_headers(
        c, header(b"gpgsig-sha256", sig), header(b"gpgsig", GARBAGE))
    objects["commit256-pgp-two-gpgsig-sha256.commit"] = with_headers(
        c, header(b"gpgsig-sha256", sig), header(b"gpgsig-sha256", GARBAGE))
    objects["commit256-ssh-valid.commit"] = with_headers(c, header(b"gpgsig-sha256", ssh_sig(c)))
    t = tag()
    objects["tag256-pgp-valid.tag"] = t + pgp_sig(t)
    objects["tag256-pgp-valid-then-garbage.tag"] = t + pgp_sig(t) + GARBAGE
    for name, data in objects.items():
        open(os.path.join(out, name), "wb").write(data)
    sys.exit(0)
# ---- tags: the signature is appended to the message ---------------------------------------
t = tag()
objects["tag-pgp-valid.tag"] = t + pgp_sig(t)
objects["tag-pgp-valid-then-garbage.tag"] = t + pgp_sig(t) + GARBAGE
x = t + GARBAGE
objects["tag-pgp-garbage-then-valid.tag"] = x + pgp_sig(x)
objects["tag-pgp-valid-then-other-valid.tag"] = t + pgp_sig(t) + pgp_sig(OTHER)
x = t + pgp_sig(OTHER)
objects["tag-pgp-other-then-valid.tag"] = x + pgp_sig(x)
objects["tag-pgp-valid-then-ssh-garbage.tag"] = t + pgp_sig(t) + SSH_GARBAGE
objects["tag-pgp-valid-then-x509-marker.tag"] = t + pgp_sig(t) + b"-----BEGIN SIGNED MESSAGE-----\nAAAA\n"
objects["tag-pgp-trailing-text.tag"] = t + pgp_sig(t) + b"trailing text\n"
objects["tag-pgp-trailing-no-newline.tag"] = t + pgp_sig(t).rstrip(b"\n")
objects["tag-pgp-trailing-blank.tag"] = t + pgp_sig(t) + b"\n"
s = pgp_sig(t)
objects["tag-pgp-marker-suffix.tag"] = t + s.replace(b"SIGNATURE-----\n", b"SIGNATURE-----x\n", 1)
objects["tag-pgp-marker-trailing-space.tag"] = t + s.replace(b"SIGNATURE-----\n", b"SIGNATURE----- \n", 1)
x = tag(b"Tag v1\n-----BEGIN PGP SIGNATURE-----x\n")
objects["tag-pgp-suffix-line-in-message.tag"] = x + pgp_sig(x)
x = tag(b"Tag v1\n-----BEGIN PGP SIGNATURE-----\n")
objects["tag-pgp-marker-line-in-message.tag"] = x + pgp_sig(x)
objects["tag-pgp-message-of-payload.tag"] = t + pgp(t, "--sign")
objects["tag-pgp-message-of-other.tag"] = t + pgp(OTHER, "--sign")
objects["tag-pgp-message-label-on-detached.tag"] = t + armor("PGP MESSAGE", dearmor(pgp_sig(t)))
objects["tag-pgp-two-packets-valid-first.tag"] = t + armor(
    "PGP SIGNATURE", dearmor(pgp_sig(t)) + dearmor(pgp_sig(OTHER)))
objects["tag-pgp-two-packets-valid-last.tag"] = t + armor(
    "PGP SIGNATURE", dearmor(pgp_sig(OTHER)) + dearmor(pgp_sig(t)))
objects["tag-pgp-two-valid-packets.tag"] = t + armor(
    "PGP SIGNATURE", dearmor(pgp_sig(t)) + dearmor(pgp_sig(t)))
objects["tag-ssh-valid.tag"] = t + ssh_sig(t)
objects["tag-ssh-valid-then-garbage.tag"] = t + ssh_sig(t) + SSH_GARBAGE
x = t + SSH_GARBAGE
objects["tag-ssh-garbage-then-valid.tag"] = x + ssh_sig(x)
objects["tag-ssh-trailing-text.tag"] = t + ssh_sig(t) + b"trailing text\n"
objects["tag-ssh-valid-then-pgp-garbage.tag"] = t + ssh_sig(t) + GARBAGE
# A gpgsig header in a tag (git drops such headers from a tag's payload).
x = with_headers(t, b"gpgsig extra\n")
objects["tag-pgp-gpgsig-header-signed.tag"] = x + pgp_sig(x)
objects["tag-pgp-gpgsig-header-unsigned.tag"] = with_headers(t, b"gpgsig extra\n") + pgp_sig(t)

# ---- commits: the signature is a gpgsig header ----------------------------------------------
c = commit()
sig = pgp_sig(c)
objects["commit-pgp-valid.commit"] = with_headers(c, header(b"gpgsig", sig))
objects["commit-pgp-two-gpgsig-valid-then-garbage.commit"] = with_headers(
    c, header(b"gpgsig", sig), header(b"gpgsig", GARBAGE))
objects["commit-pgp-two-gpgsig-garbage-then-valid.commit"] = with_headers(
    c, header(b"gpgsig", GARBAGE), header(b"gpgsig", sig))
objects["commit-pgp-two-gpgsig-valid-then-other.commit"] = with_headers(
    c, header(b"gpgsig", sig), header(b"gpgsig", pgp_sig(OTHER)))
objects["commit-pgp-two-gpgsig-both-valid.commit"] = with_headers(
    c, header(b"gpgsig", sig), header(b"gpgsig", pgp_sig(c)))
objects["commit-pgp-gpgsig-and-sha256-garbage.commit"] = with_headers(
    c, header(b"gpgsig", sig), header(b"gpgsig-sha256", GARBAGE))
objects["commit-pgp-sha256-garbage-and-gpgsig.commit"] = with_headers(
    c, header(b"gpgsig-sha256", GARBAGE), header(b"gpgsig", sig))
objects["commit-pgp-only-gpgsig-sha256.commit"] = with_headers(c, header(b"gpgsig-sha256", sig))
x = commit(b"gpgsigx extra\n")
objects["commit-pgp-gpgsig-like-header-signed.commit"] = with_headers(x, header(b"gpgsig", pgp_sig(x)))
objects["commit-pgp-gpgsig-like-header-unsigned.commit"] = with_headers(x, header(b"gpgsig", sig))
objects["commit-pgp-gpgsig-trailing-text.commit"] = with_headers(c, header(b"gpgsig", sig + b"trailing text\n"))
objects["commit-pgp-gpgsig-two-blocks.commit"] = with_headers(c, header(b"gpgsig", sig + GARBAGE))
objects["commit-pgp-gpgsig-garbage-then-valid-block.commit"] = with_headers(c, header(b"gpgsig", GARBAGE + sig))
objects["commit-pgp-gpgsig-message.commit"] = with_headers(c, header(b"gpgsig", pgp(c, "--sign")))
objects["commit-pgp-gpgsig-marker-suffix.commit"] = with_headers(
    c, header(b"gpgsig", sig.replace(b"SIGNATURE-----\n", b"SIGNATURE-----x\n", 1)))
objects["commit-pgp-two-packets-valid-first.commit"] = with_headers(c, header(
    b"gpgsig", armor("PGP SIGNATURE", dearmor(sig) + dearmor(pgp_sig(OTHER)))))
ssig = ssh_sig(c)
objects["commit-ssh-valid.commit"] = with_headers(c, header(b"gpgsig", ssig))
objects["commit-ssh-two-gpgsig-valid-then-garbage.commit"] = with_headers(
    c, header(b"gpgsig", ssig), header(b"gpgsig", SSH_GARBAGE))
objects["commit-ssh-gpgsig-trailing-text.commit"] = with_headers(c, header(b"gpgsig", ssig + b"trailing text\n"))
objects["commit-ssh-gpgsig-two-blocks.commit"] = with_headers(c, header(b"gpgsig", ssig + SSH_GARBAGE))

for name, data in objects.items():
    open(os.path.join(out, name), "wb").write(data)
EOF
python3 "$W/gen.py" "$OUT/objects" "$W" "$TREE" "$(cat "$W/base")" sha1
python3 "$W/gen.py" "$OUT/objects" "$W" "$TREE256" "$(cat "$W/base256")" sha256

# What real git says about each object.
for f in "$OUT"/objects/*.tag "$OUT"/objects/*.commit; do
    name=$(basename "$f")
    case "$name" in
    *.tag) kind=tag verb=verify-tag ;;
    *) kind=commit verb=verify-commit ;;
    esac
    case "$name" in
    commit256-* | tag256-*) repo="$W/repo256" ;;
    *) repo="$W/repo" ;;
    esac
    oid=$(git -C "$repo" hash-object --literally -t "$kind" -w "$f")
    if git -C "$repo" "$verb" "$oid" >"$W/out" 2>&1; then s=ok; else s=rejected; fi
    { echo "$s"; grep -v '^gpg: \(Signature made\|                using\)' "$W/out" | head -3; } >"$f.git"
done
ls "$OUT/objects" | wc -l
