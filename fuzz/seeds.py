#!/usr/bin/env python3
"""Writes the seed corpora of every fuzz target (fuzz/seeds/<target>/) from the repository's own
test data: Sigstore vectors, git objects and keys, OpenPGP test data, the sources the examples
check, minted OCI layouts and the policy cases. Deterministic; run from anywhere.

Structured targets take parts separated by SEP (see fuzz/src/lib.rs)."""

import base64
import glob
import hashlib
import json
import os
import shutil
import tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "fuzz", "seeds")
SEP = b"\n#%#\n"


def rd(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def put(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def files(pattern):
    return sorted(p for p in glob.glob(os.path.join(ROOT, pattern), recursive=True) if os.path.isfile(p))


def sigstore():
    """Bundles, roots, certificates, checkpoints and RFC 3161 tokens of the vectors."""
    bundles, roots = [], []
    for p in files("tests/vectors/**/*.json"):
        if os.path.getsize(p) > 64 << 10:
            continue
        raw = open(p, "rb").read()
        try:
            v = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(v, dict):
            continue
        if "verificationMaterial" in v:
            bundles.append((raw, v))
        elif "tlogs" in v and "certificateAuthorities" in v:
            roots.append(raw)
    # A few of each kind is plenty: the fuzzer finds the rest.
    for raw, _ in bundles[:24]:
        put("bundle_json", raw)
    for raw in roots[:6]:
        put("trusted_root", raw)
    for _, v in bundles[:24]:
        vm = v["verificationMaterial"]
        certs = [(vm.get("certificate") or {}).get("rawBytes")]
        certs += [c.get("rawBytes") for c in (vm.get("x509CertificateChain") or {}).get("certificates") or []]
        for c in filter(None, certs):
            put("der_chain", base64.b64decode(c))
        for e in vm.get("tlogEntries") or []:
            cp = ((e.get("inclusionProof") or {}).get("checkpoint") or {}).get("envelope")
            if cp:
                put("checkpoint", cp.encode())
        for t in (vm.get("timestampVerificationData") or {}).get("rfc3161Timestamps") or []:
            put("rfc3161", base64.b64decode(t["signedTimestamp"]))


def git():
    objects = files("crates/git/testdata/objects/*.commit") + files("crates/git/testdata/objects/*.tag")
    for p in objects + files("examples/git-signed-tag/evidence/*/git/objects/*"):
        put("git_object", open(p, "rb").read())
    # SSH: signature ‖ key file ‖ message (the signed data of an SSH-signed object).
    for p in objects:
        raw = open(p, "rb").read()
        if b"-----BEGIN SSH SIGNATURE-----" not in raw:
            continue
        key = "ssh-ecdsa.pub" if "ecdsa" in p else "ssh-rsa.pub" if "rsa" in p else "ssh-ed25519.pub"
        if raw.startswith(b"object "):
            i = raw.index(b"-----BEGIN SSH SIGNATURE-----")
            sig, msg = raw[i:], raw[:i]
        else:
            lines, sig_lines, msg_lines, in_sig = raw.split(b"\n"), [], [], False
            for line in lines:
                if line.startswith(b"gpgsig "):
                    in_sig = True
                    sig_lines.append(line[len(b"gpgsig "):])
                elif in_sig and line.startswith(b" "):
                    sig_lines.append(line[1:])
                else:
                    in_sig = False
                    msg_lines.append(line)
            sig, msg = b"\n".join(sig_lines), b"\n".join(msg_lines)
        put("ssh", sig + SEP + rd("crates/git/testdata/keys/" + key) + SEP + msg)
    put("ssh", rd("crates/git/testdata/keys/ssh-allowed-signers"))


def openpgp():
    td = "crates/openpgp/testdata/"
    content = rd(td + "content.txt")
    for p in files(td + "sig-*"):
        name = os.path.basename(p)
        algo = name.split("-")[1]
        key = {"rsa": "key-rsa.asc"}.get(algo, "key-%s.asc" % algo)
        if not os.path.exists(os.path.join(ROOT, td + key)):
            key = "keyring-all.asc"
        put("openpgp", rd(td + key) + SEP + open(p, "rb").read() + SEP + content)
    for p in files(td + "key*") + files("crates/git/testdata/keys/pgp-*"):
        put("openpgp", open(p, "rb").read())


def cases():
    """(source, platform) pairs of the examples' checks, plus identifiers of every kind."""
    out = set()
    for p in files("examples/*/cases.toml") + files("tests/cases/**/*.toml"):
        try:
            t = tomllib.loads(open(p).read())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        for c in t.get("check", []):
            if "source" in c:
                out.add((c["source"], c.get("platform", "")))
    return sorted(out)


MORE_SOURCES = [
    "docker-image://alpine",
    "docker-image://localhost:5000/a/b:c@sha256:" + "0" * 64,
    "docker-image://[::1]:5000/x",
    "git://github.com/moby/buildkit.git#v0.1:sub/dir",
    "git@github.com:acme/app.git#main",
    "ssh://git@github.com/acme/app.git#" + "a" * 40,
    "https://github.com/acme/app.git?ref=main&subdir=x",
    "https://example.com/a%20b?x=1&y=2#frag",
    "http://user:pw@example.com:8080/p",
    "local://context",
    "oci-layout://x",
    "pkg:docker/library/alpine@3.22?platform=linux%2Farm64",
    "pkg:docker/docker/dockerfile@1.21?digest=sha256:" + "a" * 64,
]


def sources():
    for src, platform in cases():
        put("source", src.encode() + SEP + (platform or "linux/amd64").encode())
    for src in MORE_SOURCES:
        put("source", src.encode() + SEP + b"linux/arm/v7" + SEP + b"sha256:" + b"a" * 64)


def input_build():
    # OCI layouts minted by the tests: source ‖ platform ‖ index.json ‖ refs ‖ blobs…
    for scenario in ["docker-github-builder", "unsigned", "wrong-subject-digest"]:
        d = "tests/minted/%s/evidence/oci/" % scenario
        index = rd(d + "index.json")
        names = [m.get("annotations", {}).get("org.opencontainers.image.ref.name")
                 for m in json.loads(index)["manifests"]]
        name = next(filter(None, names), "docker.io/acme/app:v1.0.0")
        blobs = [open(p, "rb").read() for p in files(d + "blobs/sha256/*")]
        put("input_build", SEP.join([b"docker-image://" + name.encode(), b"", index, b""] + blobs))
    # Git evidence of the signed-tag example.
    for ev in sorted(glob.glob(os.path.join(ROOT, "examples/git-signed-tag/evidence/*"))):
        tag = os.path.basename(ev)
        refs = open(os.path.join(ev, "git/refs"), "rb").read()
        objs = [open(p, "rb").read() for p in files(os.path.relpath(ev, ROOT) + "/git/objects/*")]
        put("input_build", SEP.join([b"https://github.com/acme/app.git#" + tag.encode(), b"", b"", refs] + objs))
    # HTTP content, asserted checksum, asserted attestation manifest with a real bundle.
    content = rd("examples/http-pgp/evidence/release/http/content")
    put("input_build", SEP.join([b"https://downloads.acme.example/tool/1.2.3/tool-1.2.3.tar.gz", b"", b"", b"", b"http:" + content]))
    put("input_build", SEP.join([b"https://example.com/x.tgz", b"", b"", b"", b"sum:sha256:" + b"0" * 64]))
    bundle = rd("tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json")
    put("input_build", SEP.join([b"docker-image://public.ecr.aws/q3b5f1u4/test-docker-action:edge", b"linux/arm64", b"", b"",
                                 b"att:sha256:" + b"1" * 64, b"bundle:" + bundle]))


def rego():
    for p in files("tests/cases/policy/*.toml"):
        t = tomllib.loads(open(p).read())
        mods = [m["source"].encode() for m in t.get("module", [])]
        if not mods:
            continue
        put("rego", SEP.join([mods[0], t.get("input", "{}").encode()] + mods[1:]))
    for p in files("examples/*/Dockerfile.rego"):
        inputs = files(os.path.relpath(os.path.dirname(p), ROOT) + "/inputs/*.json")[:2] or [None]
        for i in inputs:
            put("rego", open(p, "rb").read() + SEP + (open(i, "rb").read() if i else b"{}"))


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    sigstore()
    git()
    openpgp()
    sources()
    input_build()
    rego()
    for t in sorted(os.listdir(OUT)):
        d = os.path.join(OUT, t)
        n = len(os.listdir(d))
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print("%-14s %4d seeds %8d bytes" % (t, n, size))
