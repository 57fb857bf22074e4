#!/usr/bin/env python3
"""codestyle.py — does generated C read like its pipeline?

Usage: codestyle.py FPIPE C [FPIPE C ...]   (pairs: a .fpipe and its emit-c)

For each generated C file, checks (issue 14):
  * instrumentation (--stats operator times; element counters: their
    declarations, increments, flushes to w->stat) is at most 10% of the
    lines of each stage function (a flatmap loop counting its items in its
    header is a loop, not an instrumentation line); a
    stage's timed variant (NAME_timed, which the runtime runs only under
    --stats) is left out: it is the instrumented copy by design;
  * every element counter is named for what it counts: n_OP (elements
    operator OP passed on), n_OP_rejected, n_OP_expanded, n_OP_read;
  * no line is over 120 columns, except the plan text (plan_text[], the
    string --explain prints) and comment lines quoting a .fpipe line
    exactly (a quote is not wrapped);
  * every operator of the .fpipe is quoted, all its lines in order and
    exactly as written, in a comment inside a stage function, followed by
    code (its block).
Prints one "ok - " or "FAIL - " line per file and check; exits 1 on any
failure.
"""
import re
import sys

MAX_COLS = 120
MAX_INSTR = 0.10
OPS = ("source", "map", "filter", "flatmap", "batch_map", "combine", "combine_per_key",
       "top", "sink")
OP_LINE = re.compile(r"^(%s)\s" % "|".join(OPS))
STAGE_FN = re.compile(r"^static \w+ (stage\d+_\w+|resume1_from_\w+)\(")
INSTR = re.compile(r"\bFP_TIME|\bFP_TIMER|\bfp_tick\(|\bfp_sample\(|\bfp_t\b|\bfp_skip\b|"
                   r"\bfp_timed_op\b|\bfp_n\d+\b|"
                   # counting: declarations, increments, flushes to w->stat
                   r"\bFP_COUNT|\bFP_FLUSH_COUNTS\b|\bw->stat\[|\bn_\w+\s*(\+\+|\+=|-=|--|= 0)|"
                   r"(\+\+|--)\s*n_\w+\b")
# A flatmap's loop that counts its items in its header: a loop, not an
# instrumentation line (the increment is on the statement it counts).
LOOP_COUNT = re.compile(r"^\s*for \(.*\bn_\w+\+\+\) \{$")
COUNTER_DECL = re.compile(r"^\s*uint64_t (n_\w+ = 0(, n_\w+ = 0)*);")


def quoted(line):
    """A .fpipe line as the emitter may quote it in a C comment."""
    out = []
    for i, c in enumerate(line):
        d = line[i + 1] if i + 1 < len(line) else ""
        if c + d in ("*/", "/*", "??"):
            out.append(c + "\\")
        elif (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7f:
            out.append("?")
        elif 0xdc80 <= ord(c) <= 0xdcff:   # a byte over 0x7f (surrogateescape)
            out.append("\\x%02x" % (ord(c) - 0xdc00))
        else:
            out.append(c)
    return "".join(out)


def is_comment(line):
    s = line.strip()
    return s == "" or s.startswith("#")


def operators(fpipe_lines):
    """Each operator's lines: its keyword's line, then the indented lines
    after it (trailing blank and comment lines left out)."""
    ops = []
    i = 0
    while i < len(fpipe_lines):
        if not OP_LINE.match(fpipe_lines[i]):
            i += 1
            continue
        block = [fpipe_lines[i]]
        j = i + 1
        while j < len(fpipe_lines) and not OP_LINE.match(fpipe_lines[j]) and \
                (is_comment(fpipe_lines[j]) or fpipe_lines[j][:1] in (" ", "\t")):
            block.append(fpipe_lines[j])
            j += 1
        while len(block) > 1 and is_comment(block[-1]):
            block.pop()
        ops.append([quoted(b.rstrip(" \t\r")) for b in block])
        i = j
    return ops


def comment_text(line):
    """The text of a comment line, without its /* or * lead and */ end."""
    s = line.strip()
    for lead in ("/* ", " * ", "* "):
        if s.startswith(lead.strip() + " "):
            s = s[len(lead.strip()) + 1:]
            break
    return s


def check(fpipe, cfile):
    fails = []
    src = open(fpipe, encoding="ascii", errors="surrogateescape").read().split("\n")
    c = open(cfile, encoding="utf-8", errors="surrogateescape").read().split("\n")
    src_quotes = {quoted(l.rstrip(" \t\r")) for l in src if l.strip()}

    # Stage functions: (name, first line index, lines).
    fns = []
    i = 0
    while i < len(c):
        m = STAGE_FN.match(c[i])
        if m:
            j = i
            while j < len(c) and c[j] != "}":
                j += 1
            fns.append((m.group(1), i, c[i:j + 1]))
            i = j
        i += 1
    if not fns:
        fails.append("no stage function found")

    for name, _, body in fns:
        if name.endswith("_timed"):
            continue
        n_instr = sum(1 for l in body if INSTR.search(l) and not LOOP_COUNT.match(l))
        if n_instr > MAX_INSTR * len(body):
            fails.append("%s: %d of its %d lines are instrumentation (over %d%%)"
                         % (name, n_instr, len(body), int(MAX_INSTR * 100)))

    op_names = set()
    for op in operators(src):
        m = re.match(r"^\w+\s+(\w+)", op[0])
        if m:
            op_names.add(m.group(1))
    for name, _, body in fns:
        for l in body:
            m = COUNTER_DECL.match(l)
            if not m:
                continue
            for v in re.findall(r"n_(\w+) = 0", m.group(1)):
                base = re.sub(r"_(rejected|expanded|read)$", "", v)
                if v not in op_names and base not in op_names:
                    fails.append("%s: counter n_%s does not name an operator" % (name, v))

    in_plan = False
    for k, l in enumerate(c):
        if l.startswith("static const char plan_text[]"):
            in_plan = True
        if in_plan:
            if l.strip() == ";":
                in_plan = False
            continue
        if len(l) <= MAX_COLS:
            continue
        t = comment_text(l)
        if any(t == q or t.startswith(q + "  (") for q in src_quotes):
            continue
        fails.append("line %d has %d columns: %s" % (k + 1, len(l), l.strip()[:60]))

    stage_lines = []
    for _, _, body in fns:
        stage_lines.extend(body)
    texts = [comment_text(l) for l in stage_lines]
    for op in operators(src):
        found = False
        for k, t in enumerate(texts):
            if len(op) == 1:
                hit = t == op[0] or t.startswith(op[0] + "  (")
                n = 1
            else:   # a block: "/* file:line", the lines, " */"
                hit = texts[k + 1:k + 1 + len(op)] == op and stage_lines[k].strip().startswith("/*")
                n = len(op) + 2
            if hit:
                nxt = stage_lines[k + n] if k + n < len(stage_lines) else "}"
                if nxt.strip() not in ("}", ""):
                    found = True
                    break
        if not found:
            fails.append("operator not quoted exactly, with its block after it: %s" % op[0][:70])
    return fails


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print("usage: codestyle.py FPIPE C [FPIPE C ...]", file=sys.stderr)
        return 2
    bad = 0
    for fpipe, cfile in zip(argv[1::2], argv[2::2]):
        fails = check(fpipe, cfile)
        if fails:
            bad += 1
            print("FAIL - codestyle: %s" % cfile)
            for f in fails:
                print("    " + f)
        else:
            print("ok - codestyle: %s reads like %s" % (cfile, fpipe))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
