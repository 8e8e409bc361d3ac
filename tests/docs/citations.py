#!/usr/bin/env python3
"""Every document the repository cites resolves inside the repository.

Scans the text files of crates/ host/ tests/ web/ examples/ fuzz/ docs/ wit/ .ci/ and the files
at the root (README.md, KNOWN-DIFFERENCES.md, x, ...) for these citation forms, with comment
leaders and line breaks folded so that a citation may wrap (`checklist items` / `//! 33–35`):

  model §4.2, §6 / model §1–§3   a numbered heading of docs/buildx-policy-model.md
  docs/X.md §3 / `X.md` §3       a numbered heading of docs/X.md (a path, or a bare name of a doc)
  checklist item(s) 12, 36–40    an item of the numbered checklist, §3 of
  (check 7)                      docs/sigstore-verification.md; in crates/verify and
  item(s) 26–35 / Item 37        crates/bundle a bare "item N" is that checklist too, and so is
                                 "(12, 36–40)" ending a row of a Markdown table under a heading
                                 that names `sigstore-verification.md` §3
  KNOWN-DIFFERENCES row 26 / #26 a numbered row of KNOWN-DIFFERENCES.md
  ../../docs/X.md, docs/X.md     a path to a document of docs/ (relative to the citing file, or to
                                 the repository root when it starts with docs/) must exist

It also fails on any reference to a path outside the repository (`../shared`, `/work/`,
`shared/docs`, `shared/vectors`, `bench-assets`, `peer-bench`), and checks that every relative
Markdown link of docs/*.md, README.md and the other Markdown files (but the vendored
tests/vectors/) points to a file that exists. RFC, client-spec, rekor-v2-spec and Fulcio-spec
sections and "issue N §M" name documents outside this project and are not checked.

`--list` prints every citation, path and link found. Python 3.11 standard library only.
Exit status: 0 all resolve, 1 something does not.
"""
import bisect
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SELF = Path(__file__).resolve()
SCAN_DIRS = ["crates", "host", "tests", "web", "examples", "fuzz", "docs", "wit", ".ci"]
SKIP_PARTS = {".git", "target", "node_modules"}
# The team's documents (they once lived outside the repository); a bare name of one of these
# must resolve in docs/ even when no file of that name is there.
TEAM_DOCS = {"buildx-policy-model", "sigstore-verification", "peers", "style", "ux-anchors", "toolchain"}
MODEL = "buildx-policy-model"
CHECKLIST = "sigstore-verification"
CHECKLIST_SECTION = "3"
# Where a bare "item N" means a checklist item.
BARE_ITEM_DIRS = ("crates/verify/", "crates/bundle/")
# Markdown files whose relative links must resolve: all but the vendored vectors' own.
LINK_SKIP = ("tests/vectors/",)

SEC = r"\d+(?:\.\d+)*"
SECLIST = rf"§\s?{SEC}(?:\s*(?:,|and|–|-)\s*§\s?{SEC})*"
NUM = r"\d+(?:\s*[–-]\s*\d+)?"
NUMLIST = rf"{NUM}(?:\s*,\s*{NUM})*(?!\.?\d)"

RE_MODEL = re.compile(rf"\bmodel\s+({SECLIST})")
RE_PATH_SEC = re.compile(rf"(?<![\w/.-])((?:[\w.-]+/)*)([\w-]+)\.md`?(?:\]\([^)\s]*\))?\s*({SECLIST})")
RE_CHECKLIST = re.compile(rf"\bchecklist\s+(?:items?\s+)?({NUMLIST})|\(checks?\s+({NUMLIST})\)")
RE_BARE_ITEM = re.compile(rf"(?<!checklist )\b[Ii]tems?\s+({NUMLIST})")
RE_TABLE_ITEMS = re.compile(rf"\(({NUMLIST})\)\s*\|")
RE_KD = re.compile(rf"\bKNOWN-DIFFERENCES(?:\.md)?`?\)?\s*(?:rows?\s+|#)({NUM}(?:\s*(?:,|and)\s*{NUM})*)")
RE_OUTSIDE = re.compile(r"(?:\.\./)+shared\b|/work/|\bshared/(?:docs|vectors|bench-assets|peer-bench)\b|\bbench-assets/|\bpeer-bench/")
RE_LEADER = re.compile(r"^\s*(?://[/!]?|#+(?![\[!])|\*(?!\*)|--|>)?\s*")
RE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]\n]+\]:\s*(\S+)", re.M)


def files():
    """Tracked and untracked-but-not-ignored files (every file when git is unavailable)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=True,
        ).stdout.decode()
        paths = [ROOT / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for d in SCAN_DIRS for p in (ROOT / d).rglob("*")]
        paths += list(ROOT.iterdir())
    for p in sorted(set(paths)):
        rel = p.relative_to(ROOT)
        if not p.is_file() or p.resolve() == SELF or SKIP_PARTS & set(rel.parts):
            continue
        if len(rel.parts) > 1 and rel.parts[0] not in SCAN_DIRS:
            continue
        if len(rel.parts) == 1 and rel.name.startswith("."):
            continue
        data = p.read_bytes()
        if b"\0" in data:
            continue
        try:
            yield rel, data.decode("utf-8")
        except UnicodeDecodeError:
            continue


def numbers(text):
    """'12, 36–40' -> [12, 36, 37, 38, 39, 40]."""
    out = []
    for part in re.split(r"\s*(?:,|and)\s*", text.strip()):
        m = re.fullmatch(r"(\d+)(?:\s*[–-]\s*(\d+))?", part)
        if m:
            a, b = int(m[1]), int(m[2] or m[1])
            out.extend(range(a, b + 1) if a <= b else [a, b])
    return out


def sections(text):
    """'§4.2, §6' -> ['4.2', '6']; '§1–§3' -> ['1', '2', '3']."""
    out = []
    for m in re.finditer(rf"({SEC})(?:\s*[–-]\s*§\s?({SEC}))?", text.replace("§ ", "§")):
        a, b = m[1], m[2]
        if b and a.isdigit() and b.isdigit() and int(a) < int(b):
            out.extend(str(n) for n in range(int(a), int(b) + 1))
        else:
            out.extend(s for s in (a, b) if s)
    return out


def markdown_lines(text):
    """Lines of a Markdown text outside fenced code blocks, with their numbers."""
    fence = None
    for i, line in enumerate(text.split("\n"), 1):
        m = re.match(r"\s*(```|~~~)", line)
        if m:
            fence = None if fence == m[1] else (fence or m[1])
            continue
        if fence is None:
            yield i, line


class Docs:
    """What can be cited: headings of docs/*.md, checklist items, KNOWN-DIFFERENCES rows."""

    def __init__(self):
        self.sections = {}
        for path in sorted((ROOT / "docs").glob("*.md")):
            heads = set()
            for _, line in markdown_lines(path.read_text()):
                m = re.match(rf"#{{1,6}}\s+({SEC})\.?(?=\s|$)", line)
                if m:
                    heads.add(m[1])
            self.sections[path.stem] = heads
        self.items = set()
        path = ROOT / "docs" / f"{CHECKLIST}.md"
        if path.exists():
            inside = False
            for _, line in markdown_lines(path.read_text()):
                m = re.match(rf"##\s+({SEC})\.?\s", line)
                if m:
                    inside = m[1] == CHECKLIST_SECTION
                elif re.match(r"#\s", line):
                    inside = False
                elif inside:
                    m = re.match(r"(\d+)\.\s", line)
                    if m:
                        self.items.add(int(m[1]))
        self.rows = set()
        path = ROOT / "KNOWN-DIFFERENCES.md"
        if path.exists():
            self.rows = {int(m[1]) for m in re.finditer(r"^\|\s*(\d+)\s*\|", path.read_text(), re.M)}


class Check:
    def __init__(self):
        self.docs = Docs()
        self.errors = []
        self.found = []  # (file, line, form, text): printed with --list
        names = sorted(TEAM_DOCS | set(self.docs.sections), key=len, reverse=True)
        self.re_doc_path = re.compile(rf"(?<![\w/.-])((?:\.\.?/)*(?:[\w.-]+/)*)({'|'.join(map(re.escape, names))})\.md\b")
        self.counts = {"model §": 0, "docs/X.md §": 0, "checklist items": 0, "KNOWN-DIFFERENCES rows": 0,
                       "paths to docs/": 0, "Markdown links": 0}

    def note(self, rel, line, form, text):
        self.found.append((rel.as_posix(), line, form, " ".join(text.split())))

    def fail(self, rel, line, what):
        self.errors.append(f"{rel}:{line}: {what}")

    def section(self, rel, line, doc, cited, text):
        heads = self.docs.sections.get(doc)
        for s in sections(cited):
            if heads is None:
                self.fail(rel, line, f"{text!r}: no docs/{doc}.md")
            elif s not in heads:
                self.fail(rel, line, f"{text!r}: docs/{doc}.md has no section numbered {s}")

    def items(self, rel, line, cited, text):
        for n in numbers(cited):
            self.counts["checklist items"] += 1
            if n not in self.docs.items:
                self.fail(rel, line, f"{text!r}: docs/{CHECKLIST}.md §{CHECKLIST_SECTION} has no item {n}")

    def doc_path(self, rel, prefix, name):
        """The document a path names, or None when it does not resolve inside the repository."""
        if not prefix:
            path = ROOT / "docs" / f"{name}.md"
            return path if path.exists() or name in TEAM_DOCS else False
        candidates = [ROOT / rel.parent / prefix / f"{name}.md"]
        if not prefix.startswith(("../", "./")):
            candidates.append(ROOT / prefix / f"{name}.md")
        for c in candidates:
            c = c.resolve()
            if c.is_relative_to(ROOT) and c.exists():
                return c
        return None

    def scan(self, rel, text):
        # Fold line breaks and comment leaders into single spaces; keep each line's offset.
        lines = text.split("\n")
        starts, parts, pos = [], [], 0
        for i, line in enumerate(lines):
            piece = line if i == 0 else RE_LEADER.sub("", line, count=1)
            starts.append(pos)
            parts.append(piece)
            pos += len(piece) + 1
        flat = " ".join(parts)

        def at(m):
            return bisect.bisect_right(starts, m.start()) if m else 0

        name = rel.as_posix()
        for m in RE_OUTSIDE.finditer(flat):
            self.fail(rel, at(m), f"{m[0]!r} points outside the repository")
        for m in RE_MODEL.finditer(flat):
            self.counts["model §"] += len(sections(m[1]))
            self.note(rel, at(m), "model §", m[0])
            self.section(rel, at(m), MODEL, m[1], m[0])
        for m in RE_PATH_SEC.finditer(flat):
            prefix, doc = m[1], m[2]
            path = self.doc_path(rel, prefix, doc)
            if path is False:
                continue  # a bare name of a document outside this project (client-spec.md)
            self.counts["docs/X.md §"] += len(sections(m[3]))
            self.note(rel, at(m), "docs/X.md §", m[0])
            if path is None or (path and path.parent != ROOT / "docs"):
                self.fail(rel, at(m), f"{m[0]!r}: {prefix}{doc}.md is not a document of docs/")
            else:
                self.section(rel, at(m), doc, m[3], m[0])
        for m in RE_CHECKLIST.finditer(flat):
            self.note(rel, at(m), "checklist", m[0])
            self.items(rel, at(m), m[1] or m[2], m[0])
        if name.startswith(BARE_ITEM_DIRS):
            for m in RE_BARE_ITEM.finditer(flat):
                self.note(rel, at(m), "item", m[0])
                self.items(rel, at(m), m[1], m[0])
        for m in RE_KD.finditer(flat):
            if name == "KNOWN-DIFFERENCES.md":
                continue
            self.note(rel, at(m), "KNOWN-DIFFERENCES", m[0])
            for n in numbers(m[1]):
                self.counts["KNOWN-DIFFERENCES rows"] += 1
                if n not in self.docs.rows:
                    self.fail(rel, at(m), f"{m[0]!r}: KNOWN-DIFFERENCES.md has no row {n}")
        for m in self.re_doc_path.finditer(flat):
            if not m[1]:
                continue  # a bare name: resolved with its § above, or just naming the document
            self.counts["paths to docs/"] += 1
            self.note(rel, at(m), "path", m[0])
            if not self.doc_path(rel, m[1], m[2]):
                self.fail(rel, at(m), f"{m[0]!r} does not resolve to a file of docs/ from {rel.parent.as_posix() or '.'}/")
        if rel.suffix == ".md":
            self.markdown(rel, text)

    def markdown(self, rel, text):
        # Checklist numbers ending the rows of a table under a heading citing the checklist.
        table = False
        for i, line in markdown_lines(text):
            if line.startswith("#"):
                table = f"{CHECKLIST}.md" in line and f"§{CHECKLIST_SECTION}" in line.replace("§ ", "§")
            elif table and line.startswith("|"):
                for m in RE_TABLE_ITEMS.finditer(line):
                    self.note(rel, i, "checklist table", m[0])
                    self.items(rel, i, m[1], m[0])
        name = rel.as_posix()
        if name.startswith(LINK_SKIP):
            return
        for i, line in markdown_lines(text):
            for m in RE_LINK.finditer(re.sub(r"`[^`]*`", "", line)):
                target = m[1] or m[2]
                if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("#"):
                    continue
                self.counts["Markdown links"] += 1
                self.note(rel, i, "link", target)
                path = target.split("#", 1)[0].split("?", 1)[0]
                resolved = (ROOT / path.lstrip("/")) if path.startswith("/") else (ROOT / rel.parent / path)
                resolved = resolved.resolve()
                if not resolved.is_relative_to(ROOT):
                    self.fail(rel, i, f"link {target!r} points outside the repository")
                elif not resolved.exists():
                    self.fail(rel, i, f"link {target!r}: no such file")


def main():
    check = Check()
    if not check.docs.items:
        check.fail(Path(f"docs/{CHECKLIST}.md"), 0, f"no numbered checklist found in §{CHECKLIST_SECTION}")
    for rel, text in files():
        check.scan(rel, text)
    if "--list" in sys.argv[1:]:
        for rel, line, form, text in check.found:
            print(f"{rel}:{line}: [{form}] {text}")
    c = check.counts
    total = c["model §"] + c["docs/X.md §"] + c["checklist items"] + c["KNOWN-DIFFERENCES rows"]
    detail = ", ".join(f"{k}: {v}" for k, v in c.items())
    if check.errors:
        for e in check.errors:
            print(e)
        print(f"{len(check.errors)} of {total} citations, paths or links do not resolve ({detail})")
        return 1
    print(f"{total} citations, all resolve ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
