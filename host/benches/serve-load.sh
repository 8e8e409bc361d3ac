#!/usr/bin/env bash
# Load test of `verdict serve` on loopback (bounded: a fixed duration per run, then the server is
# stopped). Release build; for each route (`/v1/eval` of the github-builder example, `/v1/verify`
# of a public-good bundle) and each concurrency (1, 8, 64 keep-alive connections): throughput,
# p50 / p99 / max latency, errors (must be 0: every answer's status and verdict hash are
# checked) and the server's memory. Usage: host/benches/serve-load.sh [SECONDS] (default 10).
# Not a test: a measurement to read (docs/service.md has the numbers and the machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
cargo build --release --locked -p verdict-host --bin verdict --example load >&2
bin=target/release
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
policy = pathlib.Path("examples/github-builder/Dockerfile.rego").read_text()
inp = pathlib.Path("examples/github-builder/inputs/allow-signed-release.json").read_text()
(work / "eval.json").write_text(
    '{"policies": [[{"path": "Dockerfile.rego", "source": %s}]], "input": %s, "now": "2026-11-25T00:00:00Z"}'
    % (json.dumps(policy), inp))
(work / "eval-deployed.json").write_text('{"input": %s, "now": "2026-11-25T00:00:00Z"}' % inp)
bundle = pathlib.Path("tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json").read_text()
(work / "verify.json").write_text(json.dumps({
    "bundle": bundle,
    "digest": "sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664",
    "identityRegexp": "https://github\\.com/docker/github-builder(-experimental)?/.*",
    "issuer": "https://token.actions.githubusercontent.com"}))
PY

# Two servers in turn: the component as built (each request compiles its policies and prepares
# the public-good root), and the component deployed with the example's policy (compiled and
# prepared once, in the snapshot every request's instance starts from).
run() {
	local label=$1
	shift
	"$bin/verdict" serve --listen 127.0.0.1:0 --max-concurrent 128 "$@" 2> "$work/server.log" &
	server=$!
	addr=
	for _ in $(seq 600); do
		addr=$(grep -o 'http://[0-9.:]*' "$work/server.log" | head -1 | sed 's#http://##' || true)
		[ -n "$addr" ] && break
		sleep 0.1
	done
	echo "$label: verdict serve at $addr (pid $server), $(nproc) cores, ${seconds}s per run" >&2
	for route in eval verify; do
		body="$work/$route.json"
		[ "$label" = deployed ] && [ "$route" = eval ] && body="$work/eval-deployed.json"
		for c in 1 8 64; do
			printf '{"server":"%s",' "$label"
			"$bin/examples/load" "$addr" "/v1/$route" "$body" "$c" "$seconds" "$server" | sed 's/^{//'
		done
	done
	kill -TERM "$server"
	wait "$server" || true
	echo "access-log lines: $(grep -c '"route"' "$work/server.log")" >&2
}
run built
run deployed -p examples/github-builder/Dockerfile.rego
