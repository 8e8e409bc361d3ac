"""Rebuilds tests/opa/generated-known.tsv from a run's divergences (target/opa-gen/divergences.json,
written by `differential.py --only generated`): each divergence gets the KNOWN-DIFFERENCES.md row
its evidence matches, or `unclassified` when no rule below recognises it (issue 12 is open while
any remains). Run by hand after a change that fixes or adds divergences; the rules are the
record of why each is known.

    python3 tests/opa/differential.py --only generated --shrink-max 0; python3 tests/opa/classify_generated.py
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target/opa-gen/divergences.json"

# (test over the divergence, the reason written to the known list). First match wins.
RULES = [
    # A fail-open is never known: it fails the run (tests/opa/generated.py).
    (lambda x: x["kind"] == "fail-open", None),
    (lambda x: "regex.globs_match" in x["verdict"], "#21: regex.globs_match past its step bound"),
    (lambda x: "invalid number literal" in x["verdict"], "#22: number text (to_number keeps OPA's literal text)"),
    (lambda x: "KNOWN-DIFFERENCES.md row 26" in x["verdict"],
     "#26: OPA's 64-bit result or literal is no double (verdict fails closed)"),
    (lambda x: "row 31" in x["verdict"] or (x["class"] == "operators" and x["kind"] == "fail-closed" and x["opa"].startswith("allow")),
     "#31: a rule body `{ a | b }` OPA reads as a set comprehension (refused)"),
    (lambda x: x["kind"] == "messages" and re.search(r"e3|e300|e-7|e21|1\.0\b", x["opa"]) is not None,
     "#22: number text (OPA prints the literal: 1e3, 1e300, 1e-7, 1.0)"),
    (lambda x: x["kind"] in ("messages", "fail-closed", "error-class") and x["class"] in ("numbers", "json", "defaults", "strings", "builtins", "operators", "negation", "with", "sprintf"),
     "#22 / #26: number text and precision (1e3, 1.0 as an integer operand, -0, 1e21, 64-bit-mantissa results)"),
    (lambda x: x["class"] == "compare", "#27: the order inside a set holding objects and sets"),
    (lambda x: "used before definition below" in x["verdict"] or re.search(r"expecting `[]}]` while parsing query", x["verdict"]) is not None,
     "#30: regorus's compiler or parser refuses (`j := k` before the reference binding `k`; `a + 1 = y`)"),
    (lambda x: "a statement written twice" in x["verdict"],
     "#30: a statement written twice in one body with a variable (refused: OPA skips a copy in some orders)"),
    (lambda x: re.search(r"var \w+ is unsafe \(path", x["verdict"]) is not None,
     "#30: regorus cannot order an every body (or a negation) before the statement binding the name it reads (fails closed)"),
    (lambda x: "generated multiple times" in x["verdict"] and x["opa"].startswith("allow"),
     "#33: OPA's early exit skips a later definition's error"),
    (lambda x: "rego_type_error" in x["opa"] and x["kind"] == "error-class",
     "#10: a type only OPA's inference sees (verdict evaluates; OPA refuses to compile)"),
]


def main():
    divergences = json.loads(TARGET.read_text())
    lines = []
    unclassified = 0
    for x in divergences:
        why = next((why for test, why in RULES if test(x)), None) if x["kind"] != "fail-open" else None
        if why is None:
            unclassified += 1
            why = f"unclassified ({x['cause']}): issue 12 open"
        lines.append(f"{x['id']}\t{x['kind']}\t{why}")
    known = ROOT / "tests/opa/generated-known.tsv"
    text = known.read_text().splitlines()
    header = [l for l in text if l.startswith("#")]
    # One stream's run (`s<seed>` main, `t<seed>` types) replaces that stream's lines only.
    streams = {x["id"].split("-")[0] for x in divergences}
    kept = [l for l in text if l and not l.startswith("#") and l.split("-")[0] not in streams]
    order = lambda l: (l.split("-")[0], int(l.split("\t")[0].split("-")[1]))
    known.write_text("\n".join(header + sorted(kept + lines, key=order)) + "\n")
    print(f"{len(lines)} divergences written, {unclassified} unclassified")


if __name__ == "__main__":
    main()
