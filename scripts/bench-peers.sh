#!/usr/bin/env bash
# `./x bench-peers`: verdict beside the tools users would pick instead, in one run on this
# machine, and one table of ratios.
#
# The peers and their harness live outside this repository: PEER_BENCH names the harness's
# directory (its setup.sh installs sigstore-rust, sigstore-python, sigstore-js, the regorus CLI
# and library and OPA's Go engine from the package registries into $PEERS, default /tmp/peers;
# its run_all.sh times them on the bundles of its ASSETS directory, default ../bench-assets/sigstore
# beside it). Then verdict on the same inputs, with the same whole-process timer (cold.py):
# `verify-bundle` of each bundle, `eval` of the same policy; its criterion benches for the warm
# rows; `verify --batch` over 1,267 minted bundles (crates/mint: each its own leaf key, log entry
# and timestamp). The load average is printed before and after: run it on an otherwise idle
# machine: PEER_BENCH=/path/to/peer-bench ./x bench-peers
set -euo pipefail
cd "$(dirname "$0")/.."
harness=${PEER_BENCH:-}
if [ -z "$harness" ]; then
	echo "bench-peers: set PEER_BENCH to the peer harness's directory (setup.sh, run_all.sh, cold.py)" >&2
	exit 2
fi
harness=$(cd "$harness" && pwd)
assets=${ASSETS:-$harness/../bench-assets/sigstore}
export PEERS=${PEERS:-/tmp/peers}
if [ ! -f "$harness/run_all.sh" ]; then
	echo "bench-peers: no peer harness at $harness (PEER_BENCH)" >&2
	exit 2
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bash "$harness/setup.sh"
cargo build --release --locked -p verdict-host --bin verdict -p verdict-mint --bin mint
verdict=$PWD/target/release/verdict
batch=$PWD/target/bench-batch
[ -f "$batch/batch.jsonl" ] || target/release/mint batch 1267 "$batch"

# OURS_ONLY=1: verdict's rows again, appended to the newest peer run.
[ "${OURS_ONLY:-0}" = 1 ] || COLD_RUNS=${COLD_RUNS:-15} bash "$harness/run_all.sh"
out=$(ls -t "$PEERS"/results/run-*.jsonl | head -1)
py=$PEERS/venv/bin/python
id="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
iss="https://token.actions.githubusercontent.com"
cold() {
	local label=$1 expect=$2
	shift 2
	"$py" "$harness/cold.py" --runs "${COLD_RUNS:-15}" --label "$label" --expect "$expect" -- "$@" | tee -a "$out"
}
for b in hashedrekord-v0.3 dsse-intoto-v0.3; do
	cold "verdict verify-bundle [$b]" "verified" "$verdict" verify-bundle --trusted-root "$assets/trusted_root.json" \
		--bundle "$assets/$b.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" "$assets/a.txt"
done
# The peers evaluate `data.docker.allow`; verdict, as Buildx, the decision object: one rule
# beside the policy makes it (`{"allow": allow}`).
policy=$PEERS/verdict-policy
mkdir -p "$policy"
cp "$harness/rego/policy.rego" "$policy/"
printf 'package docker\n\nimport rego.v1\n\ndecision := {"allow": allow}\n' >"$policy/decision.rego"
cold "verdict eval" '"decision":"allow"' "$verdict" eval -d "$policy" -i "$harness/rego/input-allow.json" -o json

# The batch: three runs, the median's bundles/s.
for run in 1 2 3; do
	"$verdict" verify --batch "$batch/batch.jsonl" --trusted-root "$batch/trusted_root.json" -o json 2>&1 >/dev/null |
		sed -n 's/.*verified \([0-9]*\) of \([0-9]*\) bundles in \([0-9.]*\) s.*/{"kind":"batch","label":"verdict verify --batch","verified":\1,"bundles":\2,"seconds":\3}/p' |
		tee -a "$out"
done

# The warm rows: criterion's medians (target/criterion/*/new/estimates.json).
cargo bench --locked -p verdict-verify --bench verify -- verify-native-warm
cargo bench --locked -p verdict-host --bench verify -- 'component/verify-bundle warm'
cargo bench --locked -p verdict-host --bench eval -- 'engine.evaluate'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 scripts/bench_peers.py "$out" target/criterion
