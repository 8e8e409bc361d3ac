#!/usr/bin/env python3
"""Differential test: verdict against OPA's Go engine (the engine Buildx embeds).

Every case of the repository that has Rego policies and a JSON input is evaluated
twice: by the `verdict` CLI (`verdict eval --format json`) and by OPA through the
`opa-golib-python-bindings` package, and the outcomes (allow / deny / error) and the
deny messages are compared. See tests/opa/README.md.

Cases: tests/cases/policy/*.toml, examples/*/cases.toml, the `verdict eval` cases of
tests/cli/cases.toml, and the rows of tests/cases/default-policy/cases.json (the built-in
default policy).

Exit status: 0 when every compared case agrees or differs only as
tests/opa/known-differences.tsv says, 1 on any other difference, 2 on a setup error.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
VENV = TARGET / "opa-venv"

# The bindings are pinned: the non-strict patch below is for this build of the library.
BINDINGS = "opa-golib-python-bindings==0.4.4"
LIB_SHA256 = "8da2cf16edeae1c07e617b9572d2d1c61bad2ead8b620c79fc093be493b0f582"
# The bridge evaluates with rego.StrictBuiltinErrors(true) hard-wired; Buildx never sets it
# (a failing builtin makes its call undefined). The option's closure in the bridge,
# main.evalCommon.func1.StrictBuiltinErrors.3, is `movzbl 0x8(%rdx),%ecx` (load the
# captured bool) then `mov %cl,0x280(%rax)`; the load becomes `xor %ecx,%ecx; xchg %ax,%ax`
# so the option stores false. A probe checks the result before any case runs.
PATCH_OFFSET = 0x9AB7A0
PATCH_FROM = bytes.fromhex("0fb64a08")
PATCH_TO = bytes.fromhex("31c96690")

DEFAULT_NOW = "2026-01-01T00:00:00Z"
DEFAULT_QUERY = "data.docker.decision"
HELPER = ROOT / "crates/policy/src/rego/buildx_defaults.rego"
HELPER_PATH = "builtin/buildx_defaults.rego"
DEFAULT_POLICY = ROOT / "crates/policy/src/rego/default.rego"
KNOWN = ROOT / "tests/opa/known-differences.tsv"

# verdict's custom functions (Buildx's Go functions, BX policy/funcs.go) and the helpers
# built on them. OPA has none of them: they are registered as stubs so that the helper
# module compiles, and a case whose policy calls one is skipped.
CUSTOM_FUNCTIONS = {
    "load_json": 1,
    "verify_git_signature": 2,
    "verify_http_pgp_signature": 3,
    "pin_image": 2,
    "artifact_attestation": 2,
    "github_attestation": 2,
}
CUSTOM_CALLERS = set(CUSTOM_FUNCTIONS) | {"docker_github_builder_bundle", "github_release_attestation"}
NOW_FUNCTION = "verdict_differential_now_ns"


# ---------------------------------------------------------------------------------------
# Setup: the venv and the non-strict library.


def setup_error(message):
    print(f"setup: {message}", file=sys.stderr)
    sys.exit(2)


def in_venv():
    return Path(sys.prefix).resolve() == VENV.resolve()


def bootstrap():
    """Creates the venv when missing and re-executes this script inside it."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"setting up {VENV} ({BINDINGS})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import opa_bindings"], capture_output=True
    )
    if probe.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--ignore-requires-python", BINDINGS],
            check=True,
        )
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def load_opa():
    """Imports the bindings over a non-strict copy of their library."""
    import opa_bindings._native as native

    original = Path(native._LIB_PATH)
    data = bytearray(original.read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != LIB_SHA256:
        setup_error(f"{original} is not the pinned build (sha256 {digest}); reinstall {BINDINGS}")
    if data[PATCH_OFFSET : PATCH_OFFSET + 4] != PATCH_FROM:
        setup_error("the StrictBuiltinErrors closure is not where expected")
    data[PATCH_OFFSET : PATCH_OFFSET + 4] = PATCH_TO
    patched = VENV / "libopabridge-nonstrict.so"
    if not patched.exists() or patched.read_bytes() != data:
        patched.write_bytes(data)
    native._LIB_PATH = patched

    from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

    # Probe: a builtin error is undefined (Buildx), and evaluation still works.
    engine = OpaEngine()
    engine.add_policy(
        "probe.rego",
        'package docker\nx := to_number("abc")\ndecision := {"allow": true, "x": x} if true\n'
        'decision := {"allow": false} if not x\n',
    )
    got = engine.eval_document("docker.decision", {})
    if got != {"allow": False}:
        setup_error(f"the non-strict probe gave {got!r}")
    engine.close()
    return OpaEngine, OpaError, OpaUndefinedError


# ---------------------------------------------------------------------------------------
# Cases.


class Case:
    def __init__(self, name, sets, input_text, now=DEFAULT_NOW, query=None):
        self.name = name
        self.sets = sets  # [[(path, source)]]
        self.input_text = input_text
        self.now = now
        self.query = query
        self.skip = None


def policy_cases():
    for path in sorted((ROOT / "tests/cases/policy").glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        modules = {m["path"]: m["source"] for m in spec["module"]}
        names = spec.get("sets")
        if names is None:
            names = [[m["path"] for m in spec["module"]]]
        sets = [[(p, modules[p]) for p in s] for s in names]
        case = Case(f"policy/{path.stem}", sets, spec["input"], spec.get("now", DEFAULT_NOW), spec.get("query"))
        if not sets:
            case.skip = "no policy set: a request verdict rejects before any Rego (Buildx: no sets, allow)"
        yield case


def built_input(binary, directory, item):
    """The input verdict builds for a `[[check]]` case (`verdict eval --print`), as text."""
    args = [str(binary), "eval", "--print", item["source"], "--platform", item.get("platform", "linux/amd64")]
    if "evidence" in item:
        args += ["--evidence", str(directory / item["evidence"])]
    else:
        # The case is about the source's name alone (as the examples run it): nothing fetched.
        args += ["--offline"]
    if "trusted_root" in item:
        args += ["--trusted-root", str(directory / item["trusted_root"])]
    run = subprocess.run(args, capture_output=True, text=True, cwd=directory)
    if run.returncode != 0:
        return None, (run.stderr or run.stdout).strip()[:200]
    return run.stdout, None


def example_cases(binary):
    default_source = (ROOT / "crates/policy/src/rego/default.rego").read_text()
    for spec_path in sorted(ROOT.glob("examples/*/cases.toml")):
        directory = spec_path.parent
        spec = tomllib.loads(spec_path.read_text())
        sets = [[(p, (directory / p).read_text()) for p in spec["policies"]]] if spec["policies"] else []
        for item in spec.get("check", []):
            files = item.get("policies")
            check_sets = [[(p, (directory / p).read_text()) for p in files]] if files else list(sets)
            if item.get("default_policy"):
                check_sets.insert(0, [("default.rego", default_source)])
            text, problem = built_input(binary, directory, item)
            case = Case(
                f"examples/{directory.name}/check/{item['name']}",
                check_sets,
                text or "{}",
                item.get("now", spec.get("now", DEFAULT_NOW)),
            )
            if problem:
                case.skip = f"verdict builds no input: {problem}"
            yield case
        for item in spec.get("case", []):
            stem = Path(item["input"]).stem
            yield Case(
                f"examples/{directory.name}/{stem}",
                sets,
                (directory / item["input"]).read_text(),
                spec.get("now", DEFAULT_NOW),
            )


def cli_cases():
    """`verdict eval` cases of tests/cli/cases.toml (policy files, input file, time)."""
    spec = tomllib.loads((ROOT / "tests/cli/cases.toml").read_text())
    for item in spec["case"]:
        args = list(item["args"])
        if not args or args[0] != "eval":
            continue
        sets, input_path, now, query, verdict_only = [], None, DEFAULT_NOW, None, []
        rest = iter(args[1:])
        for arg in rest:
            if arg in ("-p", "--policy"):
                sets.append(next(rest).split(","))
            elif arg in ("-i", "--input"):
                input_path = next(rest)
            elif arg == "--now":
                now = next(rest)
            elif arg == "--query":
                query = next(rest)
            elif arg in ("--fuel", "--max-memory", "--max-steps", "--timeout", "--bundle", "--trusted-root"):
                verdict_only.append(arg)
                next(rest)
            elif arg == "--format":
                next(rest)
        files = [p for s in sets for p in s] + ([input_path] if input_path else [])
        try:
            parse_now_ns(now)
        except ValueError:
            continue  # a usage error of the CLI, not a policy case
        if not sets or input_path is None or not all((ROOT / f).is_file() for f in files):
            continue  # a usage or I/O error of the CLI, not a policy case
        case = Case(
            f"cli/{item['name']}",
            [[(p, (ROOT / p).read_text()) for p in s] for s in sets],
            (ROOT / input_path).read_text(errors="replace"),
            now,
            query,
        )
        if "--bundle" in verdict_only or "--trusted-root" in verdict_only:
            case.skip = "--bundle: evidence verified inside verdict replaces input.signatures; OPA sees only the file"
        elif verdict_only:
            case.skip = f"{', '.join(verdict_only)}: a sandbox limit of verdict's, with no OPA counterpart"
        yield case


def default_policy_cases():
    table = json.loads((ROOT / "tests/cases/default-policy/cases.json").read_text())
    sets = [[("builtin/default.rego", DEFAULT_POLICY.read_text())]]
    for row in table["cases"]:
        yield Case(f"default-policy/{row['name']}", sets, json.dumps(row["input"]))


CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def custom_calls(case):
    called = set()
    for modules in case.sets:
        for _, source in modules:
            code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
            called |= {m.group(1) for m in CALL.finditer(code)} & CUSTOM_CALLERS
    return sorted(called)


# ---------------------------------------------------------------------------------------
# verdict.


def verdict_binary(explicit):
    if explicit:
        if not Path(explicit).is_file():
            setup_error(f"--verdict {explicit}: no such file")
        return Path(explicit)
    binary = TARGET / "debug" / "verdict"
    if not binary.exists():
        print("building the verdict CLI: cargo build -p verdict-host", file=sys.stderr)
        if subprocess.run(["cargo", "build", "-p", "verdict-host"], cwd=ROOT).returncode != 0:
            setup_error("cargo build -p verdict-host failed")
    return binary


def run_verdict(binary, case, workdir):
    """Returns ("allow"|"deny"|"error", messages, detail)."""
    here = Path(tempfile.mkdtemp(dir=workdir))
    args = [str(binary), "eval", "--format", "json", "--now", case.now]
    for index, modules in enumerate(case.sets):
        files = []
        for path, source in modules:
            file = here / f"set{index}" / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(source)
            files.append(str(file))
        args += ["-p", ",".join(files)]
    (here / "input.json").write_text(case.input_text)
    args += ["-i", str(here / "input.json")]
    if case.query is not None:
        args += ["--query", case.query]
    run = subprocess.run(args, capture_output=True, text=True)
    try:
        verdict = json.loads(run.stdout)["verdict"]
    except (ValueError, KeyError, TypeError):
        return "error", [], f"exit {run.returncode}: {(run.stdout + run.stderr).strip()[:200]}", []
    decision = verdict.get("decision")
    error = verdict.get("error") or {}
    detail = f"{error.get('code', '')}: {error.get('message', '')}" if error else ""
    return decision, verdict.get("messages") or [], detail, verdict.get("prints") or []


# ---------------------------------------------------------------------------------------
# OPA, with Buildx's decision rules (BX policy/validate.go).


def rewrite_now(source):
    """OPA's clock replaced by the pinned time: every call, and every `with` that replaces it."""
    source = re.sub(r"\btime\.now_ns\(\s*\)", f"{NOW_FUNCTION}()", source)
    return re.sub(r"\bwith\s+time\.now_ns\b", f"with {NOW_FUNCTION}", source)


def parse_now_ns(text):
    from datetime import datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def buildx_decision(value):
    if not isinstance(value, dict):
        return "error", [], f"decision is {type(value).__name__}"
    allow = value.get("allow", False)
    if not isinstance(allow, bool):
        return "error", [], "allow is not a boolean"
    caps = value.get("caps")
    if caps is not None:
        if not isinstance(caps, dict) or any(
            k != "exec.proxy" or not isinstance(v, bool) for k, v in caps.items()
        ):
            return "error", [], "bad caps"
    messages = value.get("deny_msg")
    messages = [m for m in messages if isinstance(m, str)] if isinstance(messages, list) else []
    return ("allow" if allow else "deny"), messages, ""


def run_opa(opa, case):
    """Returns ("allow"|"deny"|"error", messages, detail, prints)."""
    prints = []
    decision, messages, detail = _run_opa(opa, case, prints)
    return decision, messages, " ".join(detail.split()), prints


def _run_opa(opa, case, prints):
    OpaEngine, OpaError, OpaUndefinedError = opa
    query = (case.query or DEFAULT_QUERY).strip()
    if not query.startswith("data."):
        return "error", [], f"query {query!r} is not a data reference"
    try:
        input_value = json.loads(case.input_text)
    except ValueError as e:
        return "error", [], f"input: {e}"
    now_ns = parse_now_ns(case.now)
    for modules in case.sets:
        engine = OpaEngine()
        engine.print_handler = lambda message, _location: prints.append(message)
        try:
            for name, arity in CUSTOM_FUNCTIONS.items():
                engine.register_function(name, _unavailable(name), arity=arity)
            engine.register_function(NOW_FUNCTION, lambda: now_ns, arity=0)
            for path, source in modules:
                engine.add_policy(path, rewrite_now(source))
            engine.add_policy(HELPER_PATH, HELPER.read_text())
            value = engine.eval_document(query[len("data.") :], input_value)
        except OpaUndefinedError:
            return "error", [], "policy returned zero result"
        except OpaError as e:
            return "error", [], f"{e.code}: {e.message}"[:300]
        finally:
            engine.close()
        decision = buildx_decision(value)
        if decision[0] != "allow":
            return decision
    return "allow", [], ""


def _unavailable(name):
    def stub(*_args):
        raise RuntimeError(f"{name} is not available under OPA here")

    return stub


# ---------------------------------------------------------------------------------------
# Buildx's own default policy against ours, under OPA (optional).


def sweep_default_policy(opa, buildx_file):
    """Evaluates Buildx's policy/default.rego and ours on the truth-table rows and on a
    grid of tags × signature refs × repositories; returns the number of differences."""
    OpaEngine, OpaError, _ = opa

    def engine(source):
        e = OpaEngine()
        for name, arity in CUSTOM_FUNCTIONS.items():
            e.register_function(name, _unavailable(name), arity=arity)
        e.add_policy("default.rego", source)
        e.add_policy(HELPER_PATH, HELPER.read_text())
        return e

    theirs = engine(Path(buildx_file).read_text())
    ours = engine(DEFAULT_POLICY.read_text())

    def decide(e, value):
        try:
            return e.eval_document("docker.decision", value)
        except OpaError as err:
            return f"error {err.code}"

    inputs = [row["input"] for row in json.loads((ROOT / "tests/cases/default-policy/cases.json").read_text())["cases"]]
    tags = [
        "latest", "labs", "master", "0", "1", "2", "10", "01", "1.9", "1.10", "1.20", "1.21", "1.22",
        "2.0", "1.021", "1.999999", "1.21.0", "1.21.3", "1.10.0", "1.21.0-labs", "1-labs",
        "1.21-labs", "1.20-labs", "1.21.0-labs-labs", "1.21.0.0", "1.21.0-rc1", "v0.8", "v0.26.9",
        "v0.27", "v0.27.0", "v0.27.0-rc1", "v0.31.2", "v0.31.2-rootless", "v0.31.2-ubuntu",
        "v0.31.2-gpu", "v0.31.0-rc1-rootless", "v00.27.0", "v0.100.0", "v1.0.0", "buildx-stable-1",
        "buildx-stable-12-gpu", "buildx-stable-1-rootless", "buildx-stable-x", "nightly",
        "nightly-ubuntu", "master-cache", "rootless", "latest-ubuntu", "docker-20.10.3",
        "\uff11.21", "",
    ]
    refs = [
        None, "refs/heads/master", "refs/tags/dockerfile/1.21.0", "refs/tags/dockerfile/1.21.0-labs",
        "refs/tags/dockerfile/1", "refs/tags/dockerfile/1-labs", "refs/tags/dockerfile/1.21",
        "refs/tags/dockerfile/1.22.0", "refs/tags/dockerfile/2.0.0", "refs/tags/dockerfile/1.999999",
        "refs/tags/dockerfile/1.21.0-labs-labs", "refs/tags/dockerfile/01.21.0", "refs/tags/1.10.0",
        "refs/tags/1.10-labs", "refs/tags/1.21.0", "refs/tags/2.3.4", "refs/tags/1", "refs/tags/0.9.1",
        "refs/tags/v0.27.0", "refs/tags/v0.27.0-rc1", "refs/tags/v0.31.2", "refs/tags/v0.31.2-rootless",
        "refs/tags/v1.0.0",
    ]
    repos = ["docker/dockerfile", "docker/dockerfile-upstream", "docker/buildkit-syft-scanner", "moby/buildkit", "library/alpine"]
    signers = ["moby/buildkit", "docker/buildkit-syft-scanner", "docker/dockerfile"]
    for repo in repos:
        for tag in tags:
            image = {"ref": f"docker.io/{repo}:{tag}", "host": "docker.io", "repo": repo, "fullRepo": f"docker.io/{repo}", "hasProvenance": True}
            if tag:
                image["tag"] = tag
            inputs.append({"image": dict(image)})
            for ref in refs:
                for signer_repo in signers:
                    signer = {
                        "certificateIssuer": "CN=sigstore-intermediate,O=sigstore.dev",
                        "subjectAlternativeName": "",
                        "issuer": "https://token.actions.githubusercontent.com",
                        "runnerEnvironment": "github-hosted",
                        "sourceRepositoryURI": f"https://github.com/{signer_repo}",
                    }
                    if ref:
                        signer["sourceRepositoryRef"] = ref
                    signature = {
                        "kind": "docker-github-builder",
                        "type": "bundle-v0.3",
                        "timestamps": [{"type": "Tlog", "uri": "https://rekor.sigstore.dev", "timestamp": "2026-01-01T00:00:00Z"}],
                        "signer": signer,
                    }
                    inputs.append({"image": {**image, "signatures": [signature]}})
    # verdict on the same inputs, in one process (crates/policy/examples/eval_lines.rs).
    lines = eval_lines_binary()
    run = subprocess.run(
        [str(lines), "builtin/default.rego"],
        input="".join(json.dumps(value) + "\n" for value in inputs),
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        setup_error(f"eval_lines: {run.stderr.strip()}")
    verdicts = [json.loads(line) for line in run.stdout.splitlines()]
    if len(verdicts) != len(inputs):
        setup_error(f"eval_lines answered {len(verdicts)} of {len(inputs)} inputs")

    differences = 0
    for value, verdict in zip(inputs, verdicts):
        a, b = decide(theirs, value), decide(ours, value)
        expected = buildx_decision(a)[:2] if isinstance(a, dict) else ("error", [])
        c = (verdict["decision"], verdict["messages"])
        if a != b or c != expected:
            differences += 1
            if differences <= 10:
                print(f"  differs: {json.dumps(value)}\n    buildx (OPA): {a}\n    ours (OPA):   {b}\n    ours (verdict): {c}")
    print(
        f"default policy sweep: {len(inputs)} inputs, {differences} differ "
        "(Buildx's default.rego under OPA vs ours under OPA and under verdict)"
    )
    return differences


# ---------------------------------------------------------------------------------------
# glob.match and glob.quote_meta against OPA (gobwas/glob), on generated cases.

GLOB_POLICY = """package docker
results := [r | some c in input.cases; r := [x | x := glob.match(c.pattern, c.delimiters, c.value)]]
quoted := [glob.quote_meta(p) | some p in input.quote]
decision := {"allow": false, "deny_msg": [json.marshal({"results": results, "quoted": quoted})]}
"""
GLOB_PIECES = [
    "a", "b", "c", ".", "/", "-", ",", "!", "é", "ab", "*", "**", "?", "[a-c]", "[!a]", "[ab]", "[!.]",
    "[!/.]", "[a-a]", "[é-ü]", "[!a-b]", "[-a]", "[!!]", "[\\]]", "{a,b}", "{,a}", "{a,{b,c}}", "{a*,b}",
    "{?,ab}", "{[!a],b}", "{a,}", "{.,/}", "\\*", "\\{", "\\,", "}", "]",
]
# Rarer: unbalanced or malformed pieces (errors), NUL, and gobwas's odd corners.
GLOB_ODD_PIECES = ["***", "[b-a]", "[", "{", "\\", "[a-]", "[]", "[!]", "[a-c0]", "\u0000", "{}"]
GLOB_DELIMITERS = [None, [], ["."], ["/"], [".", "/"], ["a"], ["-", "é"]]
GLOB_BAD_DELIMITERS = [["ab"], [1], "x", [""]]
GLOB_ALPHABET = ["a", "b", "c", ".", "/", "-", ",", "é", "ü", "!", "*", "{", "]"]


def glob_cases(count, seed):
    import random

    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        pattern = "".join(
            rng.choice(GLOB_ODD_PIECES if rng.random() < 0.04 else GLOB_PIECES) for _ in range(rng.randint(0, 5))
        )
        if rng.random() < 0.5:
            # A value shaped like the pattern: its specials replaced by characters.
            value = "".join(
                rng.choice(GLOB_ALPHABET) * rng.randint(0, 2) if ch in "*?[]{}\\!," else ch
                for ch in pattern
            )
        else:
            value = "".join(rng.choice(GLOB_ALPHABET) for _ in range(rng.randint(0, 5)))
        delimiters = rng.choice(GLOB_BAD_DELIMITERS if rng.random() < 0.03 else GLOB_DELIMITERS)
        cases.append({"pattern": pattern, "delimiters": delimiters, "value": value})
    return cases


def sweep_glob(opa, count=6000, seed=20261204):
    """glob.match / glob.quote_meta on generated patterns, verdict against OPA; the number
    of cases that differ."""
    OpaEngine, OpaError, _ = opa
    cases = glob_cases(count, seed)
    quote = sorted({c["pattern"] for c in cases})
    value = {"cases": cases, "quote": quote}
    # One evaluation per case: gobwas panics on some patterns (a Go runtime error, which
    # fails the whole query), and those cases are set apart.
    theirs = {"results": [], "quoted": []}
    panics = []
    engine = OpaEngine()
    try:
        engine.add_policy("glob.rego", GLOB_POLICY)
        for case in cases:
            try:
                got = engine.eval_document("docker.decision", {"cases": [case], "quote": []})
                theirs["results"].append(json.loads(got["deny_msg"][0])["results"][0])
            except OpaError as e:
                if "panic" not in f"{e.code} {e.message}":
                    raise
                panics.append(case)
                theirs["results"].append("panic")
        got = engine.eval_document("docker.decision", {"cases": [], "quote": quote})
        theirs["quoted"] = json.loads(got["deny_msg"][0])["quoted"]
    finally:
        engine.close()
    ours = json.loads(eval_lines_messages(GLOB_POLICY, value)[0])
    known = load_glob_known()
    unexpected, agreed_known, known_count = 0, [], 0
    for case, a, b in zip(cases, ours["results"], theirs["results"]):
        key = glob_key(case)
        if b == "panic":
            continue
        if a == b:
            if key in known:
                agreed_known.append(key)
            continue
        if key in known:
            known_count += 1
            continue
        unexpected += 1
        if unexpected <= 50:
            print(f"  glob differs: {json.dumps(case, ensure_ascii=False)}: verdict {a}, opa {b}")
    for pattern, a, b in zip(quote, ours["quoted"], theirs["quoted"]):
        if a != b:
            unexpected += 1
            print(f"  glob.quote_meta differs: {pattern!r}: verdict {a!r}, opa {b!r}")
    matched = sum(1 for r in theirs["results"] if r == [True])
    undefined = sum(1 for r in theirs["results"] if r == [])
    classes = {}
    for cls in known.values():
        classes[cls] = classes.get(cls, 0) + 1
    print(
        f"glob sweep: {len(cases)} glob.match cases (OPA: {matched} match, {undefined} errors, "
        f"{len(panics)} panics, not compared) and {len(quote)} glob.quote_meta cases: "
        f"{known_count} differ as known ({', '.join(f'{n} {c}' for c, n in sorted(classes.items()))}; "
        f"tests/opa/glob-known.tsv), {unexpected} differ unexpectedly"
    )
    for case in panics[:5]:
        print(f"  OPA panics on {json.dumps(case, ensure_ascii=False)}")
    for key in agreed_known:
        print(f"note: glob-known.tsv lists {key}, which now agrees")
    return unexpected


def glob_key(case):
    return "\t".join(json.dumps(case[k], ensure_ascii=False) for k in ("pattern", "delimiters", "value"))


def load_glob_known():
    known = {}
    for line in (ROOT / "tests/opa/glob-known.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            *key, cls = line.split("\t")
            known["\t".join(key)] = cls
    return known


URLQUERY_POLICY = """package docker
strings := [[[x | x := urlquery.encode(s)], [x | x := urlquery.decode(s)], [x | x := urlquery.decode_object(s)]] |
  some s in input.strings]
objects := [[x | x := urlquery.encode_object(o)] | some o in input.objects]
as_sets := [[x | x := urlquery.encode_object({k: {v | some v in vs}| some k, vs in o})] | some o in input.set_objects]
decision := {"allow": false, "deny_msg": [json.marshal({"strings": strings, "objects": objects, "as_sets": as_sets})]}
"""
URLQUERY_PIECES = [
    "a", "Z", "0", "9", " ", "+", "%", "%2", "%41", "%c3%a9", "%C3", "%zz", "%%", "&", "=", ";", "-", "_", ".", "~",
    "/", "?", "#", "é", "😀", "\u0000", "\t", "\"", "'", "*", "%ff", "&&", "==", "a=b", "k=v&k=w",
    "%E2%82", "%F0%9F%98", "%e2%82%ac", "%80",
]


def urlquery_cases(count, seed):
    import random

    rng = random.Random(seed)

    def text():
        return "".join(rng.choice(URLQUERY_PIECES) for _ in range(rng.randint(0, 6)))

    # Go's ParseQuery limit: 10,000 `&`-separated parts, empty ones included.
    strings = [text() for _ in range(count)] + [
        "&".join(["a=1"] * 10_000), "&".join(["a=1"] * 10_001), "&" * 9_999, "&" * 10_000,
    ]
    objects, set_objects = [], []
    for _ in range(count // 4):
        obj = {}
        for _ in range(rng.randint(0, 4)):
            shape = rng.random()
            if shape < 0.4:
                obj[text()] = text()
            elif shape < 0.9:
                obj[text()] = [text() for _ in range(rng.randint(0, 3))]
            else:
                obj[text()] = rng.choice([1, None, True, {"a": "b"}, ["a", 2]])
        objects.append(obj)
        set_objects.append({text(): [text() for _ in range(rng.randint(0, 3))] for _ in range(rng.randint(0, 3))})
    return {"strings": strings, "objects": objects, "set_objects": set_objects}


def sweep_urlquery(opa, count=3000, seed=20261204):
    """urlquery.* on generated strings and objects, verdict against OPA; the number of
    results that differ."""
    OpaEngine, _, _ = opa
    value = urlquery_cases(count, seed)
    engine = OpaEngine()
    try:
        engine.add_policy("urlquery.rego", URLQUERY_POLICY)
        theirs = json.loads(engine.eval_document("docker.decision", value)["deny_msg"][0])
    finally:
        engine.close()
    ours = json.loads(eval_lines_messages(URLQUERY_POLICY, value)[0])
    differences, results = 0, 0
    for part in ("strings", "objects", "as_sets"):
        inputs = value["set_objects" if part == "as_sets" else part]
        for item, a, b in zip(inputs, ours[part], theirs[part]):
            results += len(a) if part == "strings" else 1
            if a != b:
                differences += 1
                if differences <= 30:
                    shown = json.dumps(item, ensure_ascii=False)
                    print(f"  urlquery differs ({part}): {shown[:200]}: verdict {str(a)[:200]}, opa {str(b)[:200]}")
    print(
        f"urlquery sweep: {len(value['strings'])} strings × encode/decode/decode_object, "
        f"{len(value['objects']) + len(value['set_objects'])} objects × encode_object: {differences} differ"
    )
    return differences


# ---------------------------------------------------------------------------------------
# sprintf (Go's fmt) and regex.* (Go's RE2) against OPA, on generated cases.

SPRINTF_POLICY = """package docker
results := [[x | x := sprintf(c.format, c.args)] | some c in input.cases]
decision := {"allow": false, "deny_msg": [json.marshal(results)]}
"""
SPRINTF_VERBS = list("vdsqxXoObcUeEfFgGtT%!") + ["é"]
SPRINTF_TEXT = ["", "a", "|", " ", "é", "%%", "x%"]
# JSON-input numbers that OPA's text and verdict's value print alike (no exponents: OPA
# keeps "1e-07" as text; nothing beyond 64 bits: regorus reads such input as a float;
# KNOWN-DIFFERENCES #22).
SPRINTF_ARGS = [
    0, 1, -5, 255, 65, 233, 1536, 9007199254740993, 18446744073709551615, 2.0, 1.5, -0.25, 3.14159, 0.001, 123456.789, 1234567.5, 0.1,
    "", "a", "héllo", "a\"b", "\t\u0001", "<&>", "\u00a0", "😀", None, True, False,
    [], [1, "a", None], {}, {"b": [1, {"c": None}], "a": "x"},
]


def sprintf_cases(count, seed):
    import random

    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        fmt = ""
        for _ in range(rng.randint(1, 3)):
            fmt += rng.choice(SPRINTF_TEXT) + "%"
            fmt += "".join(rng.choice("#0+- ") for _ in range(rng.choice([0, 0, 1, 2])))
            if rng.random() < 0.1:
                fmt += rng.choice(["[1]", "[2]", "[3]", "[0]", "[x]", "["])
            if rng.random() < 0.4:
                fmt += rng.choice(["*", str(rng.randint(0, 12))])
            if rng.random() < 0.3:
                fmt += "." + rng.choice(["", "*", str(rng.randint(0, 8))])
            if rng.random() < 0.97:
                fmt += rng.choice(SPRINTF_VERBS)
        args = [rng.choice(SPRINTF_ARGS) for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))]
        cases.append({"format": fmt, "args": args})
    return cases


REGEX_POLICY = """package docker
results := [[
  [x | x := regex.is_valid(c.pattern)],
  [x | x := regex.match(c.pattern, c.value)],
  [x | x := regex.find_n(c.pattern, c.value, -1)],
  [x | x := regex.split(c.pattern, c.value)],
  [x | x := regex.replace(c.value, c.pattern, "<$1|${n}$$>")],
  [x | x := regex.find_all_string_submatch_n(c.pattern, c.value, 3)],
] | some c in input.cases]
decision := {"allow": false, "deny_msg": [json.marshal(results)]}
"""
REGEX_PIECES = [
    "a", "b", "é", "0", "_", " ", "-", ".", "\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "\\b", "\\B",
    "[a-c]", "[^a]", "[\\d.]", "[[:alpha:]]", "[[:^digit:]]", "[]a]", "[a-]", "\\pL", "\\p{Greek}", "\\PN",
    "\\pN", "(", ")", "(?:", "(?i)", "(?s)", "(?m)", "(?U)", "(?P<n>", "(?<n>", "*", "+", "?", "{2}",
    "{1,3}", "{,2}", "{0}", "*?", "^", "$", "\\A", "\\z", "|", "\\Q.*\\E", "\\.", "\\<", "\\x41",
    "\\x{e9}", "\\101", "\\0", "\\t", "\\n",
]
REGEX_ODD_PIECES = ["\\C", "\\e", "\\Z", "\\1", "(?x)", "(?=a)", "{1001}", "[z-a]", "[", "\\", "**", "\\p{Alphabetic}", "(?P<>"]
REGEX_ALPHABET = ["a", "b", "c", "A", "é", "É", "0", "5", "٣", "_", " ", "\n", ".", "-", "k", "K", "\u212a", "ſ", "S", "α"]


def regex_cases(count, seed):
    import random

    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        pattern = "".join(
            rng.choice(REGEX_ODD_PIECES if rng.random() < 0.03 else REGEX_PIECES) for _ in range(rng.randint(0, 6))
        )
        value = "".join(rng.choice(REGEX_ALPHABET) for _ in range(rng.randint(0, 8)))
        cases.append({"pattern": pattern, "value": value})
    return cases


def sweep_builtin(opa, label, policy, cases):
    """One policy over generated cases, verdict against OPA; the number of cases that differ."""
    OpaEngine, _, _ = opa
    engine = OpaEngine()
    try:
        engine.add_policy(f"{label}.rego", policy)
        theirs = json.loads(engine.eval_document("docker.decision", {"cases": cases})["deny_msg"][0])
    finally:
        engine.close()
    ours = json.loads(eval_lines_messages(policy, {"cases": cases})[0])
    differences = 0
    for case, a, b in zip(cases, ours, theirs):
        if a != b:
            differences += 1
            if differences <= 30:
                print(f"  {label} differs: {json.dumps(case, ensure_ascii=False)}: verdict {a}, opa {b}")
    print(f"{label} sweep: {len(cases)} cases: {differences} differ")
    return differences


def sweep_sprintf(opa, count=3000, seed=20261206):
    return sweep_builtin(opa, "sprintf", SPRINTF_POLICY, sprintf_cases(count, seed))


def sweep_regex(opa, count=3000, seed=20261206):
    return sweep_builtin(opa, "regex", REGEX_POLICY, regex_cases(count, seed))


MISC_POLICY = """package docker
results := [[
  [x | x := json.marshal(c.value)],
  [x | x := json.marshal_with_options(c.value, c.options)],
  [x | x := strings.render_template(c.template, c.vars)],
  [x | x := semver.is_valid(c.a)],
  [x | x := semver.compare(c.a, c.b)],
  [x | x := uuid.parse(c.uuid)],
] | some c in input.cases]
decision := {"allow": false, "deny_msg": [json.marshal(results)]}
"""
MISC_VALUES = [
    None, True, False, 0, -7, 1.5, 0.001, 123456789, "", "a", "<&>", "\u2028", "\b\f\u0001\u007f", "é😀",
    [], {}, {"b": 1, "a": [1, "x"]}, {"A": None, "a": {"z": []}},
]
MISC_OPTIONS = [{}, {"pretty": True}, {"pretty": False}, {"indent": "  "}, {"prefix": "> "},
                {"pretty": True, "indent": "", "prefix": "#"}, {"bogus": 1}, {"pretty": 1}]
TEMPLATE_PIECES = [
    "x", " ", "\n", "{{.a}}", "{{.b}}", "{{.b.c}}", "{{.l}}", "{{.m}}", "{{.n}}", "{{.z}}", "{{.missing}}", "{{.}}",
    "{{$}}", "{{range .l}}", "{{range $i, $e := .l}}{{$i}}:{{$e}}", "{{range .m}}", "{{range $k, $v := .m}}{{$k}}",
    "{{if .a}}", "{{if .z}}", "{{if not .a}}", "{{if eq .a \"x\"}}", "{{if eq .n 1}}", "{{if and .a .n}}",
    "{{if or .z .e}}", "{{with .b}}", "{{else}}", "{{else if .n}}", "{{end}}", "{{len .l}}", "{{index .l 1}}",
    "{{index .m \"k\"}}", "{{- .a}}", "{{.a -}}", "{{/* c */}}", "{{\"lit\"}}", "{{1}}", "{{true}}", "{{$x := .a}}{{$x}}",
    "{{.}}", "{{ne .a .e}}",
]
# Functions other than eq ne not and or len index, and pipes, are not provided
# (KNOWN-DIFFERENCES #23): not generated.
TEMPLATE_VARS = [
    {"a": "x", "b": {"c": 1}, "l": [1, "two", None], "m": {"k": "v", "j": 2}, "n": 1, "z": None, "e": ""},
    {"a": "", "b": "str", "l": [], "m": {}, "n": 0, "z": False, "e": [0]},
    {"a": "<no value>", "b": {"c": {"d": [1]}}, "l": [[1], {"x": None}], "m": {"a": {"b": 1}}, "n": 2.5, "z": [], "e": {}},
]
SEMVER_PIECES = ["v", "1", "0", "2", "10", "01", ".", ".", ".", "-", "+", "rc", "alpha", "beta", "x-y", "9", "α", "_"]
UUIDS = [
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "000003e8-a1d2-21ef-8000-325096b39f47", "f47ac10b58cc4372a5670e02b2c3d479",
    "{f47ac10b-58cc-4372-a567-0e02b2c3d479}", "urn:uuid:F47AC10B-58CC-4372-A567-0E02B2C3D479",
    "017f22e2-79b0-7cc3-98c4-dc0c0c07398f", "00000000-0000-0000-0000-000000000000", "6ba7b810-9dad-11d1-e0b4-01c04fd430c8",
    "6ba7b810-9dad-21d1-c0b4-03c04fd430c8", "ffffffff-ffff-1fff-bfff-ffffffffffff", "x", "", "6ba7b810_9dad-11d1-80b4-00c04fd430c8",
]


def misc_cases(count, seed):
    import random

    rng = random.Random(seed)

    def version():
        # No numeric pre-release identifier with a leading zero: OPA's comparison of
        # `1.2.3-01` with `1.2.3-1` never ends (KNOWN-DIFFERENCES #24).
        text = "".join(rng.choice(SEMVER_PIECES) for _ in range(rng.randint(3, 9)))
        return text if "-0" not in text and ".0" not in text.partition("-")[2] else "1.2.3"

    cases = []
    for _ in range(count):
        value = rng.choice(MISC_VALUES)
        if rng.random() < 0.3:
            value = {rng.choice(["k", "é", "<"]): rng.choice(MISC_VALUES) for _ in range(rng.randint(0, 3))}
        cases.append({
            "value": value,
            "options": rng.choice(MISC_OPTIONS),
            "template": "".join(rng.choice(TEMPLATE_PIECES) for _ in range(rng.randint(0, 6))),
            "vars": rng.choice(TEMPLATE_VARS),
            "a": version(),
            "b": version(),
            "uuid": rng.choice(UUIDS),
        })
    return cases


def sweep_misc(opa, count=2000, seed=20261206):
    return sweep_builtin(opa, "json/template/semver/uuid", MISC_POLICY, misc_cases(count, seed))


TEXT_OPA_POLICY = """package docker
results := [[[x | x := json.marshal(FORMAT.unmarshal(t))], [x | x := FORMAT.is_valid(t)]] | some t in input.texts]
"""
TEXT_VERDICT_POLICY = """package docker
decision := {"allow": false, "deny_msg": [json.marshal([[x | x := json.marshal(FORMAT.unmarshal(input.t))], [x | x := FORMAT.is_valid(input.t)]])]}
"""
YAML_MARSHAL_POLICY = """package docker
results := [[x | x := yaml.marshal(c.value)] | some c in input.cases]
decision := {"allow": false, "deny_msg": [json.marshal(results)]}
"""


def flow_root(text):
    """Whether the document's root is a flow collection or a quoted scalar (after blank and
    comment lines): go-yaml stops reading where it closes."""
    for line in text.splitlines():
        line = line.lstrip(" \t\ufeff")
        if not line or line.startswith("#"):
            continue
        return line[0] in "[{'\""
    return False


def sweep_text(opa, form, texts, known=lambda text, mine, other: False):
    """`FORM.unmarshal` and `FORM.is_valid` (FORM `json` or `yaml`) over texts, verdict (one
    evaluation per text: an error is verdict's fail-closed answer, counted, not compared)
    against OPA. Returns (differences, known, errors)."""
    from decimal import Decimal

    OpaEngine, _, _ = opa
    engine = OpaEngine()
    try:
        engine.add_policy(f"{form}.rego", TEXT_OPA_POLICY.replace("FORMAT", form))
        theirs = engine.eval_document("docker", {"texts": texts})["results"]
    finally:
        engine.close()
    with tempfile.TemporaryDirectory() as here:
        policy = Path(here) / "policy.rego"
        policy.write_text(TEXT_VERDICT_POLICY.replace("FORMAT", form))
        lines = "".join(json.dumps({"t": t}) + "\n" for t in texts)
        run = subprocess.run([str(eval_lines_binary()), str(policy)], input=lines, capture_output=True, text=True)
    if run.returncode != 0:
        setup_error(f"eval_lines: {run.stderr.strip()[-2000:]}")
    ours = [json.loads(line) for line in run.stdout.splitlines()]
    if len(ours) != len(texts):
        setup_error(f"eval_lines: {len(ours)} results for {len(texts)} texts")

    def norm(result):
        # Numbers by value: OPA writes a number's text, verdict its value (row 22).
        return [[json.loads(x, parse_float=Decimal, parse_int=Decimal) for x in result[0]], result[1]]

    differences = errors = known_count = 0
    for text, mine, other in zip(texts, ours, theirs):
        if mine["decision"] == "error":
            errors += 1
            continue
        mine = json.loads(mine["messages"][0])
        try:
            same = norm(mine) == norm(other)
        except ArithmeticError:
            same = False
        if same:
            continue
        if known(text, mine, other):
            known_count += 1
            continue
        differences += 1
        if differences <= 30:
            print(f"  {form} differs: {json.dumps(text, ensure_ascii=False)}: verdict {mine}, opa {other}")
    return differences, known_count, errors


def sweep_yaml(opa, count=10000, seed=20261207):
    """`yaml.unmarshal` and `yaml.is_valid` over generated texts (tests/opa/yamlgen.py), and
    `yaml.marshal` over generated values (a quarter as many). A text whose root is a flow
    collection or a quoted scalar with text after it, valid in OPA and not here, is
    KNOWN-DIFFERENCES row 34; any other difference fails."""
    import yamlgen

    differences, known, errors = sweep_text(
        opa, "yaml", yamlgen.texts(count, seed),
        lambda text, mine, other: mine[1] == [False] and other[1] == [True] and flow_root(text),
    )
    print(
        f"yaml sweep: {count} texts: {differences} differ, {known} as KNOWN-DIFFERENCES row 34 "
        f"(text after a flow root), {errors} an error in verdict (fail closed)"
    )
    cases = [{"value": v} for v in yamlgen.values(count // 4, seed)]
    return differences + sweep_builtin(opa, "yaml.marshal", YAML_MARSHAL_POLICY, cases)


JSON_PIECES = ['{', '}', '[', ']', ',', ':', '"a"', '"\\u00e9"', '"\\ud800"', '"\\x"', '1', '-0', '0.5', '1e5', '01',
               '1.', '.5', 'true', 'false', 'null', 'nul', ' ', '\n', '"', '\\', '"\t"', '-', '2e', '1E+2', '"a\\/b"',
               '{"a":1}', '[1,2]', '[]', '{}', '"\u0001"', '12345678901234567890123', '1e400', '0.1e-2']


def sweep_json(opa, count=4000, seed=20261207):
    """`json.unmarshal` and `json.is_valid` over texts put together from JSON pieces (and a few
    deep documents): Go's scanner, OPA's trailing-`null` acceptance, nesting to 10,000 levels."""
    import random

    rng = random.Random(seed)
    texts = ["".join(rng.choice(JSON_PIECES) for _ in range(rng.randint(1, 8))) for _ in range(count)]
    texts += ["[" * 200 + "1" + "]" * 200, '{"bad": true, "p": ' + "[" * 300 + "]" * 300 + "}", "[" * 10001 + "]" * 10001,
              "[" * 100000, '{"bad": true}null', "1 null x", "1 nul"]
    differences, _, errors = sweep_text(opa, "json", texts)
    print(f"json sweep: {len(texts)} texts: {differences} differ, {errors} an error in verdict (fail closed)")
    return differences


def eval_lines_messages(policy_source, value):
    """verdict's deny messages for one policy and one input (eval_lines)."""
    lines = eval_lines_binary()
    with tempfile.TemporaryDirectory() as here:
        policy = Path(here) / "policy.rego"
        policy.write_text(policy_source)
        run = subprocess.run([str(lines), str(policy)], input=json.dumps(value) + "\n", capture_output=True, text=True)
    if run.returncode != 0:
        setup_error(f"eval_lines: {run.stderr.strip()}")
    result = json.loads(run.stdout)
    if result["decision"] != "deny":
        setup_error(f"eval_lines: {result}")
    return result["messages"]


_EVAL_LINES = []


def eval_lines_binary():
    """crates/policy/examples/eval_lines.rs: one policy set, many inputs, one process (built
    once per run, so that it is never stale)."""
    lines = TARGET / "debug" / "examples" / "eval_lines"
    if not _EVAL_LINES:
        print("building cargo build -p verdict-policy --example eval_lines", file=sys.stderr)
        if subprocess.run(["cargo", "build", "-q", "-p", "verdict-policy", "--example", "eval_lines"], cwd=ROOT).returncode != 0:
            setup_error("cargo build -p verdict-policy --example eval_lines failed")
        _EVAL_LINES.append(lines)
    return lines


# ---------------------------------------------------------------------------------------


# The generated differential's CI run (tests/opa/generated.py).
GENERATED_COUNT = 2000
GENERATED_SEED = 20261206


# The `types` class runs as its own stream (ids `t<seed>-<i>`): nested structures whose types
# OPA's checker infers (KNOWN-DIFFERENCES row 10's former ground).
TYPES_COUNT = 1000


def run_generated(opa, args):
    """The generated differential (and the `types` stream); True when it fails."""
    import generated

    failed = False
    if args.generated > 0:
        failed |= generated.run(
            args.generated, args.seed, out_dir=args.gen_out, save=args.save, verbose=args.verbose,
            shrink_budget=args.shrink_budget, shrink_max=args.shrink_max, timeout=args.case_timeout,
        )
    if args.types > 0:
        failed |= generated.run(
            args.types, args.seed, out_dir=args.gen_out, save=args.save, verbose=args.verbose,
            shrink_budget=args.shrink_budget, shrink_max=args.shrink_max, timeout=args.case_timeout,
            classes=generated.generate.TYPE_CLASSES,
        )
    return failed


def load_known():
    known = {}
    for number, line in enumerate(KNOWN.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            setup_error(f"{KNOWN}:{number}: want three tab-separated fields: case, what differs, why")
        known[fields[0]] = (fields[1], fields[2])
    return known


def describe(outcome):
    decision, messages = outcome[0], outcome[1]
    return decision + (f" {json.dumps(messages)}" if messages else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verdict", help="the verdict CLI (default: $CARGO_TARGET_DIR/debug/verdict, built when missing)")
    parser.add_argument("--only", default="", help="run the cases whose name contains this (`generated`: the generated differential only; `yaml`: the YAML sweep only)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel verdict processes (default 2)")
    parser.add_argument("--buildx-default-policy", metavar="FILE", help="also compare Buildx's policy/default.rego (a copy at FILE) with ours under OPA")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the detail of every error outcome")
    parser.add_argument("--generated", type=int, default=GENERATED_COUNT, metavar="N", help=f"generated differential cases (default {GENERATED_COUNT}; 0: none)")
    parser.add_argument("--types", type=int, default=TYPES_COUNT, metavar="N", help=f"generated cases of the `types` stream (default {TYPES_COUNT}; 0: none)")
    parser.add_argument("--seed", type=int, default=GENERATED_SEED, help=f"the generator's seed (default {GENERATED_SEED})")
    parser.add_argument("--gen-out", metavar="DIR", help="where shrunk divergences are written (default $CARGO_TARGET_DIR/opa-gen)")
    parser.add_argument("--save", action="store_true", help="also write shrunk divergences to tests/cases/policy/gen-<class>-<hash>.toml")
    parser.add_argument("--case-timeout", type=float, default=10, metavar="S", help="seconds either engine may take over one generated case (default 10)")
    parser.add_argument("--shrink-budget", type=int, default=300, metavar="N", help="candidates tried per divergence while shrinking (default 300)")
    parser.add_argument("--shrink-max", type=int, default=30, metavar="N", help="divergences shrunk per run, fail-open first (default 30)")
    args = parser.parse_args()

    started = time.monotonic()
    opa = load_opa()
    if args.only == "generated":
        return 1 if run_generated(opa, args) else 0
    if args.only == "yaml":
        return 1 if sweep_yaml(opa) + sweep_json(opa) else 0
    binary = verdict_binary(args.verdict)
    known = load_known()

    every = [*policy_cases(), *example_cases(binary), *cli_cases(), *default_policy_cases()]
    cases = [c for c in every if args.only in c.name]
    for case in cases:
        calls = custom_calls(case)
        if calls and not case.skip:
            case.skip = f"calls {', '.join(calls)}: verdict's Go custom functions are not in OPA"

    workdir = Path(tempfile.mkdtemp(prefix="verdict-opa-"))
    env_cache = TARGET / "verdict-opa-cache"
    os.environ.setdefault("VERDICT_CACHE_DIR", str(env_cache))
    runnable = [c for c in cases if not c.skip]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        verdicts = dict(zip((c.name for c in runnable), pool.map(lambda c: run_verdict(binary, c, workdir), runnable)))
    shutil.rmtree(workdir, ignore_errors=True)

    rows, counts, unexpected, stale = [], {"agree": 0, "known": 0, "DIFFER": 0, "skip": 0}, [], []
    print_differences = 0
    for case in cases:
        if case.skip:
            counts["skip"] += 1
            rows.append((case.name, "-", "-", "skip", case.skip))
            continue
        ours, theirs = verdicts[case.name], run_opa(opa, case)
        same = ours[0] == theirs[0] and (ours[0] != "deny" or ours[1] == theirs[1])
        note = ""
        if same:
            status = "agree"
            if case.name in known:
                stale.append(case.name)
                note = "listed in known-differences.tsv but agrees"
        elif case.name in known:
            status, note = "known", known[case.name][1]
        else:
            status = "DIFFER"
            unexpected.append(case.name)
            note = f"verdict: {ours[2] or '-'} | opa: {theirs[2] or '-'}"
        if args.verbose and not note and (ours[2] or theirs[2]):
            note = f"verdict: {ours[2] or '-'} | opa: {theirs[2] or '-'}"
        if ours[3] != theirs[3]:
            # print() output is not part of the decision; reported, never a failure.
            print_differences += 1
            if args.verbose or status == "agree":
                note = (note + "; " if note else "") + f"prints differ: verdict {ours[3]!r}, opa {theirs[3]!r}"
        counts[status] += 1
        rows.append((case.name, describe(ours), describe(theirs), status, note))

    width = min(max((len(r[0]) for r in rows), default=4), 70)

    def cut(text, size):
        return text if len(text) <= size else text[: size - 1] + "…"

    print(f"{'result':<6}  {'case':<{width}}  {'verdict':<40}  opa")
    for name, ours, theirs, status, note in rows:
        line = f"{status:<6}  {cut(name, width):<{width}}  {cut(ours, 40):<40}  {cut(theirs, 40)}"
        print(line + (f"\n        {note}" if note else ""))
    missing = sorted(set(known) - {c.name for c in cases}) if not args.only else []
    print(
        f"\n{len(cases)} cases: {counts['agree']} agree, {counts['known']} differ as known, "
        f"{counts['DIFFER']} differ unexpectedly, {counts['skip']} skipped; "
        f"{print_differences} with different print() output (reported, not a failure) "
        f"({time.monotonic() - started:.1f} s)"
    )
    for name in stale:
        print(f"note: {name} is in known-differences.tsv but now agrees")
    for name in missing:
        print(f"note: known-differences.tsv names {name}, which is not a case")

    failed = bool(unexpected)
    failed |= sweep_glob(opa) > 0
    failed |= sweep_urlquery(opa) > 0
    failed |= sweep_sprintf(opa) > 0
    failed |= sweep_regex(opa) > 0
    failed |= sweep_misc(opa) > 0
    failed |= sweep_yaml(opa) > 0
    failed |= sweep_json(opa) > 0
    if args.buildx_default_policy:
        failed |= sweep_default_policy(opa, args.buildx_default_policy) > 0
    if not args.only:
        failed |= run_generated(opa, args)
    if unexpected:
        print("unexpected differences: " + ", ".join(unexpected))
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.version_info < (3, 11):
        setup_error("tests/opa/differential.py needs Python 3.11 or later (tomllib)")
    if not in_venv():
        try:
            bootstrap()
        except (OSError, subprocess.CalledProcessError) as e:
            setup_error(f"cannot prepare {VENV}: {e}")
    sys.exit(main())
