"""csvopts.py — the reference for tests/csvopts.sh: Python's csv module
writes the inputs of fpipe's csv source and reads what its csv sink
wrote, with the same delimiter, quote and header options.

    csvopts.py gen OUT DELIM QUOTE HEADER SEED   write 4,000 records
    csvopts.py check IN OUT DELIM QUOTE HEADER   OUT holds IN's records

The records are { id: i64, a: str, b: str, ok: bool } with fields that
hold the delimiter, the quote, newlines, both quote kinds, UTF-8 and
nothing at all, some long enough that a 4 KiB partition cuts inside a
quoted field.  A carriage return is left out: Python ends an unquoted
field at one, where fpipe keeps it as a byte of the field.
"""
import csv
import random
import sys

COLS = ["id", "a", "b", "ok"]


def dialect(delim, quote):
    return {"delimiter": delim, "quotechar": quote, "lineterminator": "\n",
            "doublequote": True, "strict": True}


def text(rng, delim, quote):
    pieces = ["x", "word", " ", delim, quote, "\n", '"', "'", ",", ";", "|", "\t",
              "caf\u00e9", "\u20ac", "", "a" * rng.randrange(1, 200)]
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8)))


def gen(out, delim, quote, header, seed):
    rng = random.Random(seed)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, **dialect(delim, quote))
        if header:
            w.writerow(COLS)
        for i in range(4000):
            w.writerow([rng.randrange(-10**12, 10**12), text(rng, delim, quote),
                        text(rng, delim, quote), rng.choice(["true", "false"])])


def rows(path, delim, quote, header):
    with open(path, newline="", encoding="utf-8") as f:
        r = list(csv.reader(f, **dialect(delim, quote)))
    if header:
        if not r or r[0] != COLS:
            sys.exit("%s: header %r, want %r" % (path, r[0] if r else None, COLS))
        r = r[1:]
    return [(int(x[0]), x[1], x[2], x[3]) if len(x) == 4 else tuple(x) for x in r]


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", int(sys.argv[6]))
        return
    delim, quote, header = sys.argv[4], sys.argv[5], sys.argv[6] == "1"
    want, got = rows(sys.argv[2], delim, quote, header), rows(sys.argv[3], delim, quote, header)
    if len(want) != 4000:
        sys.exit("the input has %d records, not 4000" % len(want))
    for i, (x, y) in enumerate(zip(want, got)):
        if x != y:
            sys.exit("record %d: %r, want %r" % (i + 1, y, x))
    if len(got) != len(want):
        sys.exit("%d records, want %d" % (len(got), len(want)))


main()
