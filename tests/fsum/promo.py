#!/usr/bin/env python3
"""promo.py SEED: "key value" lines whose exact sums leave the keyed
table's inline window (runtime/fsum.c, fp_xsum) at every boundary.

  in:K      values in [1, 2): the sum stays inline
  late:K    near 1.0, then +-1e200 in the same run of lines: promoted in
            stage 1, inside one partition
  merge:K   near 1e-100 in the first half of the file, near 1e100 in the
            second: every partition's sum fits, the merge of two does not
            (then promoted sums merge with inline ones, in either order)
  cancel:K  1e308, 1, -1e308 spread over the file: 1e308 + 1 - 1e308 = 1
"""
import random
import sys

r = random.Random(int(sys.argv[1]))
first, second = [], []
for k in range(40):
    for _ in range(30):
        first.append("in:%d %r" % (k, r.uniform(1, 2)))
        second.append("in:%d %r" % (k, r.uniform(1, 2)))
    run = ["late:%d %r" % (k, r.uniform(-1, 1)) for _ in range(20)]
    run[7] = "late:%d 1e+200" % k
    run[15] = "late:%d -1e+200" % k
    first.append("\n".join(run))
    for _ in range(25):
        first.append("merge:%d %r" % (k, r.uniform(-1, 1) * 1e-100))
        second.append("merge:%d %r" % (k, r.uniform(-1, 1) * 1e100))
    first.append("cancel:%d 1e+308" % k)
    first.append("cancel:%d 1.0" % k)
    second.append("cancel:%d -1e+308" % k)
r.shuffle(first)
r.shuffle(second)
print("\n".join(first + second))
