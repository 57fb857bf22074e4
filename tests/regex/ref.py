#!/usr/bin/env python3
"""ref.py KIND INPUT: what tests/regex.sh's programs must print, computed
with Python's re (on bytes) — an independent reference for PCRE2.

rows     find_re, matches, replace_re (with $2 $1, and an empty-matching x*)
extract  extract's group 2, where it takes part (the others are dropped:
         their number goes to stderr)
split    split_re's pieces, one per line"""
import re
import sys

kind, path = sys.argv[1], sys.argv[2]
out = sys.stdout.buffer
num = re.compile(rb"[0-9]{2,}")
low = re.compile(rb"^[a-z]")
kv = re.compile(rb"([a-z]+)=([0-9]+)")
xs = re.compile(rb"x*")
idt = re.compile(rb"id=([0-9]+)(?:/([a-z]+))?")
sep = re.compile(rb"[,;]+ *")
dropped = 0
with open(path, "rb") as f:
    for line in f:
        line = line[:-1] if line.endswith(b"\n") else line
        if kind == "rows":
            m = num.search(line)
            out.write(b"%d\t%s\t%s\t%s\n" % (m.start() if m else -1,
                                             b"true" if low.search(line) else b"false",
                                             kv.sub(rb"\2=\1", line), xs.sub(b"-", line)))
        elif kind == "extract":
            m = idt.search(line)
            if m and m.group(2) is not None:
                out.write(m.group(2) + b"\n")
            else:
                dropped += 1
        elif kind == "split":
            for piece in sep.split(line):
                out.write(piece + b"\n")
if kind == "extract":
    print(dropped, file=sys.stderr)
