"""The counts --stats must report for tests/runtime/stats.fpipe on an input,
computed from the input with Python (an independent reference), and checks
of a --stats=json line against them.  Usage: stats_ref.py INPUT STATS_JSON"""
import json, re, sys

data = open(sys.argv[1], 'rb').read()
lines = data.split(b'\n')
if data.endswith(b'\n') or data == b'':
    lines = lines[:-1]
items = [it for l in lines for it in l.split(b',')]
ok = [int(it) for it in items if re.fullmatch(rb'[+-]?[0-9]+', it)]
small = [n for n in ok if n < 1000]
good = [n for n in small if n % 5 != 0]   # C's % takes the dividend's sign; only 0 matters
per = {}
for n in good:
    k = int(n - 7 * int(n / 7))           # C: truncated toward zero
    per[k] = per.get(k, 0) + int(100 / (n - 5 * int(n / 5)))
kept = [k for k, v in per.items() if v > 0]
want = {
    'lines': dict(inp=len(lines), out=len(lines), filtered=0, dropped=0, collected=0),
    'items': dict(inp=len(lines), out=len(items), filtered=0, dropped=0, collected=0, expanded=len(lines)),
    'n': dict(inp=len(items), out=len(ok), filtered=0, dropped=len(items) - len(ok), collected=0),
    'small': dict(inp=len(ok), out=len(small), filtered=len(ok) - len(small), dropped=0, collected=0),
    'kv': dict(inp=len(small), out=len(good), filtered=0, dropped=0, collected=len(small) - len(good)),
    'per': dict(inp=len(good), out=len(per), filtered=0, dropped=0, collected=0),
    'keep': dict(inp=len(per), out=len(kept), filtered=len(per) - len(kept), dropped=0, collected=0),
    'out': dict(inp=len(kept), out=len(kept), filtered=0, dropped=0, collected=0),
}
st = json.loads(open(sys.argv[2]).read())
bad = 0
prev = None
for op in st['operators']:
    w = want[op['name']]
    got = dict(inp=op['in'], out=op['out'], filtered=op['filtered'], dropped=op['dropped'],
               collected=op['collected'])
    if 'expanded' in op:
        got['expanded'] = op['expanded']
    if got != w:
        print('%s: got %s, want %s' % (op['name'], got, w)); bad = 1
    # Reconciliation, on the reported numbers themselves.
    if prev is not None and op['in'] != prev['out']:
        print('%s: in %d is not the previous out %d' % (op['name'], op['in'], prev['out'])); bad = 1
    if op['kind'] in ('map', 'filter', 'source') and \
            op['in'] != op['out'] + op['filtered'] + op['dropped'] + op['collected']:
        print('%s: in != out + filtered + dropped + collected' % op['name']); bad = 1
    if op['kind'] == 'flatmap' and op['in'] != op['expanded'] + op['dropped'] + op['collected']:
        print('%s: in != expanded + dropped + collected' % op['name']); bad = 1
    prev = op
if [o['name'] for o in st['operators']] != list(want):
    print('operators: %s' % [o['name'] for o in st['operators']]); bad = 1
if not (st['pipeline'] == 'stats' and st['seconds']['total'] >= 0):
    print('header: %s' % st); bad = 1
# Hot keys of 'per': its records per key, from the input.  A reported key's
# count lies within its bounds and is at least 10%; a key with at least 11%
# must be reported (the sketch's lower bound loses at most the records of
# other keys in its bucket, ~1/256 of the rest).
recs = {}
for n in good:
    k = int(n - 7 * int(n / 7))
    recs[k] = recs.get(k, 0) + 1
h = st.get('hot_keys', {})
if h.get('operator') != 'per' or h.get('records') != len(good):
    print('hot_keys: %s' % h); bad = 1
seen = set()
for k in h.get('keys', []):
    c = recs.get(k['key'], 0)
    seen.add(k['key'])
    if not (k['records_min'] <= c <= k['records_max'] and c >= 0.10 * len(good)):
        print('hot key %s: %d records, reported %s' % (k['key'], c, k)); bad = 1
for key, c in recs.items():
    if c >= 0.11 * len(good) and key not in seen:
        print('hot key %s (%d of %d records) not reported' % (key, c, len(good))); bad = 1
sys.exit(bad)
