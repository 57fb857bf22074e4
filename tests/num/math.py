#!/usr/bin/env python3
"""math.py — data for tests/num/math.fpipe and cast.fpipe, and their
results checked against Python's math module (issue 16 part 3).

  math.py gen N            N lines: edge values first (nan, inf, -0.0,
                           halves, 2^53, 2^63, INT64_MIN), then random ones
  math.py check IN OUT     OUT, math.fpipe's output for IN: every field
                           the same f64 (bit for bit, any nan) or i64
  math.py cast IN OUT      cast.fpipe's: exactly the in-range lines, with
                           int(x); prints how many are dropped"""
import math
import random
import struct
import sys

I64_MIN, I64_MAX = -2**63, 2**63 - 1
EDGE_I = [0, 1, -1, 7, 3, 4, I64_MIN, I64_MAX, I64_MIN + 1, I64_MAX - 1, 2**53, 2**53 + 1,
          -2**53 - 1, 2**62, 3074457345618258603]
EDGE_F = ["0", "-0", "0.5", "-0.5", "1.5", "-1.5", "2.5", "-2.5", "0.49999999999999994",
          "-0.49999999999999994", "4503599627370495.5", "4503599627370497", "1e300", "-1e300",
          "709.78", "710", "-745.2", "-746", "nan", "inf", "-inf", "9223372036854775807",
          "9223372036854774784", "-9223372036854775808", "-9223372036854777856", "1e-320",
          "-1e-320", "2", "-2", "3", "-8", "0.1", "1e19", "-1e19", "1e308"]


def wrap(v):
    return (v + 2**63) % 2**64 - 2**63


def gen(n):
    rnd = random.Random(16)
    rows = []
    for i in EDGE_I:
        for x in EDGE_F[:12]:
            rows.append((i, x, rnd.choice(EDGE_F)))
    for x in EDGE_F:
        for y in EDGE_F:
            rows.append((rnd.choice(EDGE_I), x, y))
    while len(rows) < n:
        k = rnd.random()
        i = rnd.randint(I64_MIN, I64_MAX) if k < 0.3 else rnd.randint(-10**6, 10**6)
        if k < 0.2:
            x = repr(rnd.uniform(-1e3, 1e3))
        elif k < 0.4:
            x = repr(rnd.randint(-40, 40) / 2)
        elif k < 0.7:
            x = repr(math.ldexp(rnd.random(), rnd.randint(-60, 70)) * rnd.choice((1, -1)))
        else:
            x = repr(struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0])
            if x in ("nan", "inf", "-inf") and rnd.random() < 0.5:
                x = "1.25"
        y = rnd.choice((repr(rnd.uniform(-4, 4)), repr(float(rnd.randint(-5, 5))), rnd.choice(EDGE_F)))
        rows.append((i, x, y))
    for i, x, y in rows:
        print(f"{i}\t{x}\t{y}")


def num(t):
    return float(t)


def c_round(x):
    if math.isnan(x) or math.isinf(x):
        return x
    f, i = math.modf(abs(x))
    return math.copysign(i + (1.0 if f >= 0.5 else 0.0), x)


def c_floor(x):
    if math.isnan(x) or math.isinf(x):
        return x
    f = float(math.floor(x))
    return math.copysign(0.0, x) if f == 0 else f


def c_ceil(x):
    if math.isnan(x) or math.isinf(x):
        return x
    c = float(math.ceil(x))
    return math.copysign(0.0, x) if c == 0 else c


def c_sqrt(x):
    return math.sqrt(x) if x >= 0 or math.isnan(x) else math.nan


def c_log(x):
    if x == 0:
        return -math.inf
    return math.log(x) if x > 0 or math.isnan(x) else math.nan


def c_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def c_pow(x, y):
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = y == math.floor(y) and math.fmod(y, 2) != 0
        return -math.inf if x < 0 and odd else math.inf
    except ValueError:
        if x == 0:   # 0 to a negative power
            odd = y == math.floor(y) and math.fmod(y, 2) != 0
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan


def ieee_min(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b:
        return a if math.copysign(1, a) < 0 else b
    return min(a, b)


def ieee_max(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b:
        return b if math.copysign(1, a) < 0 else a
    return max(a, b)


def bits(v):
    return "nan" if math.isnan(v) else struct.pack("<d", v)


def expect(i, x, y):
    return [i, x, y, float(i), wrap(abs(i)), min(i, wrap(7 - i)), max(i, wrap(7 - i)),
            wrap(i + i), wrap(i * 3), wrap(-i),
            c_floor(x), c_ceil(x), c_round(x), abs(x), c_sqrt(x), c_log(x), c_exp(x),
            c_pow(x, y), ieee_min(x, y), ieee_max(x, y)]


def check(inp, out):
    bad = 0
    with open(inp) as fi, open(out) as fo:
        ins, outs = fi.read().splitlines(), fo.read().splitlines()
    if len(ins) != len(outs):
        print(f"{len(outs)} lines out for {len(ins)} in")
        return 1
    names = "i x y f64(i) abs(i) min(i) max(i) i+i i*3 -i floor ceil round abs sqrt log exp pow min max".split()
    for n, (li, lo) in enumerate(zip(ins, outs), 1):
        t = li.split("\t")
        want = expect(int(t[0]), num(t[1]), num(t[2]))
        got = lo.split("\t")
        for k, w in enumerate(want):
            ok = got[k] == str(w) if isinstance(w, int) else bits(num(got[k])) == bits(w)
            if not ok:
                bad += 1
                if bad <= 10:
                    print(f"line {n} ({li!r}): {names[k]} is {got[k]}, Python says {w!r}")
    return 1 if bad else 0


def cast(inp, out):
    want = []
    dropped = 0
    with open(inp) as fi:
        for li in fi:
            x = num(li.split("\t")[1])
            if math.isnan(x) or not (-2.0**63 <= x < 2.0**63):
                dropped += 1
                continue
            want.append((x, int(x)))
    with open(out) as fo:
        got = [l.split("\t") for l in fo.read().splitlines()]
    if len(got) != len(want):
        print(f"{len(got)} lines out, Python keeps {len(want)}")
        return 1
    for n, ((x, i), g) in enumerate(zip(want, got), 1):
        if bits(num(g[0])) != bits(x) or g[1] != str(i):
            print(f"output line {n}: {g}, Python says {x!r} {i}")
            return 1
    print(dropped)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]))
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(cast(sys.argv[2], sys.argv[3]))
