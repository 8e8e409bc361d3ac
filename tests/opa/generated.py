"""The generative differential: generated policies × generated inputs, verdict against OPA.

Run from tests/opa/differential.py (`--generated N --seed S`, `--only generated`); see
tests/opa/README.md. Cases come from tests/opa/generate.py. verdict evaluates them all in one
process (crates/policy/examples/eval_cases.rs); OPA in-process through the bindings, patched
non-strict, with Buildx's allow-list applied here (a call of a builtin outside it is a compile
error, as Buildx's capabilities make it) and Buildx's decision rules. Each divergence is given
a kind, shrunk to a minimal case and written as a policy case TOML.
"""

import concurrent.futures
import hashlib
import itertools
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import differential as d
import generate

KNOWN = d.ROOT / "tests/opa/generated-known.tsv"
# The evaluation time of every generated case (time.now_ns()).
NOW_NS = 1_767_225_600_000_000_000
NOW = "2026-01-01T00:00:00Z"
POLICY_PATH = "Dockerfile.rego"

# Error classes. verdict: the stage eval_cases reports (PolicyEngine::new = compile) and these
# codes, which are compile errors wherever they arise; OPA: a `prepare_error` (its message
# names a `rego_*_error`) or a call outside Buildx's allow-list is a compile error, every
# other failure (a conflict, a non-boolean allow, no decision) an evaluation error.
VERDICT_COMPILE_CODES = {"malformed-policy", "forbidden-builtin", "wrong-package", "malformed-query"}

KINDS = ["fail-open", "fail-closed", "messages", "error-class"]
# Evaluates OPA's side of a shrinking step while verdict evaluates its own.
POOL = concurrent.futures.ThreadPoolExecutor(max_workers=1)


# ---------------------------------------------------------------------------------------
# The two engines.


class LineWorker:
    """A process answering one JSON line per JSON line, restarted when it dies or takes more
    than `timeout` seconds over one case (that case's outcome is a crash or a timeout)."""

    def __init__(self, args, timeout):
        self.args, self.timeout, self.process = args, timeout, None

    def ask(self, message):
        """The answer as a dict, or None with the reason."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", errors="replace", bufsize=1,
            )
            os.set_blocking(self.process.stderr.fileno(), False)
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return None, f"CRASH: {self.stop()}"
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        if not ready:
            self.stop()
            return None, f"TIMEOUT: no answer in {self.timeout} s"
        line = self.process.stdout.readline()
        if not line:
            return None, f"CRASH: {self.stop()}"
        return json.loads(line), ""

    def stop(self):
        """Kills the process; the last line it wrote to stderr."""
        process, self.process = self.process, None
        if process is None:
            return ""
        process.kill()
        process.wait()
        try:
            text = process.stderr.read() or ""
        except (OSError, TypeError):
            text = ""
        last = [line for line in text.splitlines() if line.strip()][-1:] or ["no output"]
        return last[0][:200]


class Verdict:
    """crates/policy/examples/eval_cases.rs, one process for all cases."""

    def __init__(self, timeout):
        print("building cargo build -p verdict-policy --example eval_cases", file=sys.stderr)
        build = subprocess.run(["cargo", "build", "-q", "-p", "verdict-policy", "--example", "eval_cases"], cwd=d.ROOT)
        if build.returncode != 0:
            d.setup_error("cargo build -p verdict-policy --example eval_cases failed")
        self.worker = LineWorker([str(d.TARGET / "debug" / "examples" / "eval_cases")], timeout)

    def run_one(self, case):
        answer, problem = self.worker.ask(request(case))
        if answer is None:
            return ("error-eval", [], problem)
        return outcome_of_verdict(answer)

    def close(self):
        self.worker.stop()


class Opa:
    """OPA in a worker process (this file run with --opa-worker), so that a case that makes
    OPA loop or exhaust memory can be stopped."""

    def __init__(self, timeout):
        self.worker = LineWorker([sys.executable, str(Path(__file__).resolve()), "--opa-worker"], timeout)

    def run_one(self, case):
        answer, problem = self.worker.ask(case)
        if answer is None:
            return ("error-eval", [], problem)
        return tuple(answer)

    def close(self):
        self.worker.stop()


def request(case):
    return {"id": case["id"], "sets": [[[POLICY_PATH, generate.render(case)]]], "input": case["input"], "now_ns": NOW_NS}


def outcome_of_verdict(result):
    """(outcome, messages, detail); outcome allow, deny, convert, error-compile, error-eval."""
    decision = result["decision"]
    if decision != "error":
        return (decision, result["messages"] if decision == "deny" else [], "")
    code = result.get("code") or ""
    compile_error = result.get("stage") == "compile" or code in VERDICT_COMPILE_CODES
    return ("error-compile" if compile_error else "error-eval", [], f"{code}: {result.get('error') or ''}")


def opa_outcome(opa, case):
    """(outcome, messages, detail) under OPA with Buildx's rules (in the worker)."""
    OpaEngine, OpaError, OpaUndefinedError = opa
    if case["forbidden"]:
        return ("error-compile", [], f"rego_type_error: undefined function {case['forbidden'][0]} (not in Buildx's capabilities)")
    engine = OpaEngine()
    try:
        for name, arity in d.CUSTOM_FUNCTIONS.items():
            engine.register_function(name, d._unavailable(name), arity=arity)
        engine.register_function(d.NOW_FUNCTION, lambda: NOW_NS, arity=0)
        engine.add_policy(POLICY_PATH, d.rewrite_now(generate.render(case)))
        engine.add_policy(d.HELPER_PATH, HELPER_SOURCE)
        value = engine.eval_document("docker.decision", case["input"])
    except OpaUndefinedError:
        return ("error-eval", [], "policy returned zero result")
    except OpaError as e:
        detail = " ".join(f"{e.code}: {e.message}".split())[:300]
        compile_error = e.code == "prepare_error" or "rego_" in e.message
        return ("error-compile" if compile_error else "error-eval", [], detail)
    finally:
        engine.close()
    decision, messages, detail = d.buildx_decision(value)
    return ("error-eval" if decision == "error" else decision, messages, detail)


HELPER_SOURCE = d.HELPER.read_text()


def kind_of(ours, theirs):
    """None when the outcomes agree, else the divergence's kind."""
    a, b = ours[0], theirs[0]
    if a == b and (a != "deny" or ours[1] == theirs[1]):
        return None
    if a in ("allow", "convert") and b not in ("allow", "convert"):
        return "fail-open"
    if b in ("allow", "convert") and a not in ("allow", "convert"):
        return "fail-closed"
    if a == b == "deny":
        return "messages"
    return "error-class"


# ---------------------------------------------------------------------------------------
# Shrinking.


def candidates(case):
    """Smaller variants of `case`, most reducing first."""
    for key in ("conds", "values", "rules"):
        if len(case[key]) > 1:
            c = clone(case)
            c[key] = []
            yield c
    if case["input"]:
        c = clone(case)
        c["input"] = {}
        yield c
    for key in ("rules", "conds", "values", "allow"):
        for i in range(len(case[key])):
            c = clone(case)
            del c[key][i]
            yield c
    for i, body in enumerate(case["allow"]):
        for j in range(len(body)):
            c = clone(case)
            del c["allow"][i][j]
            yield c
    if case["denied"]:
        c = clone(case)
        c["denied"] = False
        yield c
    if case["rego_v1"]:
        c = clone(case)
        c["rego_v1"] = False
        yield c
    if case["style"] != "default":
        c = clone(case)
        c["style"] = "default"
        yield c
    for path in input_paths(case["input"]):
        c = clone(case)
        parent = c["input"]
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
        yield c
    for i, (fmt, expr) in enumerate(case["values"]):
        if fmt == "json":
            c = clone(case)
            c["values"][i][0] = "sprintf"
            yield c


def input_paths(value, prefix=()):
    """Paths of the input's object members and array items, outermost first."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(prefix + (k,))
        for k, v in value.items():
            out += input_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i in reversed(range(len(value))):
            out.append(prefix + (i,))
        for i, v in enumerate(value):
            out += input_paths(v, prefix + (i,))
    return out


def clone(case):
    return json.loads(json.dumps(case))


def shrink(case, kind, ours, theirs, verdict, opa, budget=300):
    """Greedily removes pieces while the divergence keeps its kind and its cause (both sides'
    outcome classes and error types); returns the smallest case found and its two outcomes."""
    want = (kind, cause(ours, theirs))
    steps = 0
    progress = True
    while progress and steps < budget:
        progress = False
        for smaller in candidates(case):
            steps += 1
            if steps > budget:
                break
            theirs_job = POOL.submit(opa.run_one, smaller)
            a = verdict.run_one(smaller)
            b = theirs_job.result()
            if (kind_of(a, b), cause(a, b)) == want:
                case, ours, theirs, progress = smaller, a, b, True
                break
    return case, ours, theirs


def signature(case, kind):
    """A stable key of a shrunk divergence: class, kind and a hash of the policy and input."""
    text = generate.render(case) + "\n" + json.dumps(case["input"], sort_keys=True)
    return f"{case['class']}\t{kind}\t{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def toml_string(text):
    if "'''" not in text and not text.endswith("'"):
        return "'''\n" + text + "'''" if "\n" in text else f"'''{text}'''"
    return json.dumps(text, ensure_ascii=False)


def policy_case_toml(case, kind, ours, theirs):
    """The shrunk case in tests/cases/policy/*.toml form, `[want]` = OPA's outcome."""
    note = (
        f"generated ({case['id']}, class {case['class']}): {kind}; OPA gives {describe(theirs)}, "
        f"verdict gave {describe(ours)}"
    )
    lines = [f"note = {json.dumps(note, ensure_ascii=False)}", f"input = {toml_string(json.dumps(case['input'], ensure_ascii=False))}", "", "[want]"]
    outcome = theirs[0]
    if outcome.startswith("error"):
        lines.append('decision = "error"')
        if outcome == "error-compile":
            lines.append('error = "forbidden-builtin"' if case["forbidden"] else 'error = "malformed-policy"')
        else:
            detail = theirs[2]
            code = (
                "undefined-decision" if "zero result" in detail
                else "invalid-decision" if detail.startswith(("decision is", "allow is not", "bad caps"))
                else "evaluation-failed"
            )
            lines.append(f'error = "{code}"')
    else:
        lines.append(f'decision = "{outcome}"')
        if outcome == "deny":
            lines.append(f"messages = {json.dumps(theirs[1], ensure_ascii=False)}")
    lines += ["", "[[module]]", f'path = "{POLICY_PATH}"', f"source = {toml_string(generate.render(case))}", ""]
    return "\n".join(lines)


def describe(outcome):
    text = outcome[0] + (f" {json.dumps(outcome[1], ensure_ascii=False)}" if outcome[1] else "")
    return text + (f" ({outcome[2]})" if outcome[2] else "")


# ---------------------------------------------------------------------------------------


def load_known():
    """generated-known.tsv: case id, kind, why (and optionally the pinning case)."""
    known = {}
    if not KNOWN.exists():
        return known
    for number, line in enumerate(KNOWN.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in (3, 4) or not all(f.strip() for f in fields):
            d.setup_error(f"{KNOWN}:{number}: want tab-separated fields: case id, kind, why[, pinning case]")
        if fields[1] not in KINDS:
            d.setup_error(f"{KNOWN}:{number}: kind {fields[1]!r} is not one of {', '.join(KINDS)}")
        known[f"{fields[0]}\t{fields[1]}"] = fields[2]
    return known


OPA_ERROR_TYPE = re.compile(r"rego_[a-z_]+_error|eval_[a-z_]+_error|CRASH|TIMEOUT")


def cause(ours, theirs):
    """A coarse name for why two outcomes differ: each side's outcome and error type (verdict's
    error code; OPA's error type, or Buildx's decision check that failed)."""

    def side(outcome, opa):
        if not outcome[0].startswith("error"):
            return outcome[0]
        if opa:
            found = OPA_ERROR_TYPE.findall(outcome[2])
            what = found[0] if found else outcome[2].split(":")[0][:40]
        else:
            what = outcome[2].split(":")[0]
            where = re.search(r"panicked at (?:[^ ]*/)?([^/ ]+:\d+)", outcome[2])
            if where:
                what += f" at {where.group(1)}"
        return f"{outcome[0]}:{what}"

    return f"verdict {side(ours, False)} / opa {side(theirs, True)}"


def run(count, seed, out_dir=None, save=False, verbose=False, shrink_budget=300, shrink_max=30, timeout=10,
        classes=generate.CLASSES):
    """Runs `count` generated cases of `classes`; returns True when the run fails."""
    started = time.monotonic()
    cases = generate.generate(seed, count, classes)
    prefix = cases[0]["id"].split("-")[0] + "-" if cases else f"s{seed}-"
    verdict, opa = Verdict(timeout), Opa(timeout)

    # The two engines run side by side, each in its own process.
    def timed(engine, name):
        t0, out = time.monotonic(), []
        for i, c in enumerate(cases, 1):
            out.append(engine.run_one(c))
            if i % 10000 == 0:
                print(f"  {name}: {i} of {len(cases)} cases ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
        return out, time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        ours_job, theirs_job = pool.submit(timed, verdict, "verdict"), pool.submit(timed, opa, "OPA")
        (ours_all, t_verdict), (theirs_all, t_opa) = ours_job.result(), theirs_job.result()

    table = {cls: {"cases": 0, "agree": 0, **{k: 0 for k in KINDS}} for cls in classes}
    outcomes, causes = {}, {}
    divergences = []
    for case, ours, theirs in zip(cases, ours_all, theirs_all):
        row = table[case["class"]]
        row["cases"] += 1
        outcomes[theirs[0]] = outcomes.get(theirs[0], 0) + 1
        kind = kind_of(ours, theirs)
        if kind is None:
            row["agree"] += 1
        else:
            row[kind] += 1
            divergences.append((case, kind, ours, theirs))
            key = (kind, cause(ours, theirs))
            causes[key] = causes.get(key, 0) + 1

    known = load_known()
    unlisted = [v for v in divergences if f"{v[0]['id']}\t{v[1]}" not in known]
    fail_open = [v for v in divergences if v[1] == "fail-open"]
    # A fail-open fails the run whatever the known list says (issue 12): verdict must never
    # allow what Buildx denies.
    found = {f"{v[0]['id']}\t{v[1]}" for v in divergences}
    stale = [k for k in known if k not in found and int(k.split("-")[1].split("\t")[0]) < count and k.startswith(prefix)]

    # Shrink the divergences that fail the run (fail-open first), at most `shrink_max`.
    out_dir = Path(out_dir) if out_dir else d.TARGET / "opa-gen"
    out_dir.mkdir(parents=True, exist_ok=True)
    # Every divergence of this run, for reading (and for rebuilding the known list).
    (out_dir / "divergences.json").write_text(json.dumps([
        {"id": c["id"], "class": c["class"], "kind": k, "cause": cause(a, b),
         "verdict": describe(a)[:300], "opa": describe(b)[:300]}
        for c, k, a, b in divergences
    ], ensure_ascii=False, indent=1))
    for stale_file in out_dir.glob("gen-*.toml"):
        stale_file.unlink()  # the previous run's
    # One of each (kind, cause) first, fail-open first, then a second of each, and so on, so
    # that the shrunk cases show every cause.
    groups = {}
    for v in sorted({id(v): v for v in fail_open + unlisted}.values(), key=lambda v: KINDS.index(v[1])):
        groups.setdefault((v[1], cause(v[2], v[3])), []).append(v)
    to_shrink = [v for rank in itertools.zip_longest(*groups.values()) for v in rank if v is not None]
    t0 = time.monotonic()
    shrunk = {}
    for case, kind, ours, theirs in to_shrink[:shrink_max]:
        small, a, b = shrink(case, kind, ours, theirs, verdict, opa, shrink_budget)
        key = signature(small, kind)
        entry = shrunk.setdefault(key, {"case": small, "kind": kind, "ours": a, "theirs": b, "ids": []})
        entry["ids"].append(case["id"])
    verdict.close()
    opa.close()
    t_shrink = time.monotonic() - t0
    for key, entry in shrunk.items():
        name = f"gen-{entry['case']['class']}-{key.split(chr(9))[2]}"
        text = policy_case_toml(entry["case"], entry["kind"], entry["ours"], entry["theirs"])
        (out_dir / f"{name}.toml").write_text(text)
        if save:
            (d.ROOT / "tests/cases/policy" / f"{name}.toml").write_text(text)
        entry["file"] = out_dir / f"{name}.toml"

    print(f"\ngenerated differential: seed {seed}, {count} cases (OPA outcomes: "
          + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) + ")")
    print(f"{'class':<15} {'cases':>6} {'agree':>6} " + " ".join(f"{k:>11}" for k in KINDS))
    total = {"cases": 0, "agree": 0, **{k: 0 for k in KINDS}}
    for cls, row in table.items():
        for k in total:
            total[k] += row[k]
        print(f"{cls:<15} {row['cases']:>6} {row['agree']:>6} " + " ".join(f"{row[k]:>11}" for k in KINDS))
    print(f"{'all':<15} {total['cases']:>6} {total['agree']:>6} " + " ".join(f"{total[k]:>11}" for k in KINDS))
    print("divergences by kind and cause:")
    for (kind, why), n in sorted(causes.items(), key=lambda kv: (KINDS.index(kv[0][0]), -kv[1])):
        print(f"  {n:>6}  {kind:<11} {why}")
    for key, entry in sorted(shrunk.items(), key=lambda kv: (KINDS.index(kv[1]["kind"]), kv[0])):
        mark = "FAIL-OPEN" if entry["kind"] == "fail-open" else "DIFFER"
        print(f"{mark:<9} {entry['case']['class']} {entry['kind']}, shrunk from {', '.join(entry['ids'][:5])}"
              f"{' …' if len(entry['ids']) > 5 else ''}: {entry['file'].relative_to(d.ROOT) if entry['file'].is_relative_to(d.ROOT) else entry['file']}")
        print(f"          verdict: {describe(entry['ours'])[:300]}")
        print(f"          opa:     {describe(entry['theirs'])[:300]}")
        body = generate.render(entry["case"]).replace("\n", "\n          | ")
        print(f"          | {body}input: {json.dumps(entry['case']['input'], ensure_ascii=False)[:300]}")
    stuck = [f"{c['id']} ({'verdict' if 'CRASH' in a[2] or 'TIMEOUT' in a[2] else 'OPA'}: {(a[2] if 'CRASH' in a[2] or 'TIMEOUT' in a[2] else b[2])[:80]})"
             for c, a, b in zip(cases, ours_all, theirs_all) if any(w in a[2] + b[2] for w in ("CRASH", "TIMEOUT"))]
    if stuck:
        print(f"{len(stuck)} cases crashed or timed out: " + "; ".join(stuck[:20]))
    rest = to_shrink[shrink_max:]
    if rest:
        print(f"{len(rest)} more divergences not shrunk (--shrink-max {shrink_max}): "
              + ", ".join(f"{v[0]['id']} {v[1]}" for v in rest[:40]) + (" …" if len(rest) > 40 else ""))
    for key in stale:
        print(f"note: {KNOWN.name} lists {key.replace(chr(9), ' ')}, which now agrees")
    listed = len(divergences) - len(unlisted)
    print(
        f"{len(divergences)} divergences ({len(fail_open)} fail-open, {listed} listed in {KNOWN.name}, "
        f"{len(unlisted)} not listed); {len(to_shrink[:shrink_max])} shrunk to {len(shrunk)} distinct cases in {out_dir}; "
        f"verdict {t_verdict:.1f} s, OPA {t_opa:.1f} s, shrinking {t_shrink:.1f} s, all {time.monotonic() - started:.1f} s"
    )
    if fail_open:
        print(f"{len(fail_open)} fail-open divergences (verdict allows what OPA denies): the run fails")
    return bool(unlisted or fail_open)


def opa_worker():
    """Answers cases read from stdin with OPA's outcomes, one JSON line each."""
    opa = d.load_opa()
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(opa_outcome(opa, json.loads(line))), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--opa-worker"]:
        opa_worker()
