#!/usr/bin/env python3
"""orders.py -- the expected output of examples/orders.fpipe, computed with
Python's json and datetime (no fpipe), as an independent reference.

    python3 tests/ref/orders.py SINCE FILE...

An order counts when its "at" is at or after SINCE (both read as UTC times,
a date alone being its midnight); rows: country (or "unknown" when missing
or null), the number of orders, how many have a coupon that is not null;
countries in byte order, tab-separated."""
import datetime
import json
import sys
from collections import defaultdict


def when(s):
    if len(s) == 10:
        s += "T00:00:00Z"
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


since = when(sys.argv[1])
rows = defaultdict(lambda: [0, 0])
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            if when(o["at"]) < since:
                continue
            country = o.get("country")
            r = rows["unknown" if country is None else country]
            r[0] += 1
            r[1] += o.get("coupon") is not None
for k in sorted(rows, key=lambda k: k.encode()):
    sys.stdout.write("%s\t%d\t%d\n" % (k, rows[k][0], rows[k][1]))
