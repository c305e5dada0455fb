"""Step ids: the one module that makes them and parses them (the grammar of the README, "Step ids").

All indices are 1-based: s sample, l layer (1 = first hidden layer), u unit, i source unit, k another unit.
Ids never depend on the notation.

    x.s{s}.u{u}  t.s{s}.u{u}  w.l{l}.i{i}.u{u}  b.l{l}.u{u} | b.l{l}  eta
    net.s{s}.l{l}.u{u}  out.s{s}.l{l}.u{u}  err.s{s}.u{u}  loss.s{s} | loss  loss_after
    dout.s{s}.l{l}.u{u}  term.s{s}.l{l}.u{u}.k{k}  act.s{s}.l{l}.u{u}  jac.s{s}.l{l}.k{k}.u{u}
    delta.s{s}.l{l}.u{u}  chain.s{s}.l{l}.u{u}  dnet.s{s}.l{l}.i{i}.u{u}
    gw.s{s}.l{l}.i{i}.u{u} | gw.l{l}.i{i}.u{u}  gb.l{l}.u{u} | gb.l{l}  nw.l{l}.i{i}.u{u}  nb.l{l}.u{u} | nb.l{l}
    M.Z.l{l}  M.A.l{l}  M.D.l{l}  M.GW.l{l}  M.GB.l{l}  M.NW.l{l}

make(kind, **fields) and parse(sid) -> (kind, {letter: int}) are inverse: make(*parse(sid)) == sid. The
functions named after the kinds (net(s, l, u), w(l, i, u), b(l, u=None), gw(l, i, u, s=None), ...) take the
indices in the order the id writes them.
"""
from __future__ import annotations

from functools import lru_cache

# kind -> the index letters in the order the id writes them, and which of them may be left out
ORDER: dict[str, str] = {
    "x": "su", "t": "su", "w": "liu", "b": "lu", "eta": "",
    "net": "slu", "out": "slu", "err": "su", "loss": "s", "loss_after": "",
    "dout": "slu", "term": "sluk", "act": "slu", "jac": "slku", "delta": "slu", "chain": "slu",
    "dnet": "sliu", "gw": "sliu", "gb": "lu", "nw": "liu", "nb": "lu",
    "M.Z": "l", "M.A": "l", "M.D": "l", "M.GW": "l", "M.GB": "l", "M.NW": "l",
    # L2 (issue 16): lambda, the penalty l2, each parameter's L2 gradient term; optimizer states of a parameter
    "lam": "", "l2": "", "l2g": "liu",
    "vel": "liu", "m": "liu", "v": "liu", "mhat": "liu", "vhat": "liu",
}
OPTIONAL: dict[str, str] = {"b": "u", "gb": "u", "nb": "u", "loss": "s", "gw": "s",
                            **{k: "iu" for k in ("l2g", "vel", "m", "v", "mhat", "vhat")}}
OPT_STATES = ("vel", "m", "v", "mhat", "vhat")       # an optimizer's per-parameter steps, in the order worked
GIVEN = ("x", "t", "w", "b", "eta")                 # the kinds of the given numbers
PARAMS = ("w", "b")                                 # the kinds of trainable parameters
MATRIX = tuple(k for k in ORDER if k.startswith("M."))

ETA, LOSS, LOSS_AFTER, LAMBDA = "eta", "loss", "loss_after", "lam"


class IdError(ValueError):
    """Not a step id of the grammar above."""


def make(kind: str, **fields: int | None) -> str:
    """The id of `kind` with these indices (None or absent: an optional index left out)."""
    order = ORDER.get(kind)
    if order is None:
        raise IdError(f"unknown step kind {kind!r}")
    extra = set(fields) - set(order)
    if extra:
        raise IdError(f"{kind}: no index {', '.join(sorted(extra))} (indices: {order or 'none'})")
    parts = [kind]
    for c in order:
        v = fields.get(c)
        if v is None:
            if c not in OPTIONAL.get(kind, ""):
                raise IdError(f"{kind}: index {c} is required")
            continue
        parts.append(f"{c}{int(v)}")
    return ".".join(parts)


@lru_cache(maxsize=1 << 16)
def _parse(sid: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    parts = sid.split(".")
    if parts[0] == "M" and len(parts) > 1:
        kind, rest = "M." + parts[1], parts[2:]
    else:
        kind, rest = parts[0], parts[1:]
    order = ORDER.get(kind)
    if order is None:
        raise IdError(f"not a step id: {sid!r}")
    fields, pos = [], 0
    for p in rest:
        c, num = p[:1], p[1:]
        at = order.find(c, pos) if c else -1
        if at < 0 or not num.isdigit() or not num.isascii() or (len(num) > 1 and num[0] == "0") or int(num) < 1:
            raise IdError(f"not a step id: {sid!r}")
        fields.append((c, int(num)))
        pos = at + 1
    have = {c for c, _ in fields}
    if any(c not in have and c not in OPTIONAL.get(kind, "") for c in order):
        raise IdError(f"not a step id: {sid!r}")
    return kind, tuple(fields)


def parse(sid: str) -> tuple[str, dict[str, int]]:
    """'term.s1.l1.u2.k1' -> ('term', {'s': 1, 'l': 1, 'u': 2, 'k': 1}); 'M.Z.l2' -> ('M.Z', {'l': 2}).
    IdError (a ValueError) for anything else."""
    kind, fields = _parse(sid)
    return kind, dict(fields)


def kind(sid: str) -> str:
    """The kind of a step id ('net', 'gw', 'M.Z', 'loss_after', ...)."""
    return _parse(sid)[0]


def is_id(sid: str) -> bool:
    try:
        _parse(sid)
    except (IdError, TypeError, AttributeError):
        return False
    return True


# ---- one function per kind ---------------------------------------------------------------------------
def x(s: int, u: int) -> str:
    return f"x.s{s}.u{u}"


def t(s: int, u: int) -> str:
    return f"t.s{s}.u{u}"


def w(l: int, i: int, u: int) -> str:
    return f"w.l{l}.i{i}.u{u}"


def b(l: int, u: int | None = None) -> str:
    """A per-unit bias (u given) or a layer's shared bias (u None)."""
    return f"b.l{l}" if u is None else f"b.l{l}.u{u}"


def eta() -> str:
    return ETA


def net(s: int, l: int, u: int) -> str:
    return f"net.s{s}.l{l}.u{u}"


def out(s: int, l: int, u: int) -> str:
    return f"out.s{s}.l{l}.u{u}"


def a(s: int, l: int, u: int) -> str:
    """Output u of layer l, where layer 0 is the inputs (x) and layer l >= 1 a unit's out."""
    return x(s, u) if l == 0 else out(s, l, u)


def err(s: int, u: int) -> str:
    return f"err.s{s}.u{u}"


def loss(s: int | None = None) -> str:
    """One sample's loss (s given; batches only) or the reduced loss."""
    return LOSS if s is None else f"loss.s{s}"


def loss_after() -> str:
    return LOSS_AFTER


def dout(s: int, l: int, u: int) -> str:
    return f"dout.s{s}.l{l}.u{u}"


def term(s: int, l: int, u: int, k: int) -> str:
    """One term of the hidden sum dE/dout_u (layer l): delta_k of layer l+1 times w_uk of layer l+1."""
    return f"term.s{s}.l{l}.u{u}.k{k}"


def act(s: int, l: int, u: int) -> str:
    return f"act.s{s}.l{l}.u{u}"


def jac(s: int, l: int, k: int, u: int) -> str:
    """Softmax Jacobian entry dout_k/dnet_u."""
    return f"jac.s{s}.l{l}.k{k}.u{u}"


def delta(s: int, l: int, u: int) -> str:
    return f"delta.s{s}.l{l}.u{u}"


def chain(s: int, l: int, u: int) -> str:
    return f"chain.s{s}.l{l}.u{u}"


def dnet(s: int, l: int, i: int, u: int) -> str:
    return f"dnet.s{s}.l{l}.i{i}.u{u}"


def gw(l: int, i: int, u: int, s: int | None = None) -> str:
    """dE/dw (s None) or one sample's dE/dw (batches only)."""
    return f"gw.l{l}.i{i}.u{u}" if s is None else f"gw.s{s}.l{l}.i{i}.u{u}"


def gb(l: int, u: int | None = None) -> str:
    return f"gb.l{l}" if u is None else f"gb.l{l}.u{u}"


def nw(l: int, i: int, u: int) -> str:
    return f"nw.l{l}.i{i}.u{u}"


def nb(l: int, u: int | None = None) -> str:
    return f"nb.l{l}" if u is None else f"nb.l{l}.u{u}"


def l2g(l: int, i: int | None, u: int | None) -> str:
    """The L2 term of dE/dw (i given) or dE/db (i None; u None for a shared bias)."""
    return make("l2g", l=l, i=i, u=u)


def opt(kind: str, l: int, i: int | None, u: int | None) -> str:
    """An optimizer state of a weight (i given) or bias: vel, m, v, mhat, vhat."""
    return make(kind, l=l, i=i, u=u)


def matrix(name: str, l: int) -> str:
    """A matrix-view step: name one of Z, A, D, GW, GB, NW."""
    if "M." + name not in ORDER:
        raise IdError(f"unknown matrix {name!r}")
    return f"M.{name}.l{l}"


# ---- relations between ids ---------------------------------------------------------------------------
def bias(mode: str, l: int, u: int) -> str | None:
    """The bias id feeding unit u of layer l under bias_mode `mode` (None for 'none')."""
    return None if mode == "none" else b(l, None if mode == "shared" else u)


def _param_of(sid: str, what: str) -> tuple[str, dict[str, int]]:
    """("w" | "b", indices without the sample) of a parameter, its gradient or its update."""
    k, f = parse(sid)
    base = {"w": "w", "nw": "w", "gw": "w", "b": "b", "nb": "b", "gb": "b"}.get(k)
    if base is None:
        raise IdError(f"{sid!r} is not a weight or bias{what}")
    f.pop("s", None)
    return base, f


def grad(sid: str) -> str:
    """The gradient step of a parameter or its update: w./nw. -> gw., b./nb. -> gb. (sample index dropped)."""
    base, f = _param_of(sid, "")
    return make("g" + base, **f)


def new(sid: str) -> str:
    """The update step of a parameter: w. -> nw., b. -> nb."""
    k, f = parse(sid)
    if k not in PARAMS:
        raise IdError(f"{sid!r} is not a weight or bias")
    return make("n" + k, **f)


def param(sid: str) -> str:
    """The given parameter of an update or gradient: nw./gw. -> w., nb./gb. -> b. (sample index dropped)."""
    base, f = _param_of(sid, " step")
    return make(base, **f)


def is_param(sid: str) -> bool:
    """A given weight or bias."""
    return is_id(sid) and kind(sid) in PARAMS


def without_sample(sid: str) -> str:
    """The same id without its sample index (gw.s1.l2.i1.u1 -> gw.l2.i1.u1); only kinds where s is optional."""
    k, f = parse(sid)
    f.pop("s", None)
    return make(k, **f)


EXAMPLES: dict[str, dict[str, int]] = {      # one set of indices per kind (tests, docs)
    "x": dict(s=1, u=2), "t": dict(s=2, u=1), "w": dict(l=2, i=1, u=3), "b": dict(l=1, u=2), "eta": {},
    "net": dict(s=1, l=2, u=3), "out": dict(s=3, l=1, u=2), "err": dict(s=1, u=2), "loss": dict(s=2),
    "loss_after": {}, "dout": dict(s=1, l=1, u=2), "term": dict(s=1, l=1, u=2, k=3),
    "act": dict(s=1, l=2, u=1), "jac": dict(s=1, l=2, k=3, u=1), "delta": dict(s=2, l=1, u=1),
    "chain": dict(s=1, l=2, u=2), "dnet": dict(s=1, l=2, i=3, u=1), "gw": dict(s=2, l=1, i=2, u=1),
    "gb": dict(l=2, u=1), "nw": dict(l=1, i=2, u=3), "nb": dict(l=2, u=2),
    "M.Z": dict(l=1), "M.A": dict(l=2), "M.D": dict(l=1), "M.GW": dict(l=2), "M.GB": dict(l=1), "M.NW": dict(l=2),
    "lam": {}, "l2": {}, "l2g": dict(l=2, i=1, u=1), "vel": dict(l=1, i=2, u=1), "m": dict(l=2, i=1, u=2),
    "v": dict(l=1, i=1, u=1), "mhat": dict(l=2, i=2, u=1), "vhat": dict(l=1, i=1, u=2),
}
