#!/usr/bin/env python3
"""doctest.py — run the command samples of README.md and docs/*.md and
compare what they print with what the page shows.

    tests/doctest.py [--fpipec PATH] [--keep] [FILE.md ...]

A *sample* is a fenced block (```) whose first line starts with "$ " and
which shows output: "$ COMMAND" lines, each followed by the lines it
prints (standard output and standard error together, as a terminal shows
them).  A command line ending in "\\" goes on on the next line.  A
fenced block of "$ " lines alone (no output shown) is run too: each of its
commands must exit 0, and what they print is not compared.

Each page gets a scratch folder, shared by its samples in page order:
  examples/ and tests/verify/ copied from the checkout, build/fpipec (and
  fpipec on PATH) standing for the compiler under test; the environment is
  fixed: LC_ALL=C, NO_COLOR=1, FPIPE_HASH_SEED=1, no other FPIPE_ variable
  (CC, FPIPE_CFLAGS and the sanitizers' options are passed on).

Marks, as HTML comments on the lines right before a fence (invisible on
the rendered page), in the order given:
  <!-- doctest: skip REASON -->   do not run this sample (counted, with
                                  the reason)
  <!-- doctest: setup COMMAND --> run COMMAND (bash) in the scratch folder
                                  first; it must exit 0 (its output is not
                                  shown)
  <!-- doctest: file NAME -->     this fenced block (any block, not only a
                                  sample) is written to NAME in the scratch
                                  folder: the page's own run.yaml, say

Comparison is exact, line by line, after two rules applied to both the
page and the output:
  1. A line that is "..." alone (indentation allowed) on the page stands
     for any number of lines, none included.
  2. Measurements that differ from run to run are replaced by a
     placeholder on both sides:
       - times: a decimal number followed by " s", " ms" or "s" ("0.006 s",
         "12.5 ms", "done in 2.3s"), and the JSON members "seconds",
         "stage1", "total", "backoff_seconds", "stage1_seconds" and
         "*_seconds" with a number;
       - throughput: a number, with a k/M/G multiplier or not, before a
         unit per second ("516 MB/s", "4.21M records/s");
       - memory: "peak RSS N.N MB", "(peak RSS N.Nx that)" and the JSON
         member "peak_rss_bytes".
     Counts, sizes of tables and keys, and everything else must match.
The exit status of a sample's commands is not compared when it shows
output (a sample may show an error); a setup command's is, and so is that
of a sample showing no output.

Prints one line per sample: "ok - ...", "FAIL - ..." followed by a diff
(indented), or "skip - ... (REASON)"; then a summary line
"doctest: N samples run, N failed, N skipped, N without output" (of those
run, the ones showing no output).  Exits 1 when a sample failed.
"""
import argparse
import difflib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

MARK = re.compile(r"^\s*<!--\s*doctest:\s*(skip|setup|file)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```")

# Rule 2: run-to-run measurements, replaced on both sides.
NORMALISE = [
    (re.compile(r"\b\d+\.\d+( ?m?s)\b"), r"<T>\1"),
    (re.compile(r'"(seconds|stage1|total|backoff_seconds|[a-z0-9_]*_seconds)":-?[0-9.e+-]+'),
     r'"\1":<T>'),
    (re.compile(r"\b\d+(\.\d+)?[kMG]? ?([A-Za-z]+/s)\b"), r"<N> \2"),
    (re.compile(r"peak RSS \d+(\.\d+)? [kMG]?B"), "peak RSS <M>"),
    (re.compile(r"\(peak RSS \d+(\.\d+)?x that\)"), "(peak RSS <R>x that)"),
    (re.compile(r'"peak_rss_bytes":\d+'), '"peak_rss_bytes":<M>'),
]


def normalise(line):
    for rx, rep in NORMALISE:
        line = rx.sub(rep, line)
    return line.rstrip()


def matches(expected, actual):
    """Rule 1 ("..." lines) over normalised lines: True when they match."""
    exp = [normalise(x) for x in expected]
    act = [normalise(x) for x in actual]
    memo = {}

    def m(i, j):
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(exp):
            r = j == len(act)
        elif exp[i].strip() == "...":
            r = any(m(i + 1, k) for k in range(j, len(act) + 1))
        else:
            r = j < len(act) and exp[i] == act[j] and m(i + 1, j + 1)
        memo[key] = r
        return r

    return m(0, 0)


class Sample:
    def __init__(self, page, line, indent, body, marks):
        self.page = page
        self.line = line      # 1-based line of the first "$ "
        self.indent = indent
        self.body = body      # lines without the fence's indentation
        self.marks = marks    # [(kind, arg)]

    def commands(self):
        """[(command, [expected lines])]"""
        out = []
        i = 0
        while i < len(self.body):
            l = self.body[i]
            if l.startswith("$ "):
                cmd = l[2:]
                while cmd.endswith("\\") and i + 1 < len(self.body):
                    i += 1
                    cmd = cmd[:-1] + "\n" + self.body[i]
                out.append((cmd, []))
            elif out:
                out[-1][1].append(l)
            i += 1
        return out

    def title(self):
        first = self.body[0][2:].split("  #")[0].strip()
        return "%s:%d %s" % (self.page, self.line, first)


def parse_page(path, rel):
    """The page's fenced blocks, in order: (kind, Sample) where kind is
    'sample', 'file' (a block to write, with its marks) or 'plain'."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    marks = []
    i = 0
    while i < len(lines):
        mk = MARK.match(lines[i])
        if mk:
            marks.append((mk.group(1), mk.group(2)))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if not f:
            if lines[i].strip():
                marks = []   # a mark belongs to the fence right after it
            i += 1
            continue
        indent = f.group(1)
        j = i + 1
        body = []
        while j < len(lines) and not FENCE.match(lines[j]):
            l = lines[j]
            body.append(l[len(indent):] if l.startswith(indent) else l.lstrip())
            j += 1
        s = Sample(rel, i + 2, indent, body, marks)
        if body and body[0].startswith("$ "):
            kind = "sample" if any(not x.startswith("$ ") for x in body) else "commands"
        else:
            kind = "plain"
        blocks.append((kind, s))
        marks = []
        i = j + 1
    return blocks


def scratch_for(base, rel, fpipec):
    d = os.path.join(base, re.sub(r"[^A-Za-z0-9]+", "_", rel))
    os.makedirs(os.path.join(d, "build"))
    os.makedirs(os.path.join(d, "bin"))
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(d, "examples"))
    shutil.copytree(os.path.join(ROOT, "tests", "verify"), os.path.join(d, "tests", "verify"))
    os.symlink(fpipec, os.path.join(d, "build", "fpipec"))
    os.symlink(fpipec, os.path.join(d, "bin", "fpipec"))
    return d


def environment(scratch):
    env = {
        "PATH": os.path.join(scratch, "bin") + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "LC_ALL": "C",
        "NO_COLOR": "1",
        "FPIPE_HASH_SEED": "1",
    }
    for k in ("CC", "FPIPE_CFLAGS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def run(cmd, scratch):
    p = subprocess.run(["bash", "-c", cmd], cwd=scratch, env=environment(scratch),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = p.stdout.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return p.returncode, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fpipec", default=os.path.join(ROOT, "build", "fpipec"))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders")
    ap.add_argument("pages", nargs="*")
    a = ap.parse_args()
    fpipec = os.path.abspath(a.fpipec)
    pages = a.pages or (["README.md"] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))))
    base = tempfile.mkdtemp(prefix="fpipe-doctest.")
    nrun = nfail = nskip = nquiet = 0
    try:
        for page in pages:
            path = page if os.path.isabs(page) else os.path.join(ROOT, page)
            rel = os.path.relpath(path, ROOT)
            if rel.startswith(".."):
                rel = os.path.basename(path)
            blocks = parse_page(path, rel)
            if not any(k != "plain" or any(m[0] == "file" for m in s.marks) for k, s in blocks):
                continue
            scratch = scratch_for(base, rel, fpipec)
            for kind, s in blocks:
                skip = [arg for k, arg in s.marks if k == "skip"]
                for k, arg in s.marks:
                    if k == "file" and not skip:
                        with open(os.path.join(scratch, arg), "w") as f:
                            f.write("\n".join(s.body) + "\n")
                if kind == "plain":
                    continue
                if skip:
                    nskip += 1
                    print("skip - doctest: %s (%s)" % (s.title(), skip[0] or "no reason given"))
                    continue
                problems = []
                for k, arg in s.marks:
                    if k != "setup":
                        continue
                    rc, out = run(arg, scratch)
                    if rc != 0:
                        problems.append("setup '%s' exited %d:" % (arg, rc))
                        problems += out[-20:]
                if not problems:
                    for cmd, expected in s.commands():
                        try:
                            rc, actual = run(cmd, scratch)
                        except subprocess.TimeoutExpired:
                            problems.append("$ %s: timed out" % cmd)
                            continue
                        if kind == "commands":
                            if rc != 0:
                                problems.append("$ %s: exited %d (a sample showing no output "
                                                "must succeed):" % (cmd, rc))
                                problems += actual[-20:]
                        elif not matches(expected, actual):
                            problems.append("$ %s" % cmd)
                            problems += list(difflib.unified_diff(
                                expected, actual, "the page", "what it prints", lineterm="", n=2))
                nrun += 1
                nquiet += kind == "commands"
                if problems:
                    nfail += 1
                    print("FAIL - doctest: %s" % s.title())
                    for p in problems:
                        print("    " + p)
                else:
                    print("ok - doctest: %s" % s.title())
    finally:
        if a.keep:
            print("doctest: scratch folders kept in %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    print("doctest: %d samples run, %d failed, %d skipped, %d without output"
          % (nrun, nfail, nskip, nquiet))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
