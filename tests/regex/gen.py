#!/usr/bin/env python3
"""gen.py N SEED: N lines for tests/regex.sh, with the edge cases first.

Words, numbers, key=value pairs and id=N/tag fields, cut by commas,
semicolons and spaces; bytes 0x80-0xff inside words; empty lines, lines of
separators only, a separator or an x at the end.  No tab, backslash or CR
(a TSV sink would escape them)."""
import random
import sys

EDGES = [b"", b",", b",;, ;", b"a,", b",a", b"x", b"abx", b"xxx", b"id=7", b"id=7/",
         b"id=12/ok", b"k=1 j=22", b"99", b"a\xe9b=3", b"\xff\xfe,\x80"]


def word(r):
    n = r.randint(1, 7)
    w = bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(n))
    if r.random() < 0.05:
        w += bytes([r.randint(0x80, 0xff)])
    return w


def token(r):
    k = r.random()
    if k < 0.35:
        return word(r)
    if k < 0.55:
        return str(r.randint(0, 10 ** r.randint(1, 5))).encode()
    if k < 0.75:
        return word(r) + b"=" + str(r.randint(0, 999)).encode()
    if k < 0.9:
        t = b"id=" + str(r.randint(0, 99999)).encode()
        return t + (b"/" + word(r) if r.random() < 0.5 else b"")
    return b"x" * r.randint(1, 3)


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    out = sys.stdout.buffer
    for e in EDGES:
        out.write(e + b"\n")
    for _ in range(n - len(EDGES)):
        parts = []
        for _ in range(r.randint(0, 9)):
            parts.append(token(r))
            parts.append(r.choice([b" ", b",", b";", b", ", b",,", b" ; "]))
        line = b"".join(parts)
        if r.random() < 0.5:
            line = line.rstrip(b" ,;")
        out.write(line + b"\n")


main()
