"""A seeded generator of Buildx-style policies and Buildx inputs (tests/opa/generated.py).

`generate(seed, count)` returns `count` cases, the same ones for the same seed. A case is a
dict holding the pieces a policy is rendered from (`render`), so that the shrinker can delete
them one at a time:

* `class`: what the case exercises (`CLASSES`);
* `rules`: helper rules and functions, each a Rego text (one or more lines);
* `allow`: the bodies of the `allow` rules, each a list of literals;
* `conds`: literals, each reported as its own deny message `c<i>` when true;
* `values`: `[format, expr]` pairs, each reported as a deny message `v<i>=…` with `expr`'s value
  (`format` is `sprintf` (`%v`) or `json` (`json.marshal`)), so that value differences show
  up as message differences;
* `style`: how `decision` is built (`default` allow false, `bare` allow with no default,
  `split` two decision rules, `array` the messages as a sorted array);
* `rego_v1`: whether `import rego.v1` is written;
* `forbidden`: builtins Buildx's allow-list excludes that the policy calls (Buildx fails to
  compile such a policy; the bindings compile with OPA's whole capability set);
* `input`: the input document, shaped as Buildx's (`omitempty` fields absent).
"""

import json
import random
import re

CLASSES = [
    "negation",
    "membership",
    "comprehension",
    "every-some",
    "defaults",
    "functions",
    "with",
    "builtins",
    "operators",
    "numbers",
    "strings",
    "regex",
    "sprintf",
    "semver",
    "json",
    "compare",
    "compile-errors",
]

# ---------------------------------------------------------------------------------------
# Inputs (BX policy/types.go, docs/buildx-policy-model.md §4; crates/input).

TAGS = ["latest", "1.21", "1", "v0.27.0", "v0.27.0-rc1", "1.21.0-labs", "01", "1.0", "\uff11.21", "é", "a" * 128, "UPPER"]
REPOS = [
    ("docker.io", "docker/dockerfile", "docker.io/docker/dockerfile"),
    ("docker.io", "alpine", "docker.io/library/alpine"),
    ("ghcr.io", "ghcr.io/org/app", "ghcr.io/org/app"),
    ("localhost:5000", "localhost:5000/x", "localhost:5000/x"),
    ("docker.io", "moby/buildkit", "docker.io/moby/buildkit"),
]
DIGEST = "sha256:" + "ab" * 32
PLATFORMS = [("linux/amd64", "linux", "amd64", None), ("linux/arm/v7", "linux", "arm", "v7"), ("windows/amd64", "windows", "amd64", None)]
LABEL_KEYS = ["org.opencontainers.image.version", "org.opencontainers.image.source", "maintainer", "a", "", "é", "A"]
LABEL_VALUES = ["1.0.0", "v1.2.3", "https://github.com/moby/buildkit", "", "é", "1", "0.1", "true", "null", "a,b", " x ", "\u0000", "😀"]
REFS = ["refs/tags/v1.0.0", "refs/heads/main", "refs/tags/dockerfile/1.21.0", "refs/heads/é", "deadbeef" * 5]


def gen_input(rng):
    """A Buildx input: `env` (maybe) and one source."""
    value = {}
    env = {}
    if rng.random() < 0.6:
        env["filename"] = rng.choice(["Dockerfile", "build.Dockerfile", "é"])
    if rng.random() < 0.3:
        env["target"] = rng.choice(["release", "", "test"]) or "x"
    if rng.random() < 0.3:
        env["args"] = {rng.choice(LABEL_KEYS) or "K": rng.choice(LABEL_VALUES) for _ in range(rng.randint(1, 3))}
    if rng.random() < 0.2:
        env["labels"] = {rng.choice(LABEL_KEYS) or "L": rng.choice(LABEL_VALUES) for _ in range(rng.randint(1, 2))}
    if rng.random() < 0.3:
        env["depth"] = rng.choice([1, 2, 24])
    if rng.random() < 0.05:
        env["capsRequest"] = True
    if env:
        value["env"] = env
    kind = rng.random()
    if kind < 0.6:
        value["image"] = gen_image(rng)
    elif kind < 0.8:
        value["git"] = gen_git(rng)
    elif kind < 0.9:
        value["http"] = gen_http(rng)
    else:
        value["local"] = {"name": rng.choice(["context", "dockerfile", "ctx", "_context"])}
    return value


def gen_image(rng):
    host, repo, full = rng.choice(REPOS)
    image = {"host": host, "repo": repo, "fullRepo": full}
    tagged = rng.random() < 0.8
    canonical = rng.random() < 0.3 or not tagged
    ref = full
    if tagged:
        image["tag"] = rng.choice(TAGS)
        ref += ":" + image["tag"]
    if canonical:
        image["isCanonical"] = True
        image["checksum"] = DIGEST
        ref += "@" + DIGEST
    elif rng.random() < 0.5:
        image["checksum"] = DIGEST
    image["ref"] = ref
    platform, os_, arch, variant = rng.choice(PLATFORMS)
    image["platform"] = platform
    image["os"] = os_
    image["arch"] = arch
    if variant:
        image["variant"] = variant
    if rng.random() < 0.4:
        image["labels"] = {rng.choice(LABEL_KEYS): rng.choice(LABEL_VALUES) for _ in range(rng.randint(1, 3))}
    if rng.random() < 0.3:
        image["createdTime"] = rng.choice(["2026-01-01T00:00:00Z", "2025-06-30T12:00:00.5Z", "1970-01-01T00:00:00Z"])
    if rng.random() < 0.2:
        image["env"] = rng.sample(["PATH=/usr/bin", "A=1", "B=", "C=é"], rng.randint(1, 3))
    if rng.random() < 0.15:
        image["user"] = rng.choice(["root", "1000", "nobody"])
    if rng.random() < 0.5:
        image["hasProvenance"] = True
        if rng.random() < 0.4:
            image["provenance"] = {
                "predicateType": "https://slsa.dev/provenance/v1",
                "builderID": "https://github.com/docker/github-builder",
                "configSource": {"uri": "https://github.com/moby/buildkit.git"} if rng.random() < 0.5 else {},
                "buildArgs": {"A": rng.choice(LABEL_VALUES)},
                "reproducible": rng.random() < 0.5,
                "hermetic": False,
            }
    if rng.random() < 0.4:
        signer = {
            "certificateIssuer": "CN=sigstore-intermediate,O=sigstore.dev",
            "subjectAlternativeName": rng.choice(["", "https://github.com/docker/github-builder/.github/workflows/build.yml@refs/heads/main"]),
        }
        if rng.random() < 0.7:
            signer["issuer"] = "https://token.actions.githubusercontent.com"
            signer["sourceRepositoryURI"] = rng.choice(["https://github.com/moby/buildkit", "https://github.com/docker/dockerfile", "https://github.com/x/é"])
            signer["runnerEnvironment"] = rng.choice(["github-hosted", "self-hosted"])
        if rng.random() < 0.6:
            signer["sourceRepositoryRef"] = rng.choice(REFS)
        signature = {
            "kind": rng.choice(["docker-github-builder", "self-signed", "untrusted", "docker-hardened-image"]),
            "type": rng.choice(["bundle-v0.3", "simplesigning-v1"]),
        }
        if rng.random() < 0.8:
            signature["timestamps"] = [{"type": "Tlog", "uri": "https://rekor.sigstore.dev", "timestamp": "2026-01-01T00:00:00Z"}]
        if rng.random() < 0.9:
            signature["signer"] = signer
        if rng.random() < 0.1:
            signature["isDHI"] = True
        image["signatures"] = [signature]
    return image


def gen_git(rng):
    git = {
        "schema": rng.choice(["https", "ssh", "git", "http"]),
        "host": rng.choice(["github.com", "gitlab.com", "é.example"]),
    }
    git["remote"] = f"{git['schema']}://{git['host']}/moby/buildkit.git"
    ref = rng.choice(REFS + [None])
    if ref:
        git["ref"] = ref
        if ref.startswith("refs/tags/"):
            git["tagName"] = ref[len("refs/tags/") :]
        elif ref.startswith("refs/heads/"):
            git["branch"] = ref[len("refs/heads/") :]
        else:
            git["isCommitRef"] = True
    if rng.random() < 0.3:
        git["subDir"] = rng.choice(["docs", "a/b"])
    if rng.random() < 0.5:
        git["checksum"] = "cd" * 20
        git["commitChecksum"] = rng.choice(["cd" * 20, "ef" * 20])
        if git["checksum"] != git["commitChecksum"]:
            git["isAnnotatedTag"] = True
        commit = {"tree": "11" * 20, "message": rng.choice(["fix\n", "", "é\n\nbody"])}
        if rng.random() < 0.7:
            commit["parents"] = ["22" * 20]
        commit["author"] = {"name": "A", "email": "a@example.com", "when": "2026-01-01T00:00:00Z"}
        if rng.random() < 0.3:
            commit["pgpSignature"] = {"version": 4, "keyID": "0123456789ABCDEF"}
        git["commit"] = commit
    return git


def gen_http(rng):
    http = {"schema": rng.choice(["https", "http"]), "host": rng.choice(["example.com", "example.com:8443", "é.example"])}
    path = rng.choice(["/a.tar.gz", "", "/é", "/a b"])
    http["url"] = f"{http['schema']}://{http['host']}{path}"
    if path:
        http["path"] = path
    if rng.random() < 0.3:
        http["query"] = {"v": [rng.choice(["1", "", "é"])], "k": ["a", "b"]}
    if rng.random() < 0.3:
        http["hasAuth"] = True
    if rng.random() < 0.4:
        http["checksum"] = DIGEST
    return http


# References into the input, present or absent depending on the input.
INPUT_REFS = [
    "input.image.tag", "input.image.ref", "input.image.repo", "input.image.host", "input.image.fullRepo",
    "input.image.platform", "input.image.isCanonical", "input.image.hasProvenance", "input.image.labels",
    "input.image.signatures", "input.image.signatures[0].kind", "input.image.signatures[0].signer",
    "input.image.signatures[0].signer.sourceRepositoryRef", "input.image.labels.maintainer",
    'input.image.labels["org.opencontainers.image.version"]', "input.image.checksum", "input.image.variant",
    "input.image.env", "input.image.provenance.buildArgs", "input.image.provenance.reproducible",
    "input.git.tagName", "input.git.branch", "input.git.ref", "input.git.isCommitRef", "input.git.commit.parents",
    "input.git.commit.message", "input.http.url", "input.http.query", "input.http.query.v", "input.http.hasAuth",
    "input.local.name", "input.env.args", "input.env.depth", "input.env.filename", "input.env.labels",
    "input.missing", "input.image.missing", "input", "input.env",
]
BOOL_REFS = ["input.image.isCanonical", "input.image.hasProvenance", "input.git.isCommitRef", "input.http.hasAuth", "input.env.capsRequest", "input.image.provenance.reproducible", "input.missing"]
STRING_REFS = ["input.image.tag", "input.image.ref", "input.image.repo", "input.git.tagName", "input.git.branch", "input.http.url", "input.local.name", "input.env.filename", "input.image.platform", "input.image.missing"]
COLLECTION_REFS = ["input.image.labels", "input.image.signatures", "input.image.env", "input.env.args", "input.http.query", "input.git.commit.parents", "input.missing", "input.image", "input.env.labels", "input.http.query.v"]

# Literals at the edges, as Rego text.
NUMBERS = ["0", "1", "-1", "1.0", "0.1", "-0", "1e3", "1e300", "2.5", "-2.5", "9007199254740993", "12345678901234567890", "0.30000000000000004", "1e-7", "100000000000000000000", "3"]
STRINGS = ['""', '"a"', '"latest"', '"é"', '"\\u00e9"', '"e\\u0301"', '"😀"', '"\\n"', '"\\t"', '"\\u0000"', '"A"', '"1"', '"1.0"', '" a "', '"a,b"', "`raw\\n`", '"<>&"', '"\\u2028"', '"ß"', '"İ"', '"v1.0.0"']
OTHERS = ["true", "false", "null", "[]", "{}", "set()", '[1, "a"]', '{"a": 1}', "{1, 2}", '{"a", "b"}', "[null]", '{"a": {"b": 1}}', "{1.0}", '[1, [2, 3]]']


# Literal pools of the generators below.
K0 = ['[1, 2]', '{1.0}', '{\"a\": 1}', '\"abc\"', '{\"a\", \"b\"}']
K1 = ['\"abc\"', '1', 'null', 'input.image.tag']
K2 = ['[1, 2]', '{\"a\": 1}']
K3 = ['\"ab\"', '[\"x\"]']
K4 = ['\"abc\"', '1', 'null']
K5 = ['[1]', '{\"a\"}']
K6 = ['{}', '{\"image\": {\"tag\": \"x\"}}', '1', 'null']
K7 = ['{\"x\"}', '[]', '1']
K8 = ['set()', '{\"a\"}']
K9 = ['\"\\u00a0a\"', '\" a \"', '\"\\u3000a\"', '\"\\ta\\n\"']
K10 = ['\"\"', '\",\"', '\"a\"']
K11 = ['input.image.tag', '\"é\"', '\"a\"', '\".a\"']
K12 = ['\"x\"', '1', '{1}', 'null']
K13 = ['"1.0"', '"1e400"', '"123456789012345678901234567890"', '"[1,"', r'"{\"a\":1,\"a\":2}"', '"-0"', '"0.1"']
K14 = ['{\"pretty\": true}', '{\"indent\": \"\\t\"}', '{\"prefix\": \"x\", \"pretty\": true}', '{\"bad\": 1}']
K15 = ['"{}"', '"{"', '"1 2"', '""', r'"\"\\ud800\""']
K16 = ['\"a: 1\"', '\"a: yes\"', '\"- 1\\n- 0x10\"', '\"a: [\"', '\"1e3\"', '\"~\"']
K17 = ['[\"a/b\"]', '[\"a\"]', '[[\"a\", \"c\"]]', '[]']
K18 = ['[\"a/0\"]', '[\"a\"]', '[\"x\"]']


class G:
    """The random choices of one case."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0
        # Whether this case may hold type errors OPA's checker sees at compile time (a
        # literal of the wrong type): a few cases do; the others pass ill-typed values
        # through input references and `vals[i]`, which only evaluation can judge, so that
        # they exercise evaluation rather than OPA's checker.
        self.static = rng.random() < 0.2

    def bad(self, text, otherwise):
        """`text` (statically ill-typed) in a case that may have such errors, else `otherwise`."""
        return text if self.static else otherwise

    def pick(self, items):
        return self.rng.choice(items)

    def chance(self, p):
        return self.rng.random() < p

    def name(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def ref(self):
        return self.pick(INPUT_REFS)

    def sref(self):
        return self.pick(STRING_REFS)

    def cref(self):
        return self.pick(COLLECTION_REFS)

    def num(self):
        return self.pick(NUMBERS)

    def string(self):
        return self.pick(STRINGS)

    def literal(self):
        r = self.rng.random()
        return self.num() if r < 0.35 else self.string() if r < 0.7 else self.pick(OTHERS)

    def operand(self):
        """A literal, an input reference, or a value through a rule (typed `any` for OPA's
        checker, so that ill-typed calls reach evaluation)."""
        r = self.rng.random()
        if r < 0.45 and self.static:
            return self.literal()
        if r < 0.7:
            return self.ref()
        return self.val()

    def val(self, index=None):
        """An element of the rule `vals`: `vals[i]` where OPA's checker may judge its type,
        else `object.get(vals, i, null)`, which it types `any`."""
        i = self.rng.randint(0, 3) if index is None else index
        return f"vals[{i}]" if self.static else f"object.get(vals, {i}, null)"

    def cmp(self):
        """Something to compare with: a literal where type errors are wanted, else a value
        OPA's checker cannot judge."""
        return self.literal() if self.static else self.val()


def vals_rule(g):
    return "vals := {" + ", ".join(f"{i}: {g.literal()}" for i in range(4)) + "}"


class Frag:
    def __init__(self):
        self.rules, self.conds, self.values, self.allow, self.forbidden = [], [], [], [], []

    def value(self, g, expr):
        self.values.append([("json" if g.chance(0.35) else "sprintf"), expr])


# ---------------------------------------------------------------------------------------
# One generator per class: each adds rules, conditions (reported and used by `allow`) and
# values (reported).


def gen_negation(g, f):
    target = g.pick([g.ref(), g.sref()])
    setlit = g.pick(['{"latest", "master"}', '{"a"}', "set()", '["latest", 1]', '{"latest": 1}', "{1, 2}"])
    name = g.name("blocked")
    fn = g.name("bad")
    f.rules.append(g.pick([f"{name} contains \"latest\"", f'{name} := {{"latest", "1.21"}}', f"{name} contains x if some x in {g.cref()}"]))
    f.rules.append(g.pick([
        f'{fn}(x) if x == "latest"',
        f'{fn}(x) if startswith(x, "v")',
        f"{fn}(x) if count(x) > 1",
        f'{fn}(x) if not x in {{"a", "b"}}',
        f"{fn}(x) := x",
    ]))
    helper = g.name("h")
    f.rules.append(g.pick([
        f"{helper} if not {target} in {setlit}",
        f"{helper} if {{\n\tnot {target}\n}}",
        f"{helper} if not {fn}({target})",
        f"{helper} := true if not {g.ref()} == {g.cmp()}",
    ]))
    choices = [
        f"not {target} in {setlit}",
        f"not {name}[{target}]",
        f"not {fn}({target})",
        f'not "x" in {g.cref()}',
        f'not {g.string()} in input.missing',
        f"not {target} == {g.cmp()}",
        f"not count({g.cref()}) > 1",
        f"not {g.pick(BOOL_REFS)}",
        f"not {helper}",
        f"not not_{helper}",
        f"not startswith({g.operand()}, \"v\")",
        f"not {g.operand()} > {g.num()}",
        f"not input.image.signatures[0].signer.sourceRepositoryRef == {g.cmp()}",
        f"not {g.cref()}[{g.string()}]",
        f"not {target} != {g.cmp()}",
        f"not {g.val(g.rng.randint(0, 5))}",
    ]
    f.rules.append(f"not_{helper} if not {helper}")
    f.rules.append(vals_rule(g))
    for _ in range(g.rng.randint(1, 3)):
        f.conds.append(g.pick(choices))
    f.allow.append([g.pick(choices) for _ in range(g.rng.randint(1, 2))])
    f.value(g, f"[x | x := {name}[_]]")
    f.value(g, f"{helper}")


def gen_membership(g, f):
    c = g.cref()
    choices = [
        f"{g.operand()} in {g.pick(K0 + [c])}",
        f'"a" in object.keys({g.pick(["input.image.labels", "input.env.args", "input.image", "{}"])})',
        f"some x in {c}; x == {g.cmp()}",
        f"some k, v in {c}; startswith(k, {g.string()})",
        f"some k, _ in {c}; k == {g.cmp()}",
        g.bad(f"{g.literal()} in {g.literal()}", f"{g.literal()} in {c}"),
        f"some x in {g.bad(g.pick(K1), g.val(1))}",
        f"{g.operand()}, {g.operand()} in {g.pick(K2 + [c])}",
        f"some i; {c}[i] == {g.cmp()}",
        g.bad(f"some x in {c}", f"some x in {c}; x == x"),
        f"{g.num()} in [{g.num()}, {g.num()}]",
        f"{g.num()} in {{{g.num()}}}",
    ]
    for _ in range(g.rng.randint(1, 3)):
        f.conds.append(g.pick(choices))
    f.allow.append([g.pick(choices)])
    f.value(g, f"[x | some x in {c}]")
    f.value(g, f"{{k | some k, _ in {c}}}")
    f.value(g, f"[[k, v] | some k, v in {g.bad(g.pick(K3 + [c]), c)}]")


def gen_comprehension(g, f):
    c = g.cref()
    f.rules.append(vals_rule(g))
    exprs = [
        f"[x | some x in {c}]",
        f"{{x | some x in {c}}}",
        f"{{k: v | some k, v in {c}}}",
        f"{{k: 1 | some k in [{g.literal()}, {g.literal()}]}}",
        f'{{"a": v | some v in [1, 2]}}',
        f"[x | some x in vals; x > {g.num()}]",
        f"count({{x | some x in vals}})",
        f"sum([x | some x in vals])",
        f"[y | some x in {c}; y := [z | some z in {c}]]",
        f"[x | x := {c}[_]]",
        f"{{x | some x in input.missing}}",
        f"[v | some k, v in {c}; not startswith(k, \"a\")]",
        f"{{k: v | some k, v in vals}}",
        f"[x | some x in numbers.range(0, {g.pick(['2', '-2', '2.5', '0'])})]",
        f"{{t | some s in vals; t := type_name(s)}}",
    ]
    for _ in range(g.rng.randint(1, 3)):
        f.value(g, g.pick(exprs))
    f.conds.append(f"count({g.pick(exprs)}) > {g.pick(['0', '1'])}")
    f.conds.append(g.bad(f"{g.pick(exprs)} == {g.pick(exprs)}", f"count({g.pick(exprs)}) == count({g.pick(exprs)})"))
    f.allow.append([f"count({g.pick(exprs)}) {g.pick(['>', '==', '<'])} {g.pick(['0', '1', '2'])}"])


def gen_every_some(g, f):
    c = g.cref()
    f.rules.append(vals_rule(g))
    choices = [
        f"every x in {c} {{ x != {g.cmp()} }}",
        f"every k, v in {c} {{ is_string(k); v != \"\" }}",
        g.bad("every x in [] { false }", "every x in [] { x }"),
        f"every x in {g.pick(['input.missing', 'input.image.missing', g.val(9)])} {{ x }}",
        f"every x in vals {{ x }}",
        f"every x in {g.bad(g.pick(K4), g.val(2))} {{ x != 1 }}",
        f"every x in {c} {{ some y in {g.cref()}; x == y }}",
        f"some x in {c}; every y in {g.cref()} {{ y != x }}",
        f"some x in vals; x == {g.cmp()}",
        f"some i, x in vals; i > {g.pick(['0', '1', '-1'])}",
        f"not every x in {c} {{ x == {g.cmp()} }}",
        f"every x in {{{g.literal()}, {g.literal()}}} {{ x }}",
        f"every x in {c} {{ not x in {g.pick(K5 + [c])} }}",
    ]
    for _ in range(g.rng.randint(1, 3)):
        f.conds.append(g.pick(choices))
    f.allow.append([g.pick(choices)])
    f.allow.append([g.pick(choices), g.pick(choices)])


def gen_defaults(g, f):
    p, fn = g.name("p"), g.name("f")
    lit = g.literal()
    f.rules.append(f"default {p} := {lit}" if g.chance(0.85) else f"default {p} := {g.pick(['input.x', '[x | x := 1]', 'count([])'])}")
    f.rules.append(g.pick([
        f"{p} := {g.literal()} if {g.pick(BOOL_REFS)}",
        f"{p} := {g.sref()}",
        f"{p} := {g.literal()} if {{\n\t{g.sref()} == {g.cmp()}\n}} else := {g.literal()}",
        f"{p} if {g.pick(BOOL_REFS)}",
    ]))
    if g.chance(0.15):
        f.rules.append(f"default {p} := {g.literal()}")  # two defaults: a compile error
    f.rules.append(g.pick([
        f"default {fn}(_) := false",
        f"default {fn}(_) := {g.literal()}",
    ] + ([f"default {fn}(x) := x"] if g.static else [])))
    f.rules.append(g.pick([f"{fn}(x) := true if x == {g.cmp()}", f"{fn}(x) := {g.literal()} if startswith(x, \"v\")", f"{fn}(x) := count(x)"]))
    if g.chance(0.1):
        f.rules.append(g.pick(["default allow := true", 'default allow := "yes"', "default allow := 1", "default deny_msg := set()"]))
    f.value(g, p)
    f.value(g, f"{fn}({g.operand()})")
    f.conds.append(f"{p} == {g.cmp()}")
    f.conds.append(f"not {fn}({g.operand()})")
    f.allow.append([g.pick([p, f"{fn}({g.operand()})", f"{p} != false"])])


def gen_functions(g, f):
    fn, h = g.name("f"), g.name("g")
    f.rules.append(vals_rule(g))
    pool = [
        [f"{fn}(x) := 1 if x == {g.cmp()}", f"{fn}(x) := 2 if x == {g.cmp()}"],
        [f"{fn}(x) := 1", f"{fn}(x) := 2"],
        [f"{fn}(x) := \"a\" if {{\n\tx == 1\n}} else := \"b\" if {{\n\tx == {g.cmp()}\n}} else := {g.literal()}"],
        [f"{fn}(x) := y if {{\n\ty := x + 1\n}} else := 0"],
        [f'{fn}({{"a": x}}) := x', f"{fn}([x, _]) := x"],
        [f"{fn}(x, y) := concat(\"-\", [x, y])"],
        [f"{fn}(x) := {h}(x)", f"{h}(x) := {fn}(x)"],  # recursion: a compile error
        [f"{fn}(x) if x", f"{fn}(x) := {g.literal()} if not x"],
        [f"{fn}(x) := x", f"{fn} := 1"],  # rule and function of one name: a compile error
        [f"{fn}(_) := {g.literal()}"],
        [f"{fn}(x) := x if x > {g.num()}"],
        [f"{fn}(x) := y if y := {g.pick(['to_number(x)', 'upper(x)', 'count(x)', 'x * 2'])}"],
    ]
    f.rules.extend(g.pick(pool))
    calls = [f"{fn}({g.operand()})", g.bad(f"{fn}({g.operand()}, {g.operand()})", f"{fn}({g.operand()})"), f"{fn}({g.sref()})", f"{fn}({g.val()})", f"{fn}({g.cmp()})"]
    for _ in range(g.rng.randint(1, 2)):
        f.value(g, g.pick(calls))
    f.conds.append(f"{g.pick(calls)} == {g.cmp()}")
    f.conds.append(g.pick(calls))
    f.allow.append([g.pick(calls)])
    f.allow.append([f"not {g.pick(calls)}"])


def gen_with(g, f):
    p, fn, s = g.name("p"), g.name("f"), g.name("s")
    f.rules.append(f"{p} := {g.sref()}")
    f.rules.append(f"{p}_ok if {g.sref()} == {g.cmp()}")
    f.rules.append(f"{fn}(x) := upper(x)")
    f.rules.append(f"mock_{fn}(x) := concat(\"\", [\"m:\", x])")
    f.rules.append(f"mock_count(x) := 42")
    f.rules.append(f'{s} contains "latest"')
    withs = [
        f"{p} with input.image.tag as {g.literal()}",
        f"{p} with input as {g.pick(K6)}",
        f"{p}_ok with input.image.tag as {g.string()}",
        f"{p}_ok with input.git.tagName as {g.literal()}",
        f"{fn}({g.string()}) with data.docker.{fn} as mock_{fn}",
        f"{fn}({g.string()}) with data.docker.{fn} as {g.literal()}",
        f"count({g.cref()}) with count as mock_count",
        f"count({g.cref()}) with count as {g.num()}",
        f"upper({g.string()}) with upper as lower",
        f"{s} with data.docker.{s} as {g.pick(K7)}",
        f"[x | some x in {s}] with data.docker.{s} as {{\"x\", \"y\"}}",
        f"{p} with input.image.tag as {g.string()} with input.image as {{}}",
        f"time.now_ns() with time.now_ns as 1",
        f"{p} with input.image.tag as {g.string()} with input.image.tag as {g.string()}",
        # A value reading the rule it replaces the input of (OPA: the value outside the
        # `with`, the rule again under it).
        f"{p} with input.image.tag as upper({p})",
        f"[{p}, {p}_ok] with input.image.tag as concat(\"\", [{p}, \"x\"])",
    ]
    for _ in range(g.rng.randint(1, 3)):
        f.value(g, g.pick(withs))
    f.conds.append(g.pick([f"{p}_ok with input.image.tag as {g.string()}", f"not {p}_ok with input as {{}}", f"{p} == {g.cmp()} with input.image.tag as {g.string()}",
                           f"not {p} == {g.cmp()} with input.image.tag as {fn}({p})"]))
    f.allow.append([g.pick([f"{p}_ok with input.image.tag as {g.string()}", f"not {p}_ok with input.image.tag as {g.literal()}", f"{p}_ok"])])


# Builtins of the allow-list (crates/policy/src/builtins.rs ALLOWED, less UNSUPPORTED and the
# random ones): argument types s string, n number, i integer, a array, o object, S set, b
# boolean, x any, c collection.
BUILTINS = {
    "abs": "n", "ceil": "n", "floor": "n", "round": "n", "rem": "nn", "plus": "nn", "minus": "nn", "mul": "nn", "div": "nn",
    "bits.or": "ii", "bits.and": "ii", "bits.negate": "i", "bits.xor": "ii", "bits.lsh": "ii", "bits.rsh": "ii",
    "count": "c", "sum": "c", "product": "c", "max": "c", "min": "c", "sort": "c",
    "array.concat": "aa", "array.flatten": "a", "array.slice": "aii", "array.reverse": "a",
    "intersection": "S", "union": "S", "to_number": "x",
    "strings.any_prefix_match": "cc", "strings.any_suffix_match": "cc", "strings.count": "ss", "strings.replace_n": "os",
    "strings.reverse": "s", "concat": "sc", "format_int": "ni", "indexof": "ss", "indexof_n": "ss", "substring": "sii",
    "lower": "s", "upper": "s", "contains": "ss", "startswith": "ss", "endswith": "ss", "split": "ss", "replace": "sss",
    "trim": "ss", "trim_left": "ss", "trim_prefix": "ss", "trim_right": "ss", "trim_suffix": "ss", "trim_space": "s",
    "numbers.range": "ii", "numbers.range_step": "iii",
    "json.marshal": "x", "json.marshal_with_options": "xo", "json.unmarshal": "s", "json.is_valid": "s",
    "json.filter": "oc", "json.remove": "oc", "json.patch": "xa",
    "base64.encode": "s", "base64.decode": "s", "base64.is_valid": "s", "base64url.encode": "s",
    "base64url.encode_no_pad": "s", "base64url.decode": "s",
    "yaml.marshal": "x", "yaml.unmarshal": "s", "yaml.is_valid": "s", "hex.encode": "s", "hex.decode": "s",
    "object.union": "oo", "object.union_n": "a", "object.remove": "oc", "object.filter": "oc", "object.get": "oxx",
    "object.keys": "o", "object.subset": "xx",
    "time.parse_ns": "ss", "time.parse_rfc3339_ns": "s", "time.parse_duration_ns": "s", "time.format": "x",
    "time.date": "x", "time.clock": "x", "time.weekday": "x", "time.add_date": "niii", "time.diff": "xx",
    "is_number": "x", "is_string": "x", "is_boolean": "x", "is_array": "x", "is_set": "x", "is_object": "x",
    "is_null": "x", "type_name": "x", "units.parse": "s", "units.parse_bytes": "s",
    "semver.is_valid": "x", "semver.compare": "ss", "regex.is_valid": "x", "regex.match": "ss", "regex.split": "ss",
    "regex.globs_match": "ss", "regex.template_match": "ssss", "regex.find_n": "ssi", "regex.replace": "sss",
    "glob.quote_meta": "s", "urlquery.encode": "s", "urlquery.decode": "s", "urlquery.encode_object": "o",
    "urlquery.decode_object": "s", "sprintf": "sa",
}
TYPED = {
    "s": STRINGS + ['"1h30m"', '"2026-01-01T00:00:00Z"', '"1Ki"', '"1.5GB"', '"YQ"', '"YQ=="', '"zz"', '"6869"', '"a: 1"', '"{\\"a\\":1}"', '"0x10"', '"1e3"', '" 1"', '"a%20b"', '"[a-z]+"', '"%d"', '"-1"', '"1e400"'],
    "n": NUMBERS,
    "i": ["0", "1", "-1", "2", "3", "16", "64", "63", "-2", "1.5", "1e3"],
    "a": ["[]", "[1, 2, 3]", '["a", "b"]', "[1, [2, [3]]]", '[{"a": 1}, {"b": 2}]', '[1, "a", null]', '["1.0", 1.0]'],
    "o": ["{}", '{"a": 1}', '{"a": {"b": 1}, "c": [1]}', '{"b": 2, "a": 1}', "{1: 2}", '{"pretty": true, "indent": "  "}'],
    "S": ["set()", '{{1, 2}, {2, 3}}', '{{"a"}, {"b"}}', '{1, 2}'],
    "b": ["true", "false"],
    "c": ["[]", "[1, 2]", '["a", "b"]', "{1, 2}", '{"a": 1}', '"abc"', "[1.5, 2.5]", '[1, "a"]', '{"a", "b"}'],
}


def typed_arg(g, t):
    if t == "x":
        return g.operand()
    if g.chance(0.75):
        return g.pick(TYPED[t])
    return g.operand()  # ill-typed (or a reference whose type only evaluation knows)


def builtin_call(g, name=None):
    name = name or g.pick(sorted(BUILTINS))
    return f"{name}({', '.join(typed_arg(g, t) for t in BUILTINS[name])})"


def gen_builtins(g, f):
    f.rules.append(vals_rule(g))
    for _ in range(g.rng.randint(1, 4)):
        f.value(g, builtin_call(g))
    f.conds.append(f"{builtin_call(g)} == {g.cmp()}")
    f.conds.append(builtin_call(g))
    f.allow.append([builtin_call(g)])
    f.allow.append([f"not {builtin_call(g)}"])


def gen_operators(g, f):
    f.rules.append(vals_rule(g))
    ops = ["+", "-", "*", "/", "%", "|", "&"]
    exprs = [
        f"{g.operand()} {g.pick(ops)} {g.operand()}",
        g.bad('"a" + 1', f"{g.val(0)} + 1"),
        f"{g.sref()} * 2",
        f"{g.pick(['1.5', '5', '-7', '7.0'])} % {g.pick(['2', '0', '1.5', '-3', '2.0'])}",
        f"{g.num()} / {g.pick(['0', '0.0', '-0', '3', '2'])}",
        f"{{1, 2}} - {{1}}",
        f"{{1}} | {g.bad(g.pick(['[2]', '2']), '{2}')}",
        g.bad("[1] - [1]", f"{g.val(1)} - {g.val(2)}"),
        f"-{g.operand()}",
        f"{g.val(0)} {g.pick(ops)} {g.val(1)}",
        f"{g.cref()} {g.pick(['|', '&', '-'])} {g.pick(K8)}",
    ]
    for _ in range(g.rng.randint(1, 3)):
        f.value(g, g.pick(exprs))
    f.conds.append(f"x := {g.pick(exprs)}; x {g.pick(['>', '==', '!='])} {g.literal()}")
    f.allow.append([f"{g.pick(exprs)} {g.pick(['>', '==', '!='])} {g.num()}"])
    f.allow.append([f"not {g.pick(exprs)} == {g.num()}"])


def gen_numbers(g, f):
    exprs = [
        "0.1 + 0.2", "1e300 * 1e300", "9007199254740993 + 0", "-0", "1.0", "1e3", "10 / 3", "7 / 2", "-7 % 3",
        "round(2.5)", "round(-2.5)", "12345678901234567890 * 10", "1e21", "1e-7", "100000000000000000000 + 1",
        "0.1 * 3", "2 * 0.5", "abs(-0)", "ceil(-0.5)", "floor(1e300)", "format_int(1e21, 10)", "format_int(-0.5, 10)",
        "to_number(\"1e1000\")", "to_number(\"0.1\")", "to_number(\"-0\")", "to_number(\"1_000\")", "1e308 * 10",
        "9223372036854775807 + 1", "-9223372036854775808 - 1", "3.0 * 1", "4 / 2", "1 / 3 * 3", "sum([0.1, 0.2])",
        "product([1e200, 1e200])", "max([1, 1.0])", "numbers.range(1, 3)", "numbers.range(-1, -3)",
        "bits.lsh(1, 63)", "bits.lsh(1, 64)", "bits.rsh(-8, 1)", "bits.negate(0)", "9007199254740993 == 9007199254740992",
        "1 == 1.0", "{1.0} == {1}", '{"a": 1.0} == {"a": 1}', "[1.0] == [1]", "0 == -0", "1e3 == 1000", "0.1 + 0.2 == 0.3",
        "count({1, 1.0})", "{1: \"a\", 1.0: \"b\"}", "units.parse(\"1e3\")", "units.parse_bytes(\"1.5GiB\")",
    ]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(g.pick(exprs))
    f.allow.append([g.pick(exprs) + " " + g.pick([">", "==", "<", "!="]) + " " + g.num()])


def gen_strings(g, f):
    s = g.string
    exprs = [
        f"count({s()})", f"upper({s()})", f"lower({s()})", f"substring({s()}, {g.pick(['0', '1'])}, {g.pick(['1', '-1', '10'])})",
        f"indexof({s()}, {s()})", f"strings.reverse({s()})", f"trim_space({g.pick(K9)})",
        f"split({s()}, {g.pick(K10)})", f"concat({s()}, [{s()}, {s()}])", f"{s()} < {s()}",
        f"replace({s()}, \"\", \"-\")", f"strings.count({s()}, \"\")", f"indexof_n(\"aaa\", \"aa\")", f"contains({s()}, \"\")",
        f"trim({s()}, {s()})", f"trim_left(\"ééa\", \"é\")", f"format_int({g.pick(['255', '-255', '255.9'])}, {g.pick(['2', '8', '16', '10'])})",
        f"sprintf(\"%s\", [{s()}])", f"json.marshal({s()})", f"{s()} == {s()}", f"startswith({s()}, {s()})",
        f"{g.sref()} == {s()}", f"count({g.sref()})", f"upper({g.sref()})", f"base64.encode({s()})", f"hex.encode({s()})",
        f"urlquery.encode({s()})", f"strings.replace_n({{\"a\": \"é\", \"é\": \"a\"}}, {s()})",
    ]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(g.pick(exprs))
    f.allow.append([g.pick(exprs)])


REGEX_PATTERNS = [
    r'"\\d"', r'"^\\d+$"', r'"\\w+"', r'"\\s"', r'"\\bé"', r'"é\\b"', r'"(?i)straße"', r'"(?i)k"', r'"(?i)é"',
    r'"^[\\w][\\w.-]{0,127}$"', r'"("', r'"a{2,1}"', r'"(?P<n>a)"', r'"(?<n>a)"', r'"(?=a)"', r'"(a)\\1"', r'"\\C"',
    r'"a**"', r'"[[:alpha:]]+"', r'"\\pL+"', r'"\\p{Greek}"', r'"^$"', r'""', r'"."', r'"(?s).+"', r'"\\Q.*\\E"',
    r'"a{1001}"', r'"[a-"', r'"\\z"', r'"\\Z"', r'"(?m)^a$"', r'"\\x{e9}"', r'"[^\\x00-\\x7f]"', r'"a|"', r'"(?U)a+"',
    r'"^v?[0-9]+(\\.[0-9]+)*$"', r'"\\."', r'"\\h"', r'"\\R"',
]
REGEX_TEXTS = ['"٣"', '"3"', '"é"', '"a b"', '"\\u00a0"', '"STRASSE"', '"\\u212a"', '"É"', '"latest"', '"1.21"', '"-x"', '""', '"a\\nb"', '"v1.2.3"', '"ab"', '"aa"', '"😀"', '"\\u0000"', '"a" * 3']


def gen_regex(g, f):
    pat, text = (lambda: g.pick(REGEX_PATTERNS)), (lambda: g.pick(REGEX_TEXTS[:-1] + [g.sref()]))
    exprs = [
        f"regex.match({pat()}, {text()})", f"regex.is_valid({pat()})", f"regex.find_n({pat()}, {text()}, {g.pick(['-1', '1', '0'])})",
        f"regex.split({pat()}, {text()})", f"regex.replace({text()}, {pat()}, \"<$0>\")", f"regex.replace(\"aaa\", \"a*\", \"b\")",
        f"regex.globs_match(\"a.*\", \"a.+\")", f"regex.template_match(\"urn:{{.*}}\", \"urn:foo\", \"{{\", \"}}\")",
        f"regex.match({pat()}, {g.sref()})", f"regex.match(\"^[\\\\w][\\\\w.-]{{0,127}}$\", {g.pick(K11)})",
        f"regex.replace({text()}, {pat()}, \"${{1}}x\")", f"regex.find_n(\"a\", \"aaaa\", 2)",
    ]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(g.pick(exprs))
    f.conds.append(f"not {g.pick(exprs)}")
    f.allow.append([g.pick(exprs)])
    f.allow.append([f"not {g.pick(exprs)}"])


SPRINTF_FORMATS = [
    '"%5s|"', '"%-5s|"', '"%05d"', '"%.2f"', '"%x"', '"%X"', '"%q"', '"%v"', '"%d"', '"%s"', '"%s %s"', '"%%"', '"%e"',
    '"%g"', '"%+d"', '"% d"', '"%#x"', '"%o"', '"%b"', '"%c"', '"%U"', '"%t"', '"%*d"', '"%[2]s %[1]s"', '"%.3s"',
    '"%8.3f|"', '"%-8.3f|"', '"%T"', '"%!"', '"%z"', '"%"', '"%.0f"', '"%10.4v"', '""', '"%v %v"', '"%6.2e"', '"%#v"',
]


def gen_sprintf(g, f):
    f.rules.append(vals_rule(g))
    args = lambda: "[" + ", ".join(g.pick([g.literal(), g.ref(), g.val(1)]) for _ in range(g.pick([0, 1, 1, 1, 2, 3]))) + "]"
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, f"sprintf({g.pick(SPRINTF_FORMATS)}, {args()})")
    f.conds.append(f"sprintf({g.pick(SPRINTF_FORMATS)}, {args()}) == {g.cmp()}")
    f.allow.append([f"sprintf({g.pick(SPRINTF_FORMATS)}, {args()}) != \"\""])
    if g.chance(0.2):
        f.value(g, f"sprintf({g.pick(SPRINTF_FORMATS)}, {g.pick(K12)})")


SEMVERS = [
    '"1.0.0"', '"v1.0.0"', '"1.0"', '"01.0.0"', '"1.0.0-01"', '"1.0.0-alpha"', '"1.0.0-alpha.1"', '"1.0.0-alpha.beta"',
    '"1.0.0-beta"', '"1.0.0-rc.1"', '"1.0.0+build"', '"1.0.0-2"', '"1.0.0-10"', '"1.0.0-a"', '"1.0.0-1"', '"1.0.0+b.1"',
    '"1.0.0-"', '"1.0.0-a..b"', '"999999999999999999999.0.0"', '"1.2.3-0a"', '"1.2.3-a-b"', '"1.0.0+"', '""', '"1"',
    "1", '" 1.0.0"', '"1.0.0-alpha+001"',
]


def gen_semver(g, f):
    sv = lambda: g.pick(SEMVERS + [g.sref()])
    exprs = [f"semver.is_valid({sv()})", f"semver.compare({sv()}, {sv()})", f"semver.compare({sv()}, {sv()}) < 0"]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(g.pick(exprs))
    f.allow.append([f"semver.compare({sv()}, {sv()}) {g.pick(['>=', '==', '<'])} 0"])
    f.allow.append([f"semver.is_valid({sv()})"])


def gen_json(g, f):
    vals = NUMBERS + ['"<>&"', '"\\u2028"', '"é"', '{"b": 1, "a": [1.0, set()]}', "{1: 2}", '{"a", 1}', "null", '"\\u0000"', "1.5e300", "-1e-300", "123456789.123456789"]
    exprs = [
        f"json.marshal({g.pick(vals)})", f"json.unmarshal({g.pick(K13)})",
        f"json.marshal_with_options({g.pick(vals)}, {g.pick(K14)})",
        f"json.is_valid({g.pick(K15)})",
        f"yaml.marshal({g.pick(vals)})", f"yaml.unmarshal({g.pick(K16)})",
        f"json.marshal({g.ref()})", f"json.filter({{\"a\": {{\"b\": 1, \"c\": 2}}}}, {g.pick(K17)})",
        f"json.remove({{\"a\": [1, 2]}}, {g.pick(K18)})", f"json.patch({{\"a\": 1}}, [{{\"op\": \"add\", \"path\": \"/b\", \"value\": {g.literal()}}}])",
    ]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(f"{g.pick(exprs)} == {g.cmp()}")
    f.allow.append([f"{g.pick(exprs)} != \"\""])


def gen_compare(g, f):
    kinds = ["1", '"a"', "[]", "{}", "set()", "null", "false", "true", "[1]", '{"a": 1}', "{1}", "0", "-1", "1.5", '""', "[1, 2]", "[1, 3]", "{2}", '{"b": 0}']
    k = lambda: g.pick(kinds + [g.ref()])
    exprs = [
        f"{k()} {g.pick(['<', '>', '<=', '>=', '==', '!='])} {k()}",
        f"sort([{k()}, {k()}, {k()}])", f"max([{k()}, {k()}])", f"min({{{k()}, {k()}}})",
        "sort([set(), {}, [], \"a\", 1, false, null])", f"{{{k()}, {k()}, {k()}}}", f"[{k()}, {k()}] == [{k()}, {k()}]",
        f"{{{k()}: 1, {k()}: 2}}",
    ]
    for _ in range(g.rng.randint(2, 4)):
        f.value(g, g.pick(exprs))
    f.conds.append(g.pick(exprs))
    f.allow.append([f"{k()} {g.pick(['<', '>', '==', '!='])} {k()}"])


FORBIDDEN_CALLS = ['crypto.sha256("a")', "walk(input, [p, v])", 'http.send({"method": "get", "url": "x"})', 'net.cidr_contains("10.0.0.0/8", "10.0.0.1")', 'io.jwt.decode("a.b.c")', "opa.runtime()", 'trace("x")', 'strings.render_template_v2("x", {})', 'object.get_path({}, [], 1)']


def gen_compile_errors(g, f):
    n = g.name("e")
    choice = g.rng.randint(0, 15)
    if choice == 0:
        f.rules.append(f"{n} if {{\n\tx > 1\n}}")  # unsafe, never reached
    elif choice == 1:
        f.rules += [f"{n} if {n}_b", f"{n}_b if {n}"]
    elif choice == 2:
        f.rules += [f"{n}(x) := x", f"{n} := 1"]
    elif choice == 3:
        f.rules += [f"default {n} := 1", f"default {n} := 2"]
    elif choice == 4:
        f.rules.append(f"{n} := count(1)")
    elif choice == 5:
        f.rules.append(f"{n} := nope_{n}(1)")
    elif choice == 6:
        call = g.pick(FORBIDDEN_CALLS)
        f.forbidden.append(call.split("(")[0])
        f.rules.append(f"{n} := {call}" if "[p, v]" not in call else f"{n} contains p if {call}")
    elif choice == 7:
        f.rules += [f"{n} := 1", f"{n} := 2"]
    elif choice == 8:
        f.rules.append(f"{n} if {{\n\tx := 1\n\tx := 2\n}}")
    elif choice == 9:
        f.rules.append(f"{n} := allow(1)")
    elif choice == 10:
        f.rules.append(f"{n} := 1 with foo as 2")
    elif choice == 11:
        f.rules.append(f"{n} := upper(\"a\", \"b\")")
    elif choice == 12:
        f.rules.append(f"{n} if {{\n\tsome x\n\tinput.a == 1\n}}")
    elif choice == 13:
        f.rules.append(f"{n}[x] := 1 if x := input.image.tag")
    elif choice == 14:
        f.rules.append(f"{n} := " + g.pick(['"a" + 1', "{1} + 1", "[1] * 2", '-"a"']))
    else:
        f.rules += [f"{n}(x) := 1", f"{n}(x, y) := 2"]
    f.value(g, n)
    f.conds.append(f"{n}")
    f.allow.append(["true"])


# ---------------------------------------------------------------------------------------
# The `types` class (its own stream: `generate(seed, count, TYPE_CLASSES)`, ids `t<seed>-<i>`,
# so that the cases of the main run stay as they are): nested literals held by a rule, a
# local, a function's result or a ref head, read through constant and variable indexes
# (present, missing, out of range, of the wrong type, into a scalar) and `some k, v in`, then
# used where a type is wanted — OPA's checker infers these types and refuses what cannot fit.


def gen_structure(g, depth=0):
    """A literal and its shape: ("n"|"s"|"b"|"z",) or ("a", [items]) / ("o", {key: shape}) /
    ("t", [items])."""
    r = g.rng.random()
    if depth >= 2 or r < 0.35:
        kind = g.pick(["n", "n", "s", "s", "b", "z"])
        text = {"n": g.pick(["1", "2.5", "-3", "0"]), "s": g.pick(['"a"', '"x"', '"1"', '""']),
                "b": g.pick(["true", "false"]), "z": "null"}[kind]
        return text, (kind,)
    if r < 0.6:
        items = [gen_structure(g, depth + 1) for _ in range(g.rng.randint(0, 3))]
        return "[" + ", ".join(t for t, _ in items) + "]", ("a", [s for _, s in items])
    if r < 0.9:
        keys = g.rng.sample(["a", "b", "c", "d"], g.rng.randint(0, 3))
        items = {k: gen_structure(g, depth + 1) for k in keys}
        return "{" + ", ".join(f'"{k}": {t}' for k, (t, _) in items.items()) + "}", ("o", {k: s for k, (_, s) in items.items()})
    items = [gen_structure(g, 2) for _ in range(g.rng.randint(1, 3))]
    return "{" + ", ".join(t for t, _ in items) + "}", ("t", [s for _, s in items])


def gen_path(g, shape):
    """Indexes into `shape`, mostly valid: (text, the shape reached or None when unknown)."""
    text = ""
    for _ in range(g.rng.randint(0, 3)):
        kind = shape[0] if shape else None
        r = g.rng.random()
        if kind == "o" and shape[1] and r < 0.8:
            key = g.pick(sorted(shape[1]))
            text, shape = text + g.pick([f".{key}", f'["{key}"]']), shape[1][key]
        elif kind == "a" and shape[1] and r < 0.8:
            i = g.rng.randrange(len(shape[1]))
            text, shape = text + f"[{i}]", shape[1][i]
        elif kind in ("a", "o", "t") and r < 0.9:
            text, shape = text + "[_]", None
        else:
            # Missing, out of range, of the wrong type, or into a scalar.
            text, shape = text + g.pick([".zz", "[7]", '["q"]', "[0]"]), None
        if shape is None:
            break
    return text, shape


def gen_use(g, expr, shape):
    """A literal using `expr` where a type is wanted; mostly one that fits `shape`."""
    kind = shape[0] if shape else None
    fitting = {
        "n": [f"abs({expr}) > 0", f"{expr} + 1 > 1", f"{expr} == 1"],
        "s": [f"upper({expr}) == \"A\"", f"startswith({expr}, \"a\")", f"{expr} == \"a\""],
        "b": [f"{expr} == true", f"not {expr}"],
        "z": [f"{expr} == null"],
        "a": [f"count({expr}) > 0", f"concat(\",\", {expr}) == \"a\"", f"sum({expr}) > 0", f"{expr} == [1]",
              f"some k, v in {expr}; abs(k) >= 0", f"some v in {expr}; upper(v) == \"A\""],
        "o": [f"count({expr}) > 0", f"object.keys({expr}) == {{\"a\"}}", f"{expr} == {{\"a\": 1}}",
              f"some k, v in {expr}; upper(k) == \"A\"", f"some k in object.keys({expr}); k == \"a\""],
        "t": [f"count({expr}) > 0", f"concat(\",\", {expr}) == \"a\"", f"{expr} == {{1}}", f"some v in {expr}; v == 1"],
    }
    pool = fitting.get(kind) if kind and g.chance(0.6) else None
    if pool is None:
        pool = [v for vs in fitting.values() for v in vs]
    return g.pick(pool)


def gen_types(g, f):
    text, shape = gen_structure(g)
    path, reached = gen_path(g, shape)
    holder = g.rng.randrange(4)
    t, fn = g.name("t"), g.name("f")
    if holder == 0:
        f.rules.append(f"{t} := {text}")
        expr, setup = f"{t}{path}", ""
    elif holder == 1:
        expr, setup = f"s{path}", f"s := {text}; "
    elif holder == 2:
        f.rules.append(f"{fn}(x) := {text} if x == 1")
        f.rules.append(f"{fn}(x) := {gen_structure(g)[0]} if x == 2")
        expr, setup, reached = f"{fn}(1){path}", "", reached if g.chance(0.5) else None
    else:
        # Through a second rule (`u := t`), or a ref head (`t.k := …`).
        if g.chance(0.5):
            f.rules.append(f"{t} := {text}")
            f.rules.append(f"{t}u := {t}")
            expr, setup = f"{t}u{path}", ""
        else:
            f.rules.append(f"{t}.k := {text}")
            expr, setup = f"{t}.k{path}", ""
    use = gen_use(g, expr, reached)
    cond = setup + use
    f.conds.append(cond)
    if setup:
        f.allow.append([g.pick([cond, f"count([1 | {cond}]) == 0"])])
        return
    if g.chance(0.5):
        f.value(g, expr)
    f.allow.append([g.pick([cond, f"not {expr}", f"count([1 | {cond}]) == 0"])])


# The `moved` class (same stream): OPA moves every call nested in a statement out ahead of it
# (`upper(input.a[k]) == y` is `upper(input.a[k], t); t == y`, also under `not`) before it
# orders the body for safety and type-checks it, so a moved call binds its references'
# indexes, waits for its own arguments, and types a function's arguments before a statement
# that waits. Statements mixing nested calls, references with variable indexes, negation and
# bindings, in random orders, in rules, heads, comprehensions and functions.

MOVED_REFS = ["input.image.labels[k]", "input.git.tags[k]", "input.image.platform[k]", "xs[k]"]


def gen_moved(g, f):
    ref = g.pick(MOVED_REFS)
    nested = g.pick([
        f"upper({ref})", f"lower(upper({ref}))", f"count({ref})", f"{ref} + 1", f"[upper({ref})]",
        f'{{"a": lower({ref})}}', f'({ref} in {{"a", "1.0"}})', f"trim_space({ref})", f'concat("", [{ref}])',
    ])
    other = g.pick(['"A"', "y", "k", "input.image.labels[j]", "[\"A\"]", "1", "true", "z"])
    stmt = g.pick([
        f"{nested} == {other}", f"{other} == {nested}", f"not {nested} == {other}", f"v := {nested}",
        f"{nested} = y", f"some v in [{nested}]", f"every v in [{nested}] {{ v != \"\" }}",
        f'startswith({nested}, "a")', f'not startswith({ref}, "a")', f"not {nested}", f"{nested}",
        f"not {nested} != {other}", f"count([1 | {nested} == {other}]) == 0",
    ])
    binds = [g.pick(['y = "A"', "y := 1", 'z = "x"', 'k == "a"', 'k = "a"', "j := k"]) for _ in range(g.rng.randint(0, 2))]
    body = [stmt] + binds
    g.rng.shuffle(body)
    if "xs[" in ref:
        body.insert(g.rng.randint(0, len(body)), g.pick(['xs := ["a", "B", 1]', 'xs := {"a": "x", "b": "Y"}', "xs := input.image.labels"]))
    n, fn = g.name("m"), g.name("mf")
    text = "; ".join(body)
    r = g.rng.randrange(4)
    if r == 0:
        f.conds.append(text)
        f.allow.append([text])
    elif r == 1:
        f.rules.append(f"{n} contains k if {{\n\t{text}\n}}")
        f.value(g, n)
        f.allow.append([f"count({n}) > 0"])
    elif r == 2:
        f.conds.append(f"count([k | {text}]) > 0")
        f.allow.append([f"count([k | {text}]) == 0"])
    else:
        # A function whose argument the moved call types (`x` in place of the reference).
        fbody = text.replace(ref, "x")
        f.rules.append(f"{fn}(x) if {{\n\t{fbody}\n}}")
        arg = g.pick(['"a"', "1", "[1]", "input.image.tag", '{"a": 1}'])
        f.conds.append(f"{fn}({arg})")
        f.allow.append([f"not {fn}({arg})"])


# The `scopes` class (same stream): names bound in one place and read in another — a negated
# reference indexed by a variable another statement binds (before or after it), `every` bodies
# reading the loop variable or a name of the enclosing body (`=`, `!=`, indexes), a rule head
# holding references and calls, `some` declaring a name used above. regorus's scheduler and its
# analysis of `every` bodies differ from OPA's here (docs/rego-semantics.md).

SCOPE_COLLS = ["input.image.labels", "input.git.tags", "input.image.platform", "input.env.args", '{"a": "x", "b": "Y"}', '["x", "Y"]']


def gen_scopes(g, f):
    coll, other = g.pick(SCOPE_COLLS), g.pick(SCOPE_COLLS)
    lit = g.pick(['"x"', '"Y"', '"linux"', "1", "true"])
    binder = g.pick([f"{other}[k]", f"some k in object.keys({other})", f"k = {lit}", f"some k, _ in {other}"])
    choices = [
        [f"not {coll}[k]", binder],
        [f"not lower({coll}[k]) == {other}[k]", binder],
        [f"every r in {coll} {{ r = {lit} }}"],
        [f"every r in {coll} {{ r != {lit} }}"],
        [f"every r in {coll} {{ [r] = [{lit}] }}"],
        [f"every r in {coll} {{ r != {other}[k] }}", binder],
        [f"every r in {coll} {{ count([1 | r = {lit}]) == 0 }}"],
        [f"y = upper(k); some k in {coll}"],
        [f"some k, v in {coll}; v == {lit}", f"not {other}[k]"],
        # Comprehensions in a literal that binds or reads the names they use (OPA's
        # "closure-self", and a comprehension blind to its own literal's bindings).
        [f"{coll}[k] == [v | v := k]", binder],
        [f"{coll}[k] = [v | v := k]", binder],
        [f"not {coll}[k] == [1 | k]", binder],
        [f"{coll}[k][_] == [1 | k]", binder],
        [f"{coll}[k] == {{\"a\": [1 | k]}}", binder],
        [f"w := [{coll}[k], [v | v := k]]"],
        [f"w := [{coll}[k], [v | {other}[v]]]"],
        [f"every v in [{coll}[k]] {{ v != k }}"],
    ]
    body = list(g.pick(choices))
    g.rng.shuffle(body)
    text = "; ".join(body)
    n = g.name("sc")
    r = g.rng.randrange(4)
    if r == 0:
        f.conds.append(text)
        f.allow.append([text])
    elif r == 1:
        head = g.pick(["k", "[k, r]", f"[{coll}[k], upper(k)]", "r"])
        if ("r" in head and "every r" not in text) or ("k" in head and "k" not in text):
            head = "1"
        f.rules.append(f"{n} contains {head} if {{\n\t{text}\n}}")
        f.value(g, n)
        f.allow.append([f"count({n}) == 0"])
    elif r == 2:
        f.rules.append(f"{n} := [{coll}[k], upper(k)] if {{\n\t{text}\n}}" if g.chance(0.3) else f"{n} if {{\n\t{text}\n}}")
        f.value(g, n)
        f.allow.append([f"not {n}"])
    else:
        f.conds.append(f"count([1 | {text}]) > 0")
        f.allow.append([f"count([1 | {text}]) == 0"])


TYPE_CLASSES = ["types", "moved", "scopes"]


GENERATORS = {
    "negation": gen_negation,
    "membership": gen_membership,
    "comprehension": gen_comprehension,
    "every-some": gen_every_some,
    "defaults": gen_defaults,
    "functions": gen_functions,
    "with": gen_with,
    "builtins": gen_builtins,
    "operators": gen_operators,
    "numbers": gen_numbers,
    "strings": gen_strings,
    "regex": gen_regex,
    "sprintf": gen_sprintf,
    "semver": gen_semver,
    "json": gen_json,
    "compare": gen_compare,
    "compile-errors": gen_compile_errors,
    "types": gen_types,
    "moved": gen_moved,
    "scopes": gen_scopes,
}


def gen_case(rng, index, seed, classes=CLASSES):
    cls = classes[index % len(classes)]
    g = G(rng)
    f = Frag()
    GENERATORS[cls](g, f)
    # Some cases take a second class's fragment as well (but the first names the class).
    if g.chance(0.15):
        GENERATORS[g.pick(CLASSES[:-1])](g, f)
    allow = [body for body in f.allow if g.chance(0.7)] or f.allow[:1]
    # `vals` may be defined twice when two generators add it: keep one.
    rules, seen = [], set()
    for rule in f.rules:
        if rule.startswith("vals := "):
            if "vals" in seen:
                continue
            seen.add("vals")
        rules.append(rule)
    # Fragments that read `vals` get it even when their class does not define it.
    text = json.dumps([rules, allow, f.conds, f.values])
    if "vals" not in seen and re.search(r"\bvals\b", text):
        rules.insert(0, vals_rule(g))
    return {
        "id": f"{'s' if classes is CLASSES else 't'}{seed}-{index}",
        "class": cls,
        "static_type_errors": g.static,
        "rego_v1": g.chance(0.3),
        "style": g.pick(["default"] * 6 + ["bare", "split", "array"]),
        "rules": rules,
        "allow": allow,
        "conds": f.conds,
        "values": f.values,
        "denied": g.chance(0.5),
        "forbidden": f.forbidden,
        "input": gen_input(rng),
    }


def generate(seed, count, classes=CLASSES):
    rng = random.Random(seed)
    return [gen_case(rng, i, seed, classes) for i in range(count)]


def render(case):
    """The policy's Rego source."""
    out = ["package docker", ""]
    if case["rego_v1"]:
        out += ["import rego.v1", ""]
    out += case["rules"]
    style = case["style"]
    if style in ("default", "array"):
        out.append("default allow := false")
    for body in case["allow"]:
        if not body:
            out.append("allow := true")
        elif len(body) == 1:
            out.append(f"allow if {{\n\t{body[0]}\n}}")
        else:
            out.append("allow if {\n" + "".join(f"\t{lit}\n" for lit in body) + "}")
    for i, cond in enumerate(case["conds"]):
        out.append(f'deny_msg contains "c{i}" if {{\n\t{cond}\n}}')
    for i, (fmt, expr) in enumerate(case["values"]):
        # The value first, as its own literal: `with` applies to a whole expression.
        if fmt == "json":
            out.append(f'deny_msg contains msg if {{\n\tresult := {expr}\n\tmsg := concat("", ["v{i}=", json.marshal(result)])\n}}')
        else:
            out.append(f'deny_msg contains msg if {{\n\tresult := {expr}\n\tmsg := sprintf("v{i}=%v", [result])\n}}')
    if case["denied"]:
        out.append('deny_msg contains "denied" if not allow')
    if style == "split":
        out.append('decision := {"allow": true} if allow')
        out.append('decision := {"allow": false, "deny_msg": deny_msg} if not allow')
    elif style == "array":
        out.append('decision := {"allow": allow, "deny_msg": [m | some m in deny_msg]}')
    else:
        out.append('decision := {"allow": allow, "deny_msg": deny_msg}')
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for case in generate(seed, int(sys.argv[2]) if len(sys.argv) > 2 else 3):
        print(f"# {case['id']} {case['class']}\n{render(case)}# input {json.dumps(case['input'])}\n")
