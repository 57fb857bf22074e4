#!/usr/bin/env python3
"""time.py — the reference for tests/time.sh: timestamps and what the
time builtins make of them, computed with Python's datetime.

  time.py gen IN N     writes N lines: ISO 8601 timestamps of years
                       0002..9998 in every form parse_time reads (date only,
                       T / t / space, minutes only, fractions of 1-9 digits
                       with . or ,, Z / +hh:mm / -hhmm / +hh / no offset,
                       24:00:00), and about 1 in 20 bad ones (29 February of
                       a common year, 31 April, :60, hour 25, month 13, a
                       two-digit year, junk after the offset)
  time.py ref IN OUT ERR
                       OUT: the row tests/time.sh's pipeline writes for each
                       good line; ERR: the numbers of the bad lines

The layout is written out here; datetime does the calendar and the offsets.
"""
import random
import re
import sys
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def gen(path, n):
    rnd = random.Random(16)
    lo = int((datetime(2, 1, 1, tzinfo=timezone.utc) - EPOCH).total_seconds())
    hi = int((datetime(9998, 12, 31, tzinfo=timezone.utc) - EPOCH).total_seconds())
    with open(path, "w") as f:
        for i in range(n):
            r = rnd.random()
            if r < 0.05:
                f.write(rnd.choice([
                    "2023-02-29", "1900-02-29T00:00:00Z", "2026-04-31", "2026-12-07T23:59:60Z",
                    "2026-12-07T25:00Z", "2026-13-01", "26-12-07", "2026-12-07T22:40:00Zx",
                    "2026-12-07T24:00:01", "2026-12-07T22:40:00+24:00", "", "2026/12/07"]) + "\n")
                continue
            if r < 0.15:   # near 1970, and near month and year ends
                t = rnd.choice([0, -1, 1, 86399, -86400, 951782400, 1709164800, 1798761600 - 1])
                t += rnd.randint(-100000, 100000)
            else:
                t = rnd.randint(lo, hi)
            off_min = rnd.choice([0, 0, 60, -300, 330, -570, 1439, -1439, 840])
            d = datetime.fromtimestamp(t, timezone.utc) + timedelta(minutes=off_min)
            date = "%04d-%02d-%02d" % (d.year, d.month, d.day)
            form = rnd.random()
            if form < 0.08:
                f.write(date + "\n")
                continue
            sep = rnd.choice("TTTt ")
            clock = "%02d:%02d" % (d.hour, d.minute)
            if rnd.random() < 0.9:
                clock += ":%02d" % d.second
                if rnd.random() < 0.4:
                    clock += rnd.choice(".,") + "".join(rnd.choice("0123456789")
                                                        for _ in range(rnd.randint(1, 9)))
            if off_min == 0:
                off = rnd.choice(["Z", "z", "", "+00:00", "-0000", "+00"])
            else:
                a = abs(off_min)
                sign = "-" if off_min < 0 else "+"
                off = rnd.choice(["%s%02d:%02d", "%s%02d%02d"]) % (sign, a // 60, a % 60)
                if a % 60 == 0 and rnd.random() < 0.5:
                    off = "%s%02d" % (sign, a // 60)
            if rnd.random() < 0.01 and clock.startswith("00:00:00") and len(clock) == 8:
                prev = d - timedelta(days=1)
                date = "%04d-%02d-%02d" % (prev.year, prev.month, prev.day)
                clock = "24:00:00"
            f.write(date + sep + clock + off + "\n")


ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                 r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?")


def read(s):
    """s as an aware datetime and its microseconds; ValueError if bad."""
    g = ISO.fullmatch(s)
    if not g:
        raise ValueError(s)
    y, m, d, h, mi, sec, fr, off = g.groups()
    h, mi, sec = int(h or 0), int(mi or 0), int(sec or 0)
    frac = int((fr + "000000")[:6]) if fr else 0
    tz = timedelta(0)
    if off and off[0] in "+-":
        digits = off[1:].replace(":", "")
        tz = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        if off[0] == "-":
            tz = -tz
    extra = timedelta(0)
    if h == 24 and mi == 0 and sec == 0 and not fr:
        h, extra = 0, timedelta(days=1)
    dt = datetime(int(y), int(m), int(d), h, mi, sec, tzinfo=timezone(tz)) + extra
    return dt, frac


def secs(dt):
    return (dt - EPOCH) // timedelta(seconds=1)


def iso(dt):
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)


def ref(inp, out, err):
    ist = timezone(timedelta(hours=5, minutes=30))
    with open(inp) as f, open(out, "w") as o, open(err, "w") as e:
        for no, line in enumerate(f, 1):
            s = line.rstrip("\n")
            try:
                dt, frac = read(s)
            except ValueError:
                e.write("%d\n" % no)
                continue
            t = secs(dt)
            u = dt.astimezone(timezone.utc)
            k = u.astimezone(ist)
            w = u.astimezone(timezone(timedelta(hours=-3)))
            monday = u - timedelta(days=u.weekday(), hours=u.hour, minutes=u.minute, seconds=u.second)
            p1 = u.astimezone(timezone(timedelta(hours=1)))
            month1 = p1.replace(day=1, hour=0, minute=0, second=0)
            row = [t, t * 1000000 + frac, iso(u) + "Z",
                   "%s %02d/%s/%04d %02d-%02d-%02d +0530" % (DAYS[k.weekday()], k.day, MONTHS[k.month - 1],
                                                            k.year, k.hour, k.minute, k.second),
                   u.year, u.month, u.day, w.hour, u.minute, u.second, u.isoweekday(),
                   secs(monday), secs(month1)]
            o.write("\t".join(str(x) for x in row) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    else:
        ref(sys.argv[2], sys.argv[3], sys.argv[4])
