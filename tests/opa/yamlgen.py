"""Generated YAML texts for the `yaml.unmarshal` / `yaml.is_valid` sweep of the OPA differential
(tests/opa/differential.py): block and flow collections, YAML 1.1 plain scalars (booleans, base
prefixes, `_` separators, floats at the edges, timestamps), quoted and block scalars, tags,
anchors, aliases and merge keys, directives and document markers, then a few characters put in
or taken out at random. Written for verdict; seeded, so a run is reproducible."""

import json
import random
import sys

PLAIN = ["a", "b", "hello world", "yes", "No", "ON", "off", "y", "n", "Y", "true", "False", "~", "null", "NULL",
         "0", "017", "0o17", "0x1F", "0X1f", "0b101", "1_000", "-0b11", "+5", "08", "09", "1e400", ".5", "1.", "1.5e3",
         "-.inf", ".NaN", ".inf", "9223372036854775807", "9223372036854775808", "18446744073709551616",
         "-9223372036854775808", "-9223372036854775809", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "2001-2-3 4:5:6",
         "12:30:00", "1:20", "0.1", "1e-7", "1e21", "123456789012345678901234", "3.0", "-0", "-0.0", "+0.5",
         "0x_1F", "1__0", "_1", "1_", "0b", "0x", "0o", "0.", "+", "-", "=", "1e+3", "1E3", ".5e-3", "0.000001",
         "1.7976931348623157e308", "4.9e-324", "1e-400", "12e", "0x1p4", "infinity", "NaN", "+.Inf", "._5", ".5_0",
         "a:b", "a #c", "é", "日本", "\u00a0x", "x y z", "-1_0", "0_7", "0o_7", "00", "007", "0b2", "0xg"]
QUOTED = ["'yes'", '"1"', '"a\\tb"', '"\\u263A"', '"\\x41"', "'it''s'", '"esc \\" q"', "''", '""', "'~'", '"<<"']
TAGGED = ["!!str 1", '!!int "12"', "!!int a", "!!float 1", "!!float 0x10", "!!bool yes", "!!bool 1", '!!null ""',
          "!!null x", "!!binary aGk=", '!!binary "aGk"', "!!binary \"/w==\"", "!!timestamp 2001-12-14", "!!timestamp x",
          "!!timestamp 2001-12-14T21:59:43Z", "!foo bar", "!<tag:yaml.org,2002:int> 3", "! a", "!!float 18446744073709551615",
          "!!int 1.5", "!!float .inf", "!!str", "!!merge <<", "!!int 0x10"]
KEYS = ["a", "b", "c d", "1", "0x1F", "1.5", "yes", "no", "~", "'k'", '"q"', "-2", "1e3", "[x]", "{a: b}", "<<",
        "2001-01-01", ".inf", ".nan", "null", "0.1", "1e6", "1234567", "9223372036854775808", "!!binary aGk=", "é"]

def scalar(r):
    x = r.random()
    if x < 0.6: return r.choice(PLAIN)
    if x < 0.8: return r.choice(QUOTED)
    return r.choice(TAGGED)

class G:
    def __init__(s, r): s.r = r; s.anchors = []
    def anchor(s):
        if s.r.random() < 0.12:
            a = "a%d" % s.r.randint(0, 3); s.anchors.append(a); return "&%s " % a
        return ""
    def flow(s, d):
        r = s.r; x = r.random()
        if d > 3 or x < 0.5:
            if s.anchors and r.random() < 0.1: return "*" + r.choice(s.anchors)
            return s.anchor() + scalar(r)
        if x < 0.75:
            return s.anchor() + "[" + ", ".join(s.flow(d + 1) for _ in range(r.randint(0, 3))) + "]"
        keys = r.sample(KEYS, r.randint(0, 3))
        return s.anchor() + "{" + ", ".join(k + ": " + s.flow(d + 1) for k in keys) + "}"
    def block(s, d, ind):
        r = s.r; x = r.random(); pad = " " * ind
        if d > 3 or x < 0.3:
            return [pad + s.flow(d)]
        if x < 0.45:
            style = r.choice(["|", ">", "|-", ">+", "|2"])
            return [pad + style] + [pad + "  " + r.choice(["line", "yes", "  more", "", "1"]) for _ in range(r.randint(1, 3))]
        if x < 0.7:
            out = []
            for _ in range(r.randint(1, 3)):
                sub = s.block(d + 1, ind + 2)
                out.append(pad + "- " + sub[0].lstrip())
                out += sub[1:]
            return out
        out = []
        keys = r.sample(KEYS, r.randint(1, 3))
        if s.anchors and r.random() < 0.3:
            keys.append("<<")
        for k in keys:
            if k == "<<" and s.anchors and r.random() < 0.7:
                v = "*" + r.choice(s.anchors) if r.random() < 0.6 else "[" + ", ".join("*" + a for a in r.sample(s.anchors, min(2, len(s.anchors)))) + "]"
                out.append(pad + "<<: " + v); continue
            if r.random() < 0.5:
                out.append(pad + k + ": " + s.flow(d + 1))
            else:
                out.append(pad + k + ":")
                out += s.block(d + 1, ind + 2)
        return out

NOISE = ["#c", " ", "\t", ":", "-", "?", "[", "]", "{", "}", ",", "'", '"', "&", "*", "!", "|", ">", "%", "@", "`", "\n", "\ufeff", "x", "  ", "---", "...", "\r\n"]

def gen(r):
    g = G(r)
    lines = g.block(0, 0) if r.random() < 0.7 else [g.flow(0)]
    if r.random() < 0.15: lines.insert(0, r.choice(["---", "%YAML 1.1\n---", "%YAML 1.2\n---", "%TAG ! tag:x.org,2000:\n---", "# c", "--- !!str", "\ufeff"]))
    if r.random() < 0.15: lines.append(r.choice(["...", "---", "--- x", "# end", "...\n---\n[", "x", "]"]))
    t = "\n".join(lines)
    for _ in range(r.choice([0, 0, 0, 1, 2])):
        i = r.randint(0, len(t))
        if r.random() < 0.6: t = t[:i] + r.choice(NOISE) + t[i:]
        else: t = t[:i] + t[i + 1:]
    return t

def texts(count, seed):
    """`count` texts from `seed`."""
    r = random.Random(seed)
    return [gen(r) for _ in range(count)]


if __name__ == "__main__":
    # python3 tests/opa/yamlgen.py COUNT SEED > texts.json (for $VERDICT_YAML_CORPUS)
    json.dump(texts(int(sys.argv[1]), int(sys.argv[2])), sys.stdout)


# Values for `yaml.marshal`: strings go-yaml must quote (YAML 1.1 scalars, indicators, leading
# and trailing blanks, long text folded at 80 columns, line breaks), numbers at the edges, keys
# whose digit runs go-yaml's key order compares as numbers.
MARSHAL_STRINGS = PLAIN + ["", " ", "a b", " lead", "trail ", "a: b", "a #b", "#c", "- x", "? y", ": z", "&a", "*a", "!t",
                           "%p", "@x", "`x", "|", ">", "'", '"', "[a]", "{a}", "a,b", "multi\nline", "end\n", "\n", "\t",
                           "tab\there", "é😀", "\u0007", "a\\b", "---", "...",
                           " ".join(["word"] * 30), "x" * 100, ("long line " * 12).strip(), "a" * 79 + " b"]
MARSHAL_KEYS = ["a", "b", "B", "a2", "a10", "a02", "1", "10", "9", "01", "_x", "é", "Z", "z9", "z10", "", "yes",
                "1.5", "a b", "x:y", "-"]
MARSHAL_NUMBERS = [0, 1, -1, 1.5, 0.1, 1e21, 1e-7, 123456789, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 1e300, 100000.0, 1234567.5]
# (go-yaml's key order is not transitive: `a1b` < `a02` < `a10` < `a1b`; with such keys OPA's
# output depends on Go's map iteration order. `a1b` is not generated.)
# (Strings beginning with U+FEFF, and strings holding U+0085, U+2028 or U+2029, are an error in verdict, written otherwise by go-yaml:
# row 34. Not generated.)
# (An integral double of 1e6 or more, `1234567.0`, is written `1.234567e+06` by OPA, which keeps
# the text it was given, and `1234567` here: KNOWN-DIFFERENCES row 22. Not generated.)


def marshal_value(r, depth=0):
    x = r.random()
    if depth > 3 or x < 0.45:
        y = r.random()
        if y < 0.6:
            return r.choice(MARSHAL_STRINGS)
        if y < 0.85:
            return r.choice(MARSHAL_NUMBERS)
        return r.choice([None, True, False])
    if x < 0.7:
        return [marshal_value(r, depth + 1) for _ in range(r.randint(0, 3))]
    return {k: marshal_value(r, depth + 1) for k in r.sample(MARSHAL_KEYS, r.randint(0, 4))}


def values(count, seed):
    """`count` values for `yaml.marshal` from `seed`."""
    r = random.Random(seed)
    return [marshal_value(r) for _ in range(count)]
