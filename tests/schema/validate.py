#!/usr/bin/env python3
"""Validates every golden verdict of the repository against docs/verdict.schema.json.

Goldens: examples/*/expected/*.verdict.json, tests/cases/policy/*.verdict.json (canonical
records) and tests/cli/*-json.stdout (`--format json` output). Also checks that the schema
rejects records it must reject (unknown field, missing decision, bad error code, bad digest),
so a schema that accepts anything fails this script.

Sets itself up: a venv under $CARGO_TARGET_DIR (default target/) with `jsonschema` from PyPI.
Exit status: 0 valid, 1 a golden or a negative check failed, 2 setup error.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
VENV = TARGET / "schema-venv"
PYTHON = VENV / "bin" / "python"
JSONSCHEMA = "jsonschema==4.23.0"


def bootstrap():
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(PYTHON), "-c", "import jsonschema"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", JSONSCHEMA], check=True)
    os.execv(str(PYTHON), [str(PYTHON), __file__, *sys.argv[1:]])


def goldens():
    for path in sorted(ROOT.glob("examples/*/expected/*.verdict.json")):
        yield path, json.loads(path.read_text())
    for path in sorted(ROOT.glob("tests/cases/policy/*.verdict.json")):
        yield path, json.loads(path.read_text())
    for path in sorted(ROOT.glob("tests/cli/*-json.stdout")):
        # A verdict's output (one JSON object with `hash` and `verdict`), whatever its key order;
        # other JSON outputs (verify's facts, test reports) are not verdicts.
        try:
            value = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(value, dict) and "hash" in value and "verdict" in value:
            yield path, value


def main():
    try:
        bootstrap()
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"setup failed: {e}", file=sys.stderr)
        return 2
    import jsonschema

    schema = json.loads((ROOT / "docs/verdict.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures, count, kinds = [], 0, set()
    for path, value in goldens():
        count += 1
        record = value.get("verdict", value)
        kinds.add(record.get("decision"))
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        if errors:
            failures.append(f"{path.relative_to(ROOT)}: {errors[0].message} at {list(errors[0].path)}")
    # The schema must reject what the record never contains.
    sample = json.loads(next(ROOT.glob("examples/*/expected/*.verdict.json")).read_text())
    bad = {
        "unknown field": {**sample, "extra": 1},
        "missing decision": {k: v for k, v in sample.items() if k != "decision"},
        "unknown decision": {**sample, "decision": "maybe"},
        "unknown error code": {**sample, "error": {"code": "oops", "message": "x"}},
        "bad input digest": {**sample, "input": "sha256:XYZ"},
        "unknown fact status": {**sample, "facts": [{"field": "x", "status": "guessed", "how": "x"}]},
        "host failure that allows": {"hash": None, "verdict": {"decision": "allow", "error": {"code": "invalid-request", "message": "x"}}},
        "null hash on a full record": {"hash": None, "verdict": sample},
    }
    for what, record in bad.items():
        if validator.is_valid(record):
            failures.append(f"the schema accepts a record with {what}")
    missing = {"allow", "deny", "error", "convert"} - kinds
    if missing:
        failures.append(f"no golden covers decision(s) {sorted(missing)}")
    for line in failures:
        print(line)
    print(f"{count} goldens checked against docs/verdict.schema.json, {len(bad)} negative checks: {'FAIL' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
