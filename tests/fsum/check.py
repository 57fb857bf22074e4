#!/usr/bin/env python3
"""check.py INPUT OUTPUT [global]: the pipeline's sums and means, bit for bit.

OUTPUT has "key<TAB>sum<TAB>mean<TAB>count" lines (or, with `global`, one
"sum<TAB>mean<TAB>count" line over every value).  The reference is
math.fsum (the exact sum rounded once); where fsum gives up on an
intermediate overflow, the exact rational sum rounded by float(Fraction).
Values are compared as doubles parsed back from the text, never as text.
Prints the number of keys checked, or the first difference and exits 1.
"""
import math
import struct
import sys
from fractions import Fraction

inp, outp = sys.argv[1], sys.argv[2]
glob = len(sys.argv) > 3
vals = {}
for line in open(inp):
    k, v = line.split()
    vals.setdefault("" if glob else k, []).append(float(v))


def exact(xs):
    try:
        return math.fsum(xs)
    except OverflowError:
        s = sum(Fraction(x) for x in xs)
        try:
            return float(s)
        except OverflowError:
            return math.inf if s > 0 else -math.inf


def bits(x):
    return struct.pack("<d", x)


seen = 0
for line in open(outp):
    f = line.rstrip("\n").split("\t")
    k, rest = ("", f) if glob else (f[0], f[1:])
    xs = vals.pop(k, None)
    if xs is None:
        sys.exit("key %r is not in the input" % k)
    s = exact(xs)
    m = s / len(xs)
    want = (s, m, len(xs))
    got = (float(rest[0]), float(rest[1]), int(rest[2]))
    if bits(got[0]) != bits(want[0]) or bits(got[1]) != bits(want[1]) or got[2] != want[2]:
        sys.exit("key %r: got sum %r mean %r count %d, want %r %r %d"
                 % ((k,) + got + want))
    seen += 1
if vals:
    sys.exit("keys missing from the output: %s" % sorted(vals)[:5])
print(seen)
