# dlt_reference.py: dlt 1.26's naming conventions transcribed to plain Python (no dlt needed),
# used to cross-check tests/naming/test_naming.c expectations. Run: python3 dlt_reference.py
import base64, hashlib, math, re, sys

RE_UNDERSCORES = re.compile("__+")
RE_LEADING_DIGITS = re.compile(r"^\d+")
RE_ENDING_UNDERSCORES = re.compile(r"_+$")
RE_NON_ALPHANUMERIC = re.compile(r"[^a-zA-Z\d_]+")
BREAK_1 = re.compile("([^_])([A-Z][a-z]+)")
BREAK_2 = re.compile("([a-z0-9])([A-Z])")
TR_SNAKE = str.maketrans("+-*@|", "x_xal")
TR_DIRECT = str.maketrans("\n\r'\"▶", "_____")
TR_DUCK = str.maketrans("\n\r\"", "___")


def tag(identifier):
    tl = int(((2 + 1) * math.log2(1 / 0.001) // 8) + 1)
    return (base64.b64encode(hashlib.shake_128(identifier.encode("utf-8")).digest(tl))
            .rstrip(b"=").translate(bytes.maketrans(b"/+", b"ab")).lower().decode("ascii"))


def shorten(norm, ident, max_length):
    if max_length and len(norm) > max_length:
        t = tag(ident)
        rem = max_length - len(t)
        norm = norm[: rem // 2 + rem % 2] + t + norm[len(norm) - rem // 2:]
    return norm


def snake(i, ml):
    n = RE_NON_ALPHANUMERIC.sub("_", i.translate(TR_SNAKE))
    n = BREAK_1.sub(r"\1_\2", n)
    n = BREAK_2.sub(r"\1_\2", n).lower()
    if RE_LEADING_DIGITS.match(n):
        n = "_" + n
    s = n.rstrip("_")
    s += "x" * (len(n) - len(s))
    return shorten(RE_UNDERSCORES.sub("_", s), i, ml)


def sql_cs(i, ml):
    n = RE_NON_ALPHANUMERIC.sub("_", i)
    if RE_LEADING_DIGITS.match(n):
        n = "_" + n
    if n != "_":
        n = RE_ENDING_UNDERSCORES.sub("", n)
    n = RE_UNDERSCORES.sub("_", n)
    return shorten(n, i, ml)


def sql_ci(i, ml):
    return sql_cs(i, ml).lower()


def direct(i, ml):
    return shorten(i.translate(TR_DIRECT), i, ml)


def duck(i, ml):
    return shorten(RE_UNDERSCORES.sub("_", i.translate(TR_DUCK)), i, ml)


CONV = {"snake_case": (snake, "__"), "sql_cs_v1": (sql_cs, "__"), "sql_ci_v1": (sql_ci, "__"),
        "direct": (direct, "▶"), "duck_case": (duck, "__")}


def ident(conv, i, ml=None):
    i = i.strip()
    if not i:
        raise ValueError(i)
    return CONV[conv][0](i, ml)


def path(conv, p, ml=None):
    sep = CONV[conv][1]
    parts = [ident(conv, x, ml) for x in p.split(sep) if x.strip()]
    return shorten(sep.join(x for x in parts if x.strip()), p, ml)


def fragments(conv, parts, ml=None):
    sep = CONV[conv][1]
    s = sep.join(x for x in parts if x.strip())
    return shorten(s, s, ml)


if __name__ == "__main__":
    # prints C table rows for every argument: conv|kind|maxlen|input
    for line in sys.stdin:
        conv, kind, ml, inp = line.rstrip("\n").split("|", 3)
        inp = inp.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        ml = int(ml) or None
        try:
            r = ident(conv, inp, ml) if kind == "id" else path(conv, inp, ml)
        except ValueError:
            r = None
        print(conv, kind, ml, repr(inp), "->", repr(r))
