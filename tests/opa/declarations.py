#!/usr/bin/env python3
"""Prints OPA's declarations of the builtins verdict types (`DECLARED` in
crates/policy/src/check/types.rs), as OPA v1.20.2 prints them in its type errors.

For each builtin of `SIGNATURES` (less verdict's own functions), a module calls it with every
argument and an output of a type no declaration takes (`{{{null}}}`, then `"s"` for the few
that take sets); the `want:` line of OPA's `rego_type_error` is the declaration, the output's
type last. Run with the bindings differential.py sets up:

    python3 tests/opa/differential.py   # once: it creates target/opa-venv
    target/opa-venv/bin/python tests/opa/declarations.py
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import differential as d  # noqa: E402

VERDICTS_OWN = {"load_json", "verify_git_signature", "verify_http_pgp_signature", "pin_image",
                "artifact_attestation", "github_attestation"}


def signatures():
    text = (d.ROOT / "crates/policy/src/check/types.rs").read_text()
    table = text[text.index("const SIGNATURES"):]
    table = table[:table.index("];\n")]
    for m in re.finditer(r'\("([^"]+)", &\[([^\]]*)\]', table):
        if m.group(1) not in VERDICTS_OWN:
            yield m.group(1), len([a for a in m.group(2).split(",") if a.strip()])


def declaration(opa, name, arity):
    OpaEngine = opa[0]
    for odd in ("{{{null}}}", '"s"'):
        engine = OpaEngine()
        try:
            engine.add_policy("p.rego", f"package p\nx if {{ {name}({', '.join([odd] * (arity + 1))}) }}\n")
            engine.eval_document("p", {})
        except Exception as e:  # the type error wanted
            want = [line.strip() for line in str(getattr(e, "message", e)).splitlines() if line.strip().startswith("want:")]
            if want:
                return want[0][len("want: "):]
        finally:
            engine.close()
    return None


def main():
    opa = d.load_opa()
    for name, arity in signatures():
        found = declaration(opa, name, arity)
        if found is None:
            print(f"{name}: no declaration found", file=sys.stderr)
            return 1
        print(f'    ("{name}", "{found}"),')
    return 0


if __name__ == "__main__":
    sys.exit(main())
