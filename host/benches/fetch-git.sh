#!/usr/bin/env bash
# `verdict check` of a git source fetching its evidence with the git CLI from a smart-HTTP server
# on loopback (`git http-backend` run per request by a small Python server): the repository of
# examples/git-signed-tag rebuilt (the same commit id, its signed tag object written as it is).
# Timed over N runs (median, min, max) against the same check replayed from --save-evidence, with
# the bytes fetched (`--progress`). Usage: host/benches/fetch-git.sh [RUNS] (default 20). Release
# build. Not a test: numbers to read.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
cargo build --release --locked -p verdict-host --bin verdict >&2
work=$(mktemp -d)
repo="$work/work"
mkdir -p "$repo" "$work/served"
export GIT_AUTHOR_DATE='2026-11-01T12:00:00Z' GIT_COMMITTER_DATE='2026-11-01T12:00:00Z'
git -C "$repo" init -q .
git -C "$repo" config user.name 'Acme Release'
git -C "$repo" config user.email release@acme.example
echo 'acme app' > "$repo/README"
git -C "$repo" add README
git -C "$repo" commit -q -m 'Release 1.0.0'
tag=examples/git-signed-tag/evidence/v1.0.0/git
oid=$(cut -f1 "$tag/refs" | head -1)
git -C "$repo" hash-object -t tag -w "$PWD/$tag/objects/$oid" >/dev/null
git -C "$repo" update-ref refs/tags/v1.0.0 "$oid"
git clone -q --bare "$repo" "$work/served/app.git"
cat > "$work/cgi.py" <<'PY'
# Smart HTTP for git: each request runs `git http-backend` (CGI) over the served repositories.
import http.server, os, subprocess, sys
root, port = sys.argv[1], int(sys.argv[2])
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def run(self):
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                   QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("content-type", ""), CONTENT_LENGTH=str(len(body)),
                   GIT_PROTOCOL=self.headers.get("git-protocol", ""), REMOTE_ADDR="127.0.0.1")
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode().splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    do_GET = do_POST = run
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$work/cgi.py" "$work/served" "$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/app.git/info/refs?service=git-upload-pack" >/dev/null && break; sleep 0.1; done
source="http://127.0.0.1:$port/app.git#v1.0.0"
args=(check "$source" --policy cwd://tests/cli/git-fetch/Dockerfile.rego --context examples/git-signed-tag/context --now 2026-11-25T00:00:00Z)
echo "one fetched check:"
target/release/verdict "${args[@]}" --progress --save-evidence "$work/saved" 2>&1 | sed 's/^/  /'
python3 - "$runs" "$work" "${args[@]}" <<'PY'
import statistics, subprocess, sys, time
runs, work, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def timed(extra):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(["target/release/verdict", *args, *extra],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.perf_counter() - t) * 1000)
        assert p.returncode == 0, p.returncode
    return out
timed([])
for label, extra in (("fetched (git ls-remote + fetch)", []),
                     ("replayed from --evidence", ["--evidence", f"{work}/saved"])):
    t = timed(extra)
    print(f"{label:32} median {statistics.median(t):6.1f} ms  min {min(t):6.1f}  max {max(t):6.1f}  ({runs} runs)")
PY
