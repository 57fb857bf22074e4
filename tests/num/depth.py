#!/usr/bin/env python3
"""depth.py — expressions nested N levels deep in every form (issue 16
part 11), and what each computes, for tests/num.sh.

  depth.py fpipe N    the pipeline: one operator per form, each N deep
  depth.py ref N      reads the input lines (integers), prints the sink's
                      output computed here in Python
  depth.py limits     the largest forms allowed: an else-if chain and a
                      let chain of 200 links (the most) whose last part
                      nests to the 100th level, inside a tuple

Forms: an else-if chain of N branches, a let chain of N lets, a let
nested N deep in a let's value, ifs nested N deep in then-branches, a
right-nested + chain, a left-nested - chain, N unary minuses, N calls
(parse_i64(str(...))), tuples N deep and N field accesses, and an else-if
chain of N branches inside a tuple (emitted as one ?: chain).  Each
operator takes the previous one's i64, so the output depends on all."""
import sys

M = 1000003


def cdiv(a, b):
    """i64 / : truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def crem(a, b):
    """i64 % : the dividend's sign."""
    return a - b * cdiv(a, b)


def forms(n):
    """(name, fpipe body over 'x', python function of x) per form."""
    out = []
    # else-if chain of n branches (n ifs), x mod (n + 7) picks one
    body = ""
    for k in range(n):
        body += f"if x % {n + 7} == {k} then {k * 7 + 1} else "
    body += "x / 3"
    out.append(("elseif", body,
                lambda x: crem(x, n + 7) * 7 + 1 if 0 <= crem(x, n + 7) < n else cdiv(x, 3)))
    # let chain of n lets
    body = "let v0 = x + 1 in "
    for k in range(1, n):
        body += f"let v{k} = (v{k - 1} * 3 + {k}) % {M} in "
    body += f"v{n - 1}"

    def letchain(x):
        v = x + 1
        for k in range(1, n):
            v = crem(v * 3 + k, M)
        return v
    out.append(("letchain", body, letchain))
    # lets nested in values (n - 1 lets and the innermost + make n levels)
    body = "x"
    for k in range(n - 1):
        body = f"let w{k} = {body} in w{k} + 1"
    out.append(("letvalue", body, lambda x: x + n - 1))
    # ifs nested in then-branches (n - 1 ifs and the innermost comparison)
    body = "x"
    for k in range(n - 1):
        body = f"if x > {k} then {body} else {k}"

    def nested_if(x):
        r = x
        for k in range(n - 1):
            r = r if x > k else k
        return r
    out.append(("thenif", body, nested_if))
    # right-nested +: x + (1 + (2 + ...))  (n binary operators)
    body = "x"
    for k in range(n):
        body = f"{k} + ({body})" if k else f"({body}) + 0"
    out.append(("rightsum", body, lambda x: x + sum(range(n))))
    # left chain of -: x - 0 - 1 - 2 ...
    body = "x" + "".join(f" - {k}" for k in range(n))
    out.append(("leftsub", body, lambda x: x - sum(range(n))))
    # n unary minuses
    body = "- " * n + "x"
    out.append(("negs", body, lambda x: -x if n % 2 else x))
    # n calls: parse_i64(str(parse_i64(str(... max(x, x)))))
    body = "max(x, x)" if n % 2 else "x"
    for k in range(n // 2):
        body = f"parse_i64(str({body}))"
    out.append(("calls", body, lambda x: x))
    return out


def tuple_ops(n):
    """A tuple n deep (x in its innermost slot), then n field accesses."""
    body = "x"
    for k in range(n):
        body = f"({k}, {body})"
    return body, "t" + ".1" * n


def pipeline(n):
    lines = ["pipeline depth", "source lines = text(input)", "map x = parse_i64(lines)"]
    prev = "x"
    fs = forms(n)
    for name, body, _ in fs:
        lines.append(f"map {name} = {body.replace('x', prev)}")
        prev = name
    tb, get = tuple_ops(n)
    lines.append(f"map t = {tb.replace('x', prev)}")
    lines.append(f"map fields = {get}")
    # an else-if chain inside a tuple: one ?: chain in the C
    chain = "".join(f"if fields % {n + 3} == {k} then {k} else " for k in range(n)) + "0 - 1"
    lines.append(f"map pair = (fields, {chain})")
    lines.append("sink out = tsv(output)")
    return "\n".join(lines) + "\n"


def reference(n):
    fs = forms(n)
    for line in sys.stdin:
        x = int(line)
        for _, _, f in fs:
            x = f(x)
        k = crem(x, n + 3)
        print(f"{x}\t{k if 0 <= k < n else -1}")


def limits():
    def deep(n):   # x, n levels deep: (k, (j, x).1).1 ...
        d = "x"
        for k in range(n // 2):
            d = f"({k}, {d}).1"
        return d
    # 98 + the chain + the tuple; 96 + '+' + the let chain + the tuple
    chain = "".join(f"if x == {k} then {k} else " for k in range(200)) + deep(98)
    lets = "let a0 = x in " + "".join(f"let a{k} = a{k - 1} + 1 in " for k in range(1, 200))
    lets += "a199 + " + deep(96)
    return "\n".join(["pipeline limits", "source lines = text(input)",
                      "map x = parse_i64(lines)",
                      f"map chains = ({chain}, {lets})",
                      "sink out = tsv(output)"]) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "limits":
        sys.stdout.write(limits())
        sys.exit(0)
    n = int(sys.argv[2])
    if sys.argv[1] == "fpipe":
        sys.stdout.write(pipeline(n))
    else:
        reference(n)
