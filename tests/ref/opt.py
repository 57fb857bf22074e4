#!/usr/bin/env python3
"""opt.py — inputs and references for tests/opt.sh (optional values).

gen CSV JSONL N SEED: N records as CSV (none: an empty field) and as JSON
    lines (none: a missing member or null, at random).
ref CSV ROWS.tsv KEYS.tsv: what the pipelines of tests/opt.sh must write,
    computed here with Python's None semantics, independently of fpipe.
"""
import csv
import json
import random
import sys

NAMES = ["ann", "bob", "cy, jr", 'd"q', "eve", "fay"]
RAWS = ["12", "-5", "+7", "abc", "", "1.5", "99999999999999999999",
        "-9223372036854775808", "9223372036854775807", " 3", "0"]
FIELDS = ["id", "n", "x", "name", "flag", "raw"]


def gen(csv_path, jsonl_path, n, seed):
    rnd = random.Random(seed)
    with open(csv_path, "w", newline="") as c, open(jsonl_path, "w") as j:
        w = csv.writer(c, lineterminator="\n")
        w.writerow(FIELDS)
        for i in range(n):
            rec = {
                "id": i,
                "n": rnd.randint(-1000, 1000) if rnd.random() < 0.7 else None,
                "x": rnd.randint(-400, 400) + 0.25 if rnd.random() < 0.6 else None,
                "name": rnd.choice(NAMES) if rnd.random() < 0.8 else None,
                "flag": rnd.random() < 0.5 if rnd.random() < 0.5 else None,
                "raw": rnd.choice(RAWS),
            }
            w.writerow(["" if rec[k] is None else
                        ("true" if rec[k] else "false") if isinstance(rec[k], bool) else rec[k]
                        for k in FIELDS])
            obj = {}
            for k in FIELDS:
                if rec[k] is None and rnd.random() < 0.5:
                    continue   # missing
                obj[k] = rec[k]   # None: null
            keys = list(obj)
            rnd.shuffle(keys)
            j.write(json.dumps({k: obj[k] for k in keys}) + "\n")


def try_parse_i64(s):
    t = s[1:] if s[:1] in "+-" else s
    if not t or not all("0" <= ch <= "9" for ch in t):
        return None
    v = int(s)
    return v if -2**63 <= v < 2**63 else None


def text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def ref(csv_path, rows_path, keys_path):
    keys = {}
    with open(csv_path, newline="") as c, open(rows_path, "w") as rows:
        r = csv.reader(c)
        next(r)
        for f in r:
            i = int(f[0])
            n = int(f[1]) if f[1] else None
            x = float(f[2]) if f[2] else None
            name = f[3] if f[3] else None
            flag = (f[4] == "true") if f[4] else None
            p = try_parse_i64(f[5])
            # map out = (rows.id, rows.n, coalesce(rows.n, -1), is_none(rows.name),
            #            rows.name, try_parse_i64(rows.raw), rows.flag, rows.x,
            #            if is_some(rows.n) then rows.n else try_parse_i64(rows.raw))
            out = [i, n, -1 if n is None else n, name is None, name, p, flag,
                   x, n if n is not None else p]
            rows.write("\t".join(text(v) for v in out) + "\n")
            # filter parsed = is_some(try_parse_i64(rows.raw)) || is_none(rows.n)
            if p is None and n is not None:
                continue
            k = "(none)" if name is None else name
            v = (0 if n is None else n) + (0 if p is None else p)
            cnt, s = keys.get(k, (0, 0))
            s = (s + v + 2**63) % 2**64 - 2**63   # i64 sum wraps
            keys[k] = (cnt + 1, s)
    with open(keys_path, "w") as kf:
        for k in sorted(keys, key=lambda s: s.encode()):
            kf.write("%s\t%d\t%d\n" % (k, keys[k][0], keys[k][1]))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        ref(sys.argv[2], sys.argv[3], sys.argv[4])
