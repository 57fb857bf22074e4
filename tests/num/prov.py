#!/usr/bin/env python3
"""prov.py — inputs for the provenance tests of tests/num.sh (input_file(),
input_line(); issue 16 part 10), and the CSV reference.

  prov.py gen DIR      DIR/a.txt (120,000 lines of words, empty lines among
                       them), b.txt (no final newline), c.txt (empty),
                       d.csv (quoted fields with newlines), e.jsonl (empty
                       lines among the objects)
  prov.py csv FILE...  each record's file, first line and its n field,
                       tab-separated, as Python's csv module reads them"""
import csv
import os
import random
import sys


def gen(d):
    rnd = random.Random(10)
    words = ["alpha", "beta", "gamma", "delta", "x", "yy", "zzz"]
    with open(os.path.join(d, "a.txt"), "w") as f:
        for i in range(120000):
            k = rnd.random()
            f.write("" if k < 0.05 else " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 6))))
            f.write("\n")
    with open(os.path.join(d, "b.txt"), "w") as f:
        f.write("one two\n\nthree\nfour five six")
    open(os.path.join(d, "c.txt"), "w").close()
    with open(os.path.join(d, "d.csv"), "w", newline="") as f:
        f.write("name,n\n")
        for i in range(30000):
            k = rnd.random()
            name = "plain" if k < 0.6 else '"two\nlines, quoted"' if k < 0.9 else '"three\n""lines""\n!"'
            f.write(f"{name},{i}\n")
    with open(os.path.join(d, "e.jsonl"), "w") as f:
        for i in range(40000):
            if rnd.random() < 0.1:
                f.write("\n")
            f.write(f'{{"id": "r{i}", "n": {i}}}\n')


def csv_ref(paths):
    for p in paths:
        with open(p, newline="") as f:
            r = csv.reader(f)
            next(r)
            start = r.line_num + 1
            for row in r:
                print(f"{p}\t{start}\t{row[1]}")
                start = r.line_num + 1


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        csv_ref(sys.argv[2:])
