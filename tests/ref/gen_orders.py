#!/usr/bin/env python3
"""gen_orders.py N SEED -- N JSON lines of orders for examples/orders.fpipe:
nested customer records, lists of items (empty ones too), a country and a
coupon that are sometimes missing and sometimes null."""
import json, random, sys
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
n = int(sys.argv[1])
for i in range(n):
    o = {"id": i, "at": "2026-%02d-%02dT%02d:%02d:00Z" % (random.randint(1, 12), random.randint(1, 28), random.randint(0, 23), random.randint(0, 59)),
         "customer": {"id": "c%d" % random.randint(1, 500), "name": random.choice(["Kari", "Ola", "Åse", "Jón"])},
         "items": [{"sku": "s%d" % random.randint(1, 99), "qty": random.randint(1, 5)} for _ in range(random.randint(0, 3))]}
    r = random.random()
    if r < 0.8: o["country"] = random.choice(["NO", "SE", "DK", "FI", "IS", "DE"])
    elif r < 0.9: o["country"] = None
    r = random.random()
    if r < 0.3: o["coupon"] = random.choice(["SPRING", "VIP"])
    elif r < 0.4: o["coupon"] = None
    print(json.dumps(o, separators=(",", ":")))
