#!/usr/bin/env python3
"""rag.py - the expected output of examples/rag_ingest.fpipe (and, with
--counts, of examples/rag_chunks.fpipe), computed without fpipec or rag.c:
the same cleaning, chunking and feature hashing, written again in Python.

    python3 tests/ref/rag.py FILE...            the JSON lines, byte for byte
    python3 tests/ref/rag.py --counts FILE...   doc_id<TAB>chunks, by doc_id
    python3 tests/ref/rag.py --dropped FILE...  lines dropped, documents dropped
"""
import json
import math
import sys

CHUNK_BYTES = 200
DIM = 16
SPACE = " \t\n\r\f\v"


def clean(title, body):
    out = []
    for part in (title, body):
        for ch in part:
            if ch in SPACE:
                if out and out[-1] != " ":
                    out.append(" ")
                continue
            out.append(ch.lower() if "A" <= ch <= "Z" else ch)
        if out and out[-1] != " ":
            out.append(" ")
    return "".join(out).rstrip(" ")


def chunks(text):
    res, cur = [], []
    for w in text.split(" ") if text else []:
        if len(w) > CHUNK_BYTES and cur:
            res.append(" ".join(cur))
            cur = []
        while len(w) > CHUNK_BYTES:
            res.append(w[:CHUNK_BYTES])
            w = w[CHUNK_BYTES:]
        if cur and len(" ".join(cur)) + 1 + len(w) > CHUNK_BYTES:
            res.append(" ".join(cur))
            cur = []
        if w or cur:
            cur.append(w)
    if cur and " ".join(cur):
        res.append(" ".join(cur))
    return res


def fnv1a(word):
    h = 14695981039346656037
    for b in word.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


def embed(text):
    v = [0.0] * DIM
    for w in text.split(" "):
        if w:
            h = fnv1a(w)
            v[h % DIM] += -1.0 if h >> 63 else 1.0
    ss = 0.0
    for x in v:
        ss += x * x
    norm = math.sqrt(ss)
    if norm > 0:
        v = [x / norm for x in v]
    return v


def num(x):
    """The shortest of %.15g, %.16g, %.17g that reads back (as fpipe)."""
    for p in (15, 16, 17):
        s = "%.*g" % (p, x)
        if float(s) == x:
            return s
    return "%.17g" % x


def main(argv):
    mode = "rows"
    if argv and argv[0] in ("--counts", "--dropped"):
        mode = argv.pop(0)[2:]
    bad_lines = bad_docs = 0
    counts = {}
    out = sys.stdout
    for path in argv:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    d = json.loads(line)
                    ok = isinstance(d, dict) and all(
                        isinstance(d.get(k), str) for k in ("id", "title", "body"))
                except ValueError:
                    ok = False
                if not ok:
                    bad_lines += 1
                    continue
                text = clean(d["title"], d["body"])
                if not text:
                    bad_docs += 1
                    continue
                cs = chunks(text)
                counts[d["id"]] = counts.get(d["id"], 0) + len(cs)
                if mode == "rows":
                    for i, c in enumerate(cs):
                        out.write('{"doc_id":%s,"index":%d,"text":%s,"embedding":[%s]}\n' % (
                            json.dumps(d["id"]), i, json.dumps(c),
                            ",".join(num(x) for x in embed(c))))
    if mode == "counts":
        for k in sorted(counts, key=lambda s: s.encode()):
            out.write("%s\t%d\n" % (k, counts[k]))
    elif mode == "dropped":
        out.write("%d %d\n" % (bad_lines, bad_docs))


if __name__ == "__main__":
    main(sys.argv[1:])
