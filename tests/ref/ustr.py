#!/usr/bin/env python3
"""ustr.py — inputs and Python's answers for tests/ustr.sh (the UTF-8 and
string builtins of runtime/strings.c).

  ustr.py gen IN           write the input: lines "A#B#F#I"
  ustr.py ref IN ROWS ERR  the rows tests/ustr.sh's map gives, and its
                           error lines as "LINE<TAB>invalid UTF-8 at byte N"
  ustr.py words IN OUT     word counts of words(casefold(line)) over the
                           valid lines, "word<TAB>count" in byte order

A is text whose one-to-one case mapping is Python's str.lower/upper (no
ß, İ, Σ, ligatures); B is any text, with combining marks, Hangul jamo,
final sigma, ligatures, digits of other scripts, and in one line of 40 a
byte that is not UTF-8; F is an f64 (repr), I a non-negative i64.
"""
import random
import sys
import unicodedata
from collections import Counter

SAFE = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789  ") + \
    list("éÉöÖñÑжЖσάΆǅǆωΩ漢-,.")
ANY = SAFE + ["ß", "ẞ", "Σ", "ς", "İ", "ﬁ", "\u0301", "\u0323", "e\u0301", "\u1100\u1161",
              "Å", "K", "٣", "²", "Ⅳ", "’", "_", "😀", "'", "Å"]
WS = " \t\n\v\f\r"   # split_ws's whitespace: trim's
FLOATS = [0.0, -0.0, 0.125, 2.675, -2.5, 1e20, 1e-7, 0.5, 1.5, 2.5, -1234.5678, 999.9995]


def text(alpha, rnd, n):
    return "".join(rnd.choice(alpha) for _ in range(n))


def gen(path):
    rnd = random.Random(16)
    with open(path, "wb") as f:
        for k in range(12000):
            a = text(SAFE, rnd, rnd.randrange(0, 14))
            b = text(ANY, rnd, rnd.randrange(0, 30)).encode()
            if k % 40 == 17:   # not UTF-8: a stray continuation, a lone lead, 0xff
                at = rnd.randrange(0, len(b) + 1)
                b = b[:at] + rnd.choice([b"\x80", b"\xc3", b"\xff", b"\xe2\x82"]) + b[at:]
            x = rnd.choice(FLOATS) if k % 3 == 0 else rnd.uniform(-1e6, 1e6) * rnd.choice([1, 1e-6, 1e6])
            i = rnd.choice([0, 255, 2**62, rnd.randrange(0, 2**63)])
            f.write(a.encode() + b"#" + b + b"#" + repr(x).encode() + b"#" + str(i).encode() + b"\n")


def first_bad(b):
    try:
        b.decode()
        return -1
    except UnicodeDecodeError as e:
        return e.start


def is_word(c):
    cat = unicodedata.category(c)
    return cat[0] in "LM" or cat == "Nd"


def words(s):
    out, cur = [], ""
    for c in s:
        if is_word(c):
            cur += c
        elif cur:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def ref(path, rows, errs):
    with open(path, "rb") as f, open(rows, "w", encoding="utf-8") as r, open(errs, "w") as e:
        for no, line in enumerate(f, 1):
            a, b, x, i = line.rstrip(b"\n").split(b"#")
            at = first_bad(b)
            if at >= 0:
                e.write("%d\tinvalid UTF-8 at byte %d\n" % (no, at))
                continue
            a, b, x, i = a.decode(), b.decode(), float(x), int(i)
            fmt = "%s|%s|%s|%s|%s|%d" % (format(x, ">10.3f"), format(i, "x"), format(a, "<6"),
                                        format(a, "^9"), format(x, "08.2f"), len(b.encode()))
            cols = [a.lower(), a.upper(), b.casefold(), unicodedata.normalize("NFC", b),
                    str(len(b)), "|".join(words(b)), a.rjust(12, "·") + "/" + b.ljust(9, "*"),
                    fmt, "true" if a.casefold() == b.casefold() else "false",
                    "true" if a.casefold() == a.upper().casefold() else "false",
                    "true" if a.encode().lower() == a.upper().encode().lower() else "false",
                    "[" + b.lstrip(WS) + "|" + b.rstrip(WS) + "]"]
            r.write("\t".join(cols) + "\n")


def count_words(path, out):
    n = Counter()
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if first_bad(line) < 0:
                n.update(words(line.decode().casefold()))
    with open(out, "wb") as o:
        for w in sorted(n, key=lambda w: w.encode()):
            o.write(w.encode() + b"\t" + str(n[w]).encode() + b"\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "ref":
        ref(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        count_words(sys.argv[2], sys.argv[3])
