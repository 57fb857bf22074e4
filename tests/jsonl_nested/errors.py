#!/usr/bin/env python3
"""errors.py OUT — the input of tests/jsonl_nested.sh's golden messages
(errors.golden): one good record of errors.fpipe's Order, then one line
per kind of mismatch, each twice: as simdjson reads it, and with an extra
member nested 70 deep (past runtime/jsonl.cc's 64), which jansson reads;
then a duplicate nested key."""
import copy
import json
import sys

GOOD = {"id": 1, "user": {"name": "a", "vip": True, "score": 1.5,
                          "addr": {"city": "c", "zip": 7}, "tags": ["x", "y"]},
        "grid": [[1, 2], []], "at": ["s", 2.5]}
CASES = [
    lambda o: o["user"]["addr"].__setitem__("city", 5),     # an integer for a str
    lambda o: o["user"]["addr"].__setitem__("zip", "7"),    # a string for an i64
    lambda o: o["user"]["addr"].__setitem__("zip", 7.5),    # a real for an i64
    lambda o: o["user"].__setitem__("score", True),         # a boolean for an f64
    lambda o: o["user"].__setitem__("vip", None),           # null for a bool
    lambda o: o["user"].__setitem__("addr", [1]),           # an array for a record
    lambda o: o.__setitem__("user", "u"),                   # a string for a record
    lambda o: o["user"].__setitem__("tags", {"a": 1}),      # an object for a list
    lambda o: o["user"]["tags"].__setitem__(1, 3),          # an integer in a [str]
    lambda o: o["grid"][1].append("x"),                     # a string in a [[i64]]
    lambda o: o["grid"].__setitem__(0, 5),                  # an integer for a [i64]
    lambda o: o.__setitem__("at", {"s": 1}),                # an object for a tuple
    lambda o: o["at"].append(1),                            # a tuple too long
    lambda o: o.__setitem__("at", ["s"]),                   # a tuple too short
    lambda o: o["at"].__setitem__(1, "x"),                  # a string in a tuple's f64
    lambda o: o["user"]["addr"].pop("zip"),                 # a nested member missing
    lambda o: o.pop("grid"),                                # a top-level one missing
    lambda o: o.__setitem__("id", "1"),                     # a flat field, as before
]
deep = 1
for _ in range(70):
    deep = [deep]
with open(sys.argv[1], "w") as f:
    f.write(json.dumps(GOOD) + "\n")
    for z in (False, True):
        for c in CASES:
            o = copy.deepcopy(GOOD)
            c(o)
            if z:
                o["z"] = deep
            f.write(json.dumps(o) + "\n")
    f.write('{"id":1,"user":{"name":"a","name":"b"}}\n')
