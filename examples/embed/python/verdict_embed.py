"""verdict from Python: the component run by wasmtime-py (PyPI `wasmtime`), no other code.

    python verdict_embed.py COMPONENT.wasm [REPO]   # runs the parity corpus, prints a summary

`Verdict` is the whole embedding: load the component once, compile policy sets once into an
`engine` resource, evaluate or check at any time. The rest runs the repository's policy cases and
examples through it and compares every verdict with its golden (and writes the hashes for the
cross-host summary, web/test/parity-summary.mjs).
"""
import json, pathlib, sys, tomllib
from datetime import datetime
from wasmtime import Config, Engine, Store
from wasmtime.component import Component, Linker, Record


def rec(**fields):
    r = Record()  # WIT records: kebab-case attributes
    for k, v in fields.items():
        setattr(r, k.replace("_", "-"), v)
    return r



def call_options(now_ns):
    """One call's options: its time, no coverage, no limits of the component's own."""
    return rec(now_ns=now_ns, coverage=False, limits=rec(max_steps=None, max_input_bytes=None))

class Verdict:
    def __init__(self, wasm, fuel=20_000_000_000, max_memory=1 << 30):
        config = Config()
        config.consume_fuel = True
        self.engine, self.fuel = Engine(config), fuel
        self.component = Component.from_file(self.engine, str(wasm))
        self.store = Store(self.engine)
        self.store.set_limits(memory_size=max_memory)
        self.store.set_fuel(fuel)
        self.instance = Linker(self.engine).instantiate(self.store, self.component)

    def call(self, interface, name, *args):
        index = self.instance.get_export_index(self.store, f"verdict:policy/{interface}@0.3.0")
        func = self.instance.get_func(self.store, self.instance.get_export_index(self.store, name, index))
        self.store.set_fuel(self.fuel)  # each call its own fuel; a trap needs a new instance
        return func(self.store, *args)

    def engine_of(self, sets, query=None, default_policy=False):
        modules = [[rec(path=p, source=s) for p, s in set_] for set_ in sets]
        return self.call("evaluator", "[constructor]engine", modules, rec(query=query, default_policy=default_policy))

    def trust_root(self, json_bytes=None):
        if json_bytes is None:
            return self.call("verifier", "[static]trust-root.public-good")
        root = self.call("verifier", "[static]trust-root.from-json", json_bytes)
        if isinstance(root, Record):  # result<trust-root, verify-error>: the error case
            raise ValueError(f"trusted root: {getattr(root, 'message')}")
        return root

    def evaluate(self, engine, input_text, now_ns):
        return self.call("evaluator", "[method]engine.evaluate", engine, input_text, call_options(now_ns))

    def check(self, engine, request, trust, now_ns):
        return self.call("evaluator", "[method]engine.check", engine, request, trust, call_options(now_ns))


def request(source, platform, evidence, files):
    """A check-request: the evidence directory as a file listing (any order)."""
    env = rec(args=[], labels=[], filename="Dockerfile", target=None)
    return rec(source=source, platform=platform, env=env, evidence=evidence, files=files)


def listing(directory):
    root = pathlib.Path(directory)
    return [rec(path=p.relative_to(root).as_posix(), content=p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def ns(text):  # RFC 3339 UTC (`…Z`, fraction optional) to nanoseconds
    head, _, frac = text.removesuffix("Z").partition(".")
    return int(datetime.fromisoformat(head + "+00:00").timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9] or 0)


def corpus(repo):
    """(id, golden path, run(verdict) -> verdict record) for every policy case and example item."""
    for path in sorted((repo / "tests/cases/policy").glob("*.toml")):
        case = tomllib.loads(path.read_text())
        mods = {m["path"]: m["source"] for m in case["module"]}
        sets = [[(p, mods[p]) for p in s] for s in case["sets"]] if "sets" in case else [list(mods.items())]
        now = ns(case.get("now", "2026-01-01T00:00:00Z"))

        def run(v, sets=sets, case=case, now=now):
            engine = v.engine_of(sets, case.get("query"))
            try:
                return v.evaluate(engine, case["input"], now)
            finally:
                engine.drop(v.store)
        yield f"policy cases/{path.stem}", path.with_suffix(".verdict.json"), run
    for spec_path in sorted(repo.glob("examples/*/cases.toml")):
        d, spec = spec_path.parent, tomllib.loads(spec_path.read_text())
        default_now = spec.get("now", "2026-01-01T00:00:00Z")
        for c in spec.get("case", []):
            stem = pathlib.Path(c["input"]).stem
            sets = [[(p, (d / p).read_text()) for p in spec["policies"]]]

            def run(v, sets=sets, c=c):
                engine = v.engine_of(sets)
                try:
                    return v.evaluate(engine, (d / c["input"]).read_text(), ns(default_now))
                finally:
                    engine.drop(v.store)
            yield f"examples (case)/{d.name}/{stem}", d / "expected" / f"{stem}.verdict.json", run
        for c in spec.get("check", []):
            def run(v, c=c, d=d):
                names = c.get("policies", spec["policies"])
                sets = [[(pathlib.Path(p).name, (d / p).read_text()) for p in names]] if names else []
                engine = v.engine_of(sets, default_policy=c.get("default_policy", False))
                trust = v.trust_root((d / c["trusted_root"]).read_bytes() if "trusted_root" in c else None)
                evidence = listing(d / c["evidence"]) if "evidence" in c else []
                req = request(c["source"], c.get("platform", "linux/amd64"), evidence, [])
                now = ns(c.get("now", default_now))
                try:
                    for _ in range(10):  # read the build-context files the policy asked for, check again
                        verdict = getattr(v.check(engine, req, trust, now), "verdict")
                        wanted = [f for f in getattr(verdict, "missing-files") if "context" in c and (d / c["context"] / f).is_file()
                                  and all(x.path != f for x in req.files)]
                        if not wanted:
                            return verdict
                        req.files += [rec(path=f, content=(d / c["context"] / f).read_bytes()) for f in wanted]
                    return verdict
                finally:
                    engine.drop(v.store)
                    trust.drop(v.store)
            yield f"examples (check)/{d.name}/{c['name']}", d / "expected" / f"{c['name']}.verdict.json", run


def main():
    wasm, repo = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".")
    v, hashes, different = Verdict(wasm), {}, []
    for case_id, golden, run in corpus(repo):
        verdict = run(v)
        hashes[case_id] = getattr(verdict, "hash")
        if getattr(verdict, "canonical-json") + "\n" != golden.read_text():
            different.append(case_id)
    out = repo / "target" / "parity"
    out.mkdir(parents=True, exist_ok=True)
    doc = {"host": "(f) the component in Python (wasmtime-py)", "hashes": hashes}
    (out / "python-embed.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"python embedding: {len(hashes) - len(different)} of {len(hashes)} verdicts identical to the goldens")
    for case_id in different:
        print(f"  DIFFERENT: {case_id}")
    sys.exit(1 if different or len(hashes) < 100 else 0)


if __name__ == "__main__":
    main()
