#!/usr/bin/env python3
"""jsonl.py — JSON-lines inputs and what fpipe must make of them (tests/jsonl.sh).

    jsonl.py gen OUT            write the test input (seeded: the same bytes every run)
    jsonl.py ref IN OUT ERR     the expected rows of tests/jsonl.sh's pipeline
                                (type Rec = { s: str, i: i64, f: f64, b: bool },
                                TSV of s, i, f, b) into OUT, and the expected
                                error lines ("LINE<TAB>MESSAGE") into ERR

The reference is Python's json module with jansson's rules added (fpipe reads
with JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL): duplicate keys, NUL in a key,
lone surrogates, NaN/Infinity, integers outside int64 and reals that overflow
are invalid JSON, and so is nesting past jansson's 2,048 levels; a top-level scalar is invalid JSON too (jansson wants an
object or an array), an array is "not an object".  Messages of invalid lines
are jansson's own and are compared by their prefix "invalid JSON" only; the
member messages are compared whole.
"""
import json
import random
import sys

sys.setrecursionlimit(100000)

# ---- the input ------------------------------------------------------------

def gen(path):
    r = random.Random(19)
    lines = []

    def good(extra=True):
        m = [("s", json.dumps(r.choice(["plain", "tab\there", "back\\slash", "caf\u00e9",
                                         "nul\u0000byte", "", "q\"uote", "emoji \U0001F600",
                                         "cr\rlf\n", "x" * r.randint(0, 40)]),
                              ensure_ascii=r.random() < 0.5)),
             ("i", str(r.choice([0, -1, 7, 2**63 - 1, -2**63, r.randint(-10**12, 10**12)]))),
             ("f", r.choice([str(r.randint(-8000, 8000) / 8), str(r.randint(-99, 99)),
                             "%de%d" % (r.randint(1, 9), r.randint(-3, 3)), "-0.0", "-0"])),
             ("b", r.choice(["true", "false"]))]
        if extra:
            for _ in range(r.randint(0, 3)):
                m.append((r.choice(["x", "y", "nested", "list", "s2"]) + str(r.randint(0, 999)),
                          r.choice(["null", "[1,2,{\"k\":[]}]", "{\"a\":{\"b\":[true,false]}}",
                                    "\"s\"", "1.5", "18446744073709551615e0", "[]", "{}"])))
        r.shuffle(m)
        sp = r.choice(["", " ", "  ", "\t"])
        return "{" + sp + ("," + sp).join(json.dumps(k) + ":" + sp + v for k, v in m) + sp + "}"

    def member_swap(name, value):
        line = good(extra=False)
        obj = json.loads(line)
        obj[name] = value
        return json.dumps(obj)

    kinds = {"an object": {"k": 1}, "an array": [1], "a string": "7", "an integer": 7,
             "a non-integer number": 7.5, "a boolean": True, "null": None}
    bad = [
        # invalid JSON, each kind jansson refuses but simdjson might take
        '{"s":"a","i":1,"f":1,"b":true,"s":"b"}',             # duplicate key
        '{"s":"a","i":1,"f":1,"b":true,"x":{"k":1,"k":2}}',  # nested duplicate
        '{"s":"a","i":1,"f":1,"b":true,"x":[{"k":1,"k":2}]}',
        '{"s":"a","\\u0069":1,"i":1,"f":1,"b":true}',         # duplicate through an escape
        '{"s":"a","i":1,"f":1,"b":true,"k\\u0000":1}',       # NUL in a key
        '{"s":"a","i":9223372036854775808,"f":1,"b":true}',  # past int64
        '{"s":"a","i":18446744073709551615,"f":1,"b":true}',
        '{"s":"a","i":1,"f":1,"b":true,"x":[18446744073709551615]}',
        '{"s":"a","i":-9223372036854775809,"f":1,"b":true}',
        '{"s":"a","i":1,"f":1e400,"b":true}',                # real overflow
        '{"s":"\\ud800","i":1,"f":1,"b":true}',              # lone surrogates
        '{"s":"\\udc00x","i":1,"f":1,"b":true}',
        '{"s":"a","i":1,"f":NaN,"b":true}',
        '{"s":"a","i":1,"f":1,"b":tru}',
        '{"s":"a","i":01,"f":1,"b":true}',
        '{"s":"a","i":1,"f":1.,"b":true}',
        '{"s":"a","i":1,"f":1,"b":true,}',
        '{"s":"a" "i":1,"f":1,"b":true}',
        '{"s":"a","i":1,"f":1,"b":true}{"s":"a","i":1,"f":1,"b":true}',  # two on a line
        '{"s":"a","i":1,"f":1,"b":true} x',
        '{"s":"a\tb","i":1,"f":1,"b":true}',                 # raw control byte
        '\ufeff{"s":"a","i":1,"f":1,"b":true}',              # a byte order mark
        '{"s":"a","i":1,"f":1,"b":true,"deep":' + "[" * 3000 + "]" * 3000 + "}",
        '1', '"str"', 'null', '   ', '\t',                  # scalars, spaces only
        '[{"s":"a","i":1,"f":1,"b":true}]',                  # not an object
        '{"s":"a","i":1,',                                   # an object over two lines
        '"f":1,"b":true}',
    ]
    bad_bytes = [b'{"s":"\xff","i":1,"f":1,"b":true}', b'{"s":"\xed\xa0\x80","i":1,"f":1,"b":true}',
                 b'{"s":"\xc0\x80","i":1,"f":1,"b":true}']
    for k in range(6000):
        x = r.random()
        if x < 0.75:
            lines.append(good())
        elif x < 0.80:
            lines.append("")                                 # blank lines are skipped
        elif x < 0.86:
            name = r.choice(["s", "i", "f", "b"])
            line = json.loads(good(extra=False))
            del line[name]
            lines.append(json.dumps(line))                   # a missing member
        elif x < 0.93:
            lines.append(member_swap(r.choice(["s", "i", "f", "b"]), kinds[r.choice(list(kinds))]))
        else:
            lines.append(r.choice(bad))
        if k == 3000:
            lines.append('{"big":"' + "z" * (1 << 20) + '","s":"long","i":1,"f":2,"b":false}')
            lines.append('{"s":"deep","i":1,"f":1,"b":true,"d":' + "[" * 100 + "]" * 100 + "}")
    out = bytearray()
    for k, line in enumerate(lines):
        out += line.encode("utf-8") + (b"\r\n" if k % 7 == 3 else b"\n")
        if k % 500 == 250:
            out += r.choice(bad_bytes) + b"\n"
    out += good().encode("utf-8")                            # the last line: no newline
    with open(path, "wb") as f:
        f.write(out)


# ---- the reference --------------------------------------------------------

class Invalid(Exception):
    pass


def no_dups(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen or "\0" in k:
            raise Invalid()
        seen.add(k)
    return dict(pairs)


def parse_int(s):
    v = int(s)
    if not -2**63 <= v < 2**63:
        raise Invalid()
    return v


def parse_float(s):
    v = float(s)
    if v in (float("inf"), float("-inf")):
        raise Invalid()
    return v


def reject(_):
    raise Invalid()


def surrogates(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return any(surrogates(x) for x in v)
    if isinstance(v, dict):
        return any(surrogates(k) or surrogates(x) for k, x in v.items())
    return False


def depth(v):
    if isinstance(v, list):
        return 1 + max(map(depth, v), default=0)
    if isinstance(v, dict):
        return 1 + max(map(depth, v.values()), default=0)
    return 0


def kind(v):
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a non-integer number"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(v), "null")


def tsv(s):
    b = s.encode("utf-8")
    return b.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n").replace(b"\r", b"\\r")


def f64(v):
    t = repr(float(v))
    return t[:-2] if t.endswith(".0") else t


def ref(path, out, err):
    rows, errs = [], []
    data = open(path, "rb").read()
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw:
            continue
        try:
            text = raw.decode("utf-8")
            if text.startswith("\ufeff"):
                raise Invalid()
            v = json.loads(text, object_pairs_hook=no_dups, parse_int=parse_int,
                           parse_float=parse_float, parse_constant=reject)
            if surrogates(v) or not isinstance(v, (dict, list)) or depth(v) > 2048:
                raise Invalid()
        except (Invalid, ValueError, RecursionError):
            errs.append("%d\tinvalid JSON" % n)
            continue
        if not isinstance(v, dict):
            errs.append("%d\ta JSON-lines record must be an object ({...})" % n)
            continue
        msg = None
        for name, want, ok in (("s", "a string", lambda x: isinstance(x, str)),
                               ("i", "an integer", lambda x: kind(x) == "an integer"),
                               ("f", "a number", lambda x: kind(x) in ("an integer", "a non-integer number")),
                               ("b", "true or false", lambda x: isinstance(x, bool))):
            if name not in v:
                msg = 'the record has no member "%s"' % name
            elif not ok(v[name]):
                msg = 'member "%s" is %s, not %s' % (name, kind(v[name]), want)
            if msg:
                break
        if msg:
            errs.append("%d\t%s" % (n, msg))
            continue
        rows.append(b"\t".join([tsv(v["s"]), str(v["i"]).encode(), f64(v["f"]).encode(),
                                b"true" if v["b"] else b"false"]))
    with open(out, "wb") as f:
        f.write(b"".join(row + b"\n" for row in rows))
    with open(err, "w") as f:
        f.write("".join(e + "\n" for e in errs))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        ref(sys.argv[2], sys.argv[3], sys.argv[4])
