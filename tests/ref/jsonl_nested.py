#!/usr/bin/env python3
"""jsonl_nested.py — nested members of the JSON-lines source, by Python's json.

  gen FILE       write the test input: 2,400 lines of orders (records in
                 records, lists of records, lists of lists, empty lists,
                 a tuple, a list nested 70 deep: past jsonl.cc's depth 64,
                 so those lines are jansson's) with members in any order
                 and unknown members at every level, and bad lines: every
                 kind of value in place of every declared type at some
                 path, missing nested members, tuples of the wrong length,
                 duplicate nested keys
  ref FILE OUT ERR
                 what tests/jsonl_nested.sh's program must give: OUT the
                 good records normalized (norm), ERR "LINE<TAB>MESSAGE" of
                 each bad line (jansson's own messages cut to "invalid JSON")
  norm FILE OUT  the program's jsonl output normalized the same way

The declared types (tests/jsonl_nested.sh):
  type Item  = { sku: str, qty: i64, price: f64, tags: [str] }
  type User  = { name: str, vip: bool, addr: Addr }
  type Addr  = { city: str, zip: i64 }
  type Order = { id: i64, user: User, items: [Item], grid: [[i64]],
                 at: (str, f64), flags: [bool], deep: [[...[i64]...]] (70) }
"""
import json
import random
import sys

DEEP = 70
ADDR = ("rec", [("city", "str"), ("zip", "i64")])
USER = ("rec", [("name", "str"), ("vip", "bool"), ("addr", ADDR)])
ITEM = ("rec", [("sku", "str"), ("qty", "i64"), ("price", "f64"), ("tags", ("list", "str"))])
deep_t = "i64"
for _ in range(DEEP):
    deep_t = ("list", deep_t)
ORDER = ("rec", [("id", "i64"), ("user", USER), ("items", ("list", ITEM)),
                 ("grid", ("list", ("list", "i64"))), ("at", ("tup", ["str", "f64"])),
                 ("flags", ("list", "bool")), ("deep", deep_t)])

WANT = {"str": "a string", "i64": "an integer", "f64": "a number", "bool": "true or false"}


def kind(v):
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a non-integer number"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "an object"
    return "an array"


class Bad(Exception):
    pass


def read(v, t, path):
    """v read as type t (normalized), or Bad with fpipe's message."""
    if t == "str":
        if not isinstance(v, str):
            raise Bad('member "%s" is %s, not a string' % (path, kind(v)))
        return v
    if t == "i64":
        if isinstance(v, bool) or not isinstance(v, int):
            raise Bad('member "%s" is %s, not an integer' % (path, kind(v)))
        return v
    if t == "f64":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Bad('member "%s" is %s, not a number' % (path, kind(v)))
        return float(v)
    if t == "bool":
        if not isinstance(v, bool):
            raise Bad('member "%s" is %s, not true or false' % (path, kind(v)))
        return v
    if t[0] == "rec":
        if not isinstance(v, dict):
            raise Bad('member "%s" is %s, not an object' % (path, kind(v)))
        out = {}
        for name, ft in t[1]:
            p = path + "." + name
            if name not in v:
                raise Bad('the record has no member "%s"' % p)
            out[name] = read(v[name], ft, p)
        return out
    if not isinstance(v, list):
        raise Bad('member "%s" is %s, not an array' % (path, kind(v)))
    if t[0] == "tup":
        if len(v) != len(t[1]):
            raise Bad('member "%s" is an array of %d item%s, not %d'
                      % (path, len(v), "" if len(v) == 1 else "s", len(t[1])))
        return [read(x, et, "%s[%d]" % (path, i)) for i, (x, et) in enumerate(zip(v, t[1]))]
    return [read(x, t[1], "%s[%d]" % (path, i)) for i, x in enumerate(v)]


def read_record(obj):
    out = {}
    for name, ft in ORDER[1]:
        if name not in obj:
            raise Bad('the record has no member "%s"' % name)
        out[name] = read(obj[name], ft, name)
    return out


def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Bad("invalid JSON")
    return dict(pairs)


def norm(obj):
    return json.dumps(obj, separators=(",", ":"))


R = random.Random(16)
WORDS = ["a", "béta", "tab\there", "quote\"d", "back\\slash", "", "ünï", "line\nbreak", "日本"]


def value(t, depth=0):
    if t == "str":
        return R.choice(WORDS) + str(R.randrange(100))
    if t == "i64":
        return R.choice([0, -1, 7, 2**63 - 1, -2**63, R.randrange(-10**9, 10**9)])
    if t == "f64":
        return R.choice([0.5, -2.25, 1e300, 3, 0.1, R.random() * 1000])
    if t == "bool":
        return R.random() < 0.5
    if t[0] == "rec":
        fields = [(n, value(ft, depth + 1)) for n, ft in t[1]]
        if R.random() < 0.3:
            fields.append(("unknown%d" % R.randrange(3), {"x": [1, {"y": None}]}))
        R.shuffle(fields)
        return dict(fields)
    if t[0] == "tup":
        return [value(et, depth + 1) for et in t[1]]
    if t[1] != "i64" and not isinstance(t[1], tuple):
        pass
    if t == deep_t and depth < 5:   # the 70-deep list: empty, shallow or all the way down
        r = R.random()
        if r < 0.4:
            return []
        if r < 0.7:
            return [[[]]]
        v = [R.randrange(100)]
        for _ in range(DEEP - 1):
            v = [v]
        return v
    n = R.choice([0, 0, 1, 2, 3, 5])
    return [value(t[1], depth + 1) for _ in range(n)]


WRONG = ["x", 1, 1.5, True, None, {"a": 1}, [1]]


def paths(v, t, path):
    """Every (container, key, type, path) inside value v of type t."""
    out = []
    if isinstance(t, tuple) and t[0] == "rec":
        for name, ft in t[1]:
            p = path + "." + name if path else name
            out.append((v, name, ft, p))
            out += paths(v[name], ft, p)
    elif isinstance(t, tuple) and t[0] == "tup":
        for i, et in enumerate(t[1]):
            out.append((v, i, et, "%s[%d]" % (path, i)))
            out += paths(v[i], et, "%s[%d]" % (path, i))
    elif isinstance(t, tuple) and t[0] == "list":
        for i, x in enumerate(v):
            out.append((v, i, t[1], "%s[%d]" % (path, i)))
            out += paths(x, t[1], "%s[%d]" % (path, i))
    return out


def gen(path):
    lines = []
    for n in range(2400):
        o = value(ORDER)
        o["id"] = n
        r = R.random()
        if r < 0.25:   # a wrong kind somewhere
            c, k, t, _ = R.choice(paths(o, ORDER, ""))
            c[k] = R.choice(WRONG)
            line = json.dumps(o, ensure_ascii=R.random() < 0.5)
        elif r < 0.30:   # a nested member missing
            recs = [(c, k, t) for c, k, t, _ in paths(o, ORDER, "")
                    if isinstance(t, tuple) and t[0] == "rec"]
            c, k, t = R.choice(recs)
            del c[k][R.choice(t[1])[0]]
            line = json.dumps(o)
        elif r < 0.33:   # a tuple of the wrong length
            o["at"] = o["at"] + [1] if R.random() < 0.5 else o["at"][:1]
            line = json.dumps(o)
        elif r < 0.35:   # a duplicate key in a nested object: jansson refuses it
            line = json.dumps(o).replace('"city": ', '"city": "x", "city": ', 1)
            if '"city": "x"' not in line:
                line = json.dumps(o)
        else:
            line = json.dumps(o, ensure_ascii=R.random() < 0.5,
                              separators=R.choice([(",", ":"), (", ", ": ")]))
        lines.append(line)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def ref(path, out, err):
    with open(path, encoding="utf-8") as f, open(out, "w") as o, open(err, "w") as e:
        for n, line in enumerate(f, 1):
            try:
                obj = json.loads(line, object_pairs_hook=no_dups)
                o.write(norm(read_record(obj)) + "\n")
            except Bad as x:
                e.write("%d\t%s\n" % (n, x))


def normfile(path, out):
    with open(path, encoding="utf-8") as f, open(out, "w") as o:
        for line in f:
            o.write(norm(read_record(json.loads(line))) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "ref":
        ref(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        normfile(sys.argv[2], sys.argv[3])
