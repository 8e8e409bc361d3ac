#!/usr/bin/env python3
"""One table of ratios from a `./x bench-peers` run.

Usage: bench_peers.py RUN.jsonl CRITERION_DIR

RUN.jsonl is the peer harness's result file with verdict's own whole-process timings and batch
runs appended (scripts/bench-peers.sh); CRITERION_DIR holds criterion's estimates of verdict's
warm benches. A ratio is verdict's time over the peer's: below 1, verdict is faster.
"""
import json
import statistics
import sys
from pathlib import Path

rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.startswith("{")]
criterion = Path(sys.argv[2])


def cold(label):
    # The newest row of that label (OURS_ONLY=1 appends verdict's rows again).
    for r in reversed(rows):
        if r.get("kind") == "cold" and r.get("label") == label and "error" not in r:
            return r["median_ms"]
    return None


def warm_verify(peer, bundle):
    for r in reversed(rows):
        if r.get("kind") == "warm" and r.get("peer") == peer and r.get("bundle") == bundle:
            return r["median_us"] / 1e3
    return None


def warm_eval(peer, mode):
    for r in reversed(rows):
        if r.get("kind") == "warm" and r.get("peer") == peer and r.get("mode") == mode:
            return r["median_ns"] / 1e6
    return None


def bench(*path):
    """A criterion median, in ms."""
    f = criterion.joinpath(*path, "new", "estimates.json")
    if not f.exists():
        return None
    return json.loads(f.read_text())["median"]["point_estimate"] / 1e6


def ms(v):
    if v is None:
        return "—"
    return f"{v * 1e3:.1f} µs" if v < 1 else f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"


def ratio(ours, theirs):
    if ours is None or theirs is None:
        return "—"
    return f"{ours / theirs:.2f}×"


table = []


def row(work, ours_label, ours, peer_label, theirs):
    table.append(f"| {work} | {ours_label} {ms(ours)} | {peer_label} {ms(theirs)} | {ratio(ours, theirs)} |")


for b in ["hashedrekord-v0.3", "dsse-intoto-v0.3"]:
    ours = cold(f"verdict verify-bundle [{b}]")
    for peer, label in [
        ("sigstore-rust", f"sigstore-rust [{b}]"),
        ("sigstore-js", f"sigstore-js script [{b}]"),
        ("sigstore-python", f"sigstore-python CLI verify identity --offline [{b}]"),
    ]:
        row(f"verify one bundle, whole process [{b}]", "verdict", ours, peer, cold(label))

warm_native = {
    "hashedrekord-v0.3.sigstore.json": bench("verify-native-warm", "happy-path-v0.3"),
    "dsse-intoto-v0.3.sigstore.json": bench("verify-native-warm", "happy-path-intoto-in-dsse-v3"),
}
warm_component = {
    "hashedrekord-v0.3.sigstore.json": bench("component", "verify-bundle warm_happy-path-v0.3"),
    "dsse-intoto-v0.3.sigstore.json": bench("component", "verify-bundle warm_happy-path-intoto-in-dsse-v3"),
}
for b in warm_native:
    for peer in ["sigstore-rust", "sigstore-python", "sigstore-js"]:
        theirs = warm_verify(peer, b)
        row(f"warm verify per bundle [{b.split('.')[0]}]", "native", warm_native[b], peer, theirs)
        row(f"warm verify per bundle [{b.split('.')[0]}]", "component", warm_component[b], peer, theirs)

batches = [r for r in rows if r.get("kind") == "batch"][-3:]
if batches:
    per = statistics.median(r["seconds"] / r["bundles"] for r in batches) * 1e3
    n = batches[0]["bundles"]
    for peer in ["sigstore-rust", "sigstore-python", "sigstore-js"]:
        theirs = warm_verify(peer, "hashedrekord-v0.3.sigstore.json")
        row(
            f"batch: {n} bundles in one process, per bundle (verdict: all cores; peers: their warm loop, one core)",
            f"verdict ({n * per / 1e3:.2f} s, {1e3 / per:.0f}/s)",
            per,
            f"{peer} ({n * theirs / 1e3:.2f} s)" if theirs else peer,
            theirs,
        )

ours = cold("verdict eval")
for label in ["regorus CLI eval", "OPA Go (opa-golib via python)"]:
    row("eval data.docker.allow (peer-bench policy), whole process", "verdict", ours, label, cold(label))

opa = warm_eval("opa", "policy.rego")
opa_floor = warm_eval("opa", "trivial policy (binding overhead)")
opa_own = opa - opa_floor if opa is not None and opa_floor is not None else None
for label, ours in [
    ("native", bench("native_engine.evaluate")),
    ("component", bench("component_engine.evaluate")),
]:
    row("warm eval per call (verdict: github-builder example; peers: peer-bench policy)", label, ours,
        "regorus eval_rule (JSON input)", warm_eval("regorus", "engine.eval_rule (input JSON parsed each eval)"))
    row("warm eval per call (verdict: github-builder example; peers: peer-bench policy)", label, ours,
        "OPA own cost (minus binding)", opa_own)

print("\n| work | verdict | peer | ratio (verdict / peer) |\n|---|---:|---:|---:|")
print("\n".join(table))
