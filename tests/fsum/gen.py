#!/usr/bin/env python3
"""gen.py SEED LINES: adversarial "key value" lines for the exact f64 sums.

Every value is written with repr(), so the pipeline's parse_f64 reads the
same double Python holds.  Keys mix what breaks a plain running sum: huge
cancellations (1e308 + 1 - 1e308), values across 600 and more binades of
both signs, subnormals, many copies of 0.1, sums that overflow on the way
but not in the end, and many small keys.  Lines of one key are scattered
over the whole file, so every partition size cuts them differently.
"""
import random
from fractions import Fraction
import sys

seed, n = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)


def wide():   # any sign, 2^-1000 .. 2^1000: about 2000 binades
    return rnd.choice((-1, 1)) * rnd.random() * 2.0 ** rnd.randint(-1000, 1000)


def binades600():
    return rnd.choice((-1, 1)) * (1 + rnd.random()) * 2.0 ** rnd.randint(-300, 300)


def subnormal():
    return rnd.choice((-1, 1)) * rnd.randint(1, 2 ** 52 - 1) * 5e-324


def cancel():
    return rnd.choice((1e308, -1e308, 1.0, -1.0, 1e-308, 2.0 ** -1074, 3.0, 1e16, -1e16))


def overflow():   # partial sums pass 1.8e308; the exact sum stays in range
    return rnd.choice((1.5e308, 1.5e308, -1.5e308, -1.5e308, 1e292, -7.0))


kinds = [
    ("wide", wide), ("b600", binades600), ("sub", subnormal), ("cancel", cancel),
    ("tenth", lambda: 0.1), ("mixed", lambda: rnd.choice((wide, subnormal, cancel))()),
    ("over", overflow),
]
lines = []
for i in range(n):
    if i % 10 == 0:   # many keys with a few values each
        k, v = "k%d" % rnd.randint(0, 4999), rnd.choice(kinds)[1]()
    else:
        name, f = rnd.choice(kinds)
        k, v = "%s%d" % (name, rnd.randint(0, 3)), f()
    lines.append((k, v))
# The "over" keys pass the largest double on the way, in any order, but
# end in range: values of the other sign bring each exact sum back.
for k in ("over%d" % i for i in range(4)):
    s = sum(Fraction(v) for kk, v in lines if kk == k)
    while abs(s) > Fraction(1e308):
        v = -1.5e308 if s > 0 else 1.5e308
        lines.append((k, v))
        s += Fraction(v)
rnd.shuffle(lines)
sys.stdout.write("".join("%s %r\n" % kv for kv in lines))
