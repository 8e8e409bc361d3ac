#!/usr/bin/env bash
# `verdict check docker-image://REF` fetching its evidence from a registry on loopback: a first
# check (empty evidence cache) and a cached one, timed over N runs each (median, min, max), with
# the requests and bytes each fetched (`--progress`'s summary). The image is the minted
# multi-platform docker-github-builder scenario (an index, two platforms, their attestation
# manifests with provenance, signature referrers with bundles), pushed to Debian's docker-registry
# (distribution 2.8.2: the referrers tag fallback) by the small client below.
# Usage: host/benches/fetch-check.sh [RUNS] (default 20). Release build. Not a test: numbers to read.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
cargo build --release --locked -p verdict-host --bin verdict >&2
[ -x /usr/bin/docker-registry ] || { echo "needs Debian's docker-registry (apt-get install docker-registry)" >&2; exit 2; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
registry=$!
trap 'kill "$registry" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

python3 - "$port" <<'PY'
import json, pathlib, sys, urllib.request
port = sys.argv[1]
base = f"http://127.0.0.1:{port}/v2/acme/app"
oci = pathlib.Path("tests/minted/docker-github-builder/evidence/oci")
blobs = {f"sha256:{p.name}": p.read_bytes() for p in (oci / "blobs/sha256").iterdir()}
def media_type(b):
    try:
        t = json.loads(b).get("mediaType", "")
    except Exception:
        return None
    ok = t.startswith(("application/vnd.oci.image.", "application/vnd.docker.distribution."))
    return t if ok and ("manifest" in t or "index" in t) else None
def req(method, url, body=None, ct=None):
    r = urllib.request.Request(url, data=body, method=method)
    if ct:
        r.add_header("content-type", ct)
    return urllib.request.urlopen(r)
for d, b in blobs.items():
    if media_type(b) is None:
        loc = req("POST", f"{base}/blobs/uploads/").headers["location"]
        loc = loc if loc.startswith("http") else f"http://127.0.0.1:{port}{loc}"
        req("PUT", f"{loc}{'&' if '?' in loc else '?'}digest={d}", b, "application/octet-stream")
for kind in ("manifest", "index"):
    for d, b in blobs.items():
        t = media_type(b)
        if t and kind in t:
            req("PUT", f"{base}/manifests/{d}", b, t)
index = json.loads((oci / "index.json").read_text())
subjects = {}
for m in index["manifests"]:
    ann = m.get("annotations", {})
    if "org.opencontainers.image.ref.name" in ann:
        req("PUT", f"{base}/manifests/v1.0.0", blobs[m["digest"]], m["mediaType"])
    if "io.containerd.manifest.subject" in ann:
        subjects.setdefault(ann["io.containerd.manifest.subject"], []).append(
            {k: m[k] for k in ("mediaType", "digest", "size", "artifactType")})
for subject, ms in subjects.items():
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": ms}).encode()
    req("PUT", f"{base}/manifests/{subject.replace(':', '-')}", body,
        "application/vnd.oci.image.index.v1+json")
PY

check() {
	target/release/verdict check "docker-image://127.0.0.1:$port/acme/app:v1.0.0" \
		--insecure-registry "127.0.0.1:$port" --policy tests/cli/registry/Dockerfile.rego \
		--trusted-root tests/minted/docker-github-builder/trusted_root.json \
		--now 2026-11-25T00:00:00Z --progress "$@"
}

# One run of each, to show what it fetched.
export VERDICT_CACHE_DIR="$work/cache"
rm -rf "$VERDICT_CACHE_DIR"
echo "first check:"
check 2>&1 >/dev/null | sed 's/^/  /'
echo "cached check:"
check 2>&1 >/dev/null | sed 's/^/  /'

python3 - "$runs" "$port" "$work" <<'PY'
import os, shutil, statistics, subprocess, sys, time
runs, port, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
args = ["target/release/verdict", "check", f"docker-image://127.0.0.1:{port}/acme/app:v1.0.0",
        "--insecure-registry", f"127.0.0.1:{port}", "--policy", "tests/cli/registry/Dockerfile.rego",
        "--trusted-root", "tests/minted/docker-github-builder/trusted_root.json",
        "--now", "2026-11-25T00:00:00Z"]
cache = os.path.join(work, "bench-cache")
def timed(fresh):
    out = []
    for _ in range(runs):
        if fresh:
            shutil.rmtree(os.path.join(cache, "blobs"), ignore_errors=True)
        t = time.perf_counter()
        p = subprocess.run(args, env={**os.environ, "VERDICT_CACHE_DIR": cache},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.perf_counter() - t) * 1000)
        assert p.returncode == 0, p.returncode
    return out
timed(False)  # warm the code cache and the page cache
for label, fresh in (("first (empty evidence cache)", True), ("cached", False)):
    t = timed(fresh)
    print(f"{label:30} median {statistics.median(t):6.1f} ms  min {min(t):6.1f}  max {max(t):6.1f}  ({runs} runs)")
offline = args + ["--evidence", os.path.join(work, "saved")]
subprocess.run(args + ["--save-evidence", os.path.join(work, "saved"), "--no-evidence-cache"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
               env={**os.environ, "VERDICT_CACHE_DIR": cache})
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run(offline, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "VERDICT_CACHE_DIR": cache})
    t.append((time.perf_counter() - s) * 1000)
print(f"{'replayed from --evidence':30} median {statistics.median(t):6.1f} ms  min {min(t):6.1f}  max {max(t):6.1f}  ({runs} runs)")
PY
