"""Code: the arithmetic whose values are Python source, so a record of calc.maths.functions evaluated in it is code.

Every operation (Python's operators on Code values and every primitive of calc.maths.arith.Float) adds one node
to the arithmetic's graph and returns a Code naming it; equal nodes are shared (the second sigmoid(z) of SiLU's
f' is the first one). `finish(outputs)` prints the graph reachable from the outputs as straight-line
assignments: a node used more than once gets a line `v17 = <expr>`, a node used once is written inline where it
is used (so a branch's own work sits inside its conditional and is only done when taken), and nothing unused is
printed. Two flavours:
    PythonCode   scalar Python over the math module (calc.train.codegen): where -> `(a if c else b)`,
                 pos -> `(x > 0.0)`, rowmax -> `max(...)`, sigmoid and log1p(e^x) in the stable forms of Float;
                 run the source with GLOBALS (math errors raise, as math does)
    NumpyCode    NumPy over arrays (the notebook's helpers): np.where, np.maximum, np.max / np.sum over the last axis
The source holds only the names given to `var()` (made by the caller from ints and record names), temporaries
`v<n>`, the flavour's function names, and float literals of the constants written in the formulas: no number
and no text from a user can enter it (parameters and data are arguments).
"""
from __future__ import annotations

import keyword
import math
from fractions import Fraction

import numpy as np

from calc.maths.arith import _map, _Objects

ATOM, POW, UNARY, MUL, ADD, CMP, COND = 100, 15, 14, 13, 12, 6, 1
_BIN = {"+": ADD, "-": ADD, "*": MUL, "/": MUL}
_FOLD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}
MAX_DEPTH = 60          # an inline expression nested deeper than this gets its own line (the parser's limits)
TEMP = "v"              # temporaries: v0, v1, ... (callers' names must not look like that)


class Code:
    """One value of a Code arithmetic: node `i` of the graph `g`."""
    __slots__ = ("g", "i")

    def __init__(self, g: "_Graph", i: int):
        self.g, self.i = g, i

    def _bin(self, op: str, o, swap: bool = False):
        if isinstance(o, np.ndarray):
            return NotImplemented
        o = self.g.lit(o) if not isinstance(o, Code) else o
        if o.g is not self.g:
            raise ValueError("Code values of two different graphs")
        a, b = (o, self) if swap else (self, o)
        return self.g.binary(op, a, b)

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __rtruediv__(self, o):
        return self._bin("/", o, True)

    def __pow__(self, n):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError("Code ** n: n must be a whole number")
        n = int(n)
        if n == 0:
            return self.g.lit(1.0)
        if 1 <= n <= 4:          # x * x * ...: what NumPy's float64 square does, and faster than pow
            out = self
            for _ in range(n - 1):
                out = out * self
            return out
        return self.g.node("pow", n, (self.i,))

    def __neg__(self):
        v = self.g.value(self.i)
        if v is not None:
            return self.g.lit(-v)
        return self.g.node("neg", None, (self.i,))

    def __pos__(self):
        return self

    def __bool__(self):
        raise TypeError("a Code value has no truth value: branch with A.where(A.pos(x), a, b)")

    def __float__(self):
        raise TypeError("a Code value has no number: it is source code")

    def __repr__(self):
        return f"Code({self.g.preview(self.i)})"


def _number(q) -> float:
    if isinstance(q, Code):
        raise TypeError("already Code")
    if isinstance(q, (bool, np.bool_, int, np.integer, float, np.floating, Fraction)):
        v = float(q)
        if not math.isfinite(v):
            raise ValueError("Code: a constant that is not finite")
        return v
    raise TypeError(f"Code: no literal for {type(q).__name__}")


class _Graph:
    """The nodes: (kind, payload, args) with args node indices; shared when equal."""

    def __init__(self):
        self.nodes: list[tuple] = []
        self.memo: dict[tuple, int] = {}
        self.lits: dict[int, float] = {}

    def node(self, kind: str, payload, args: tuple) -> Code:
        key = (kind, payload, args)
        i = self.memo.get(key)
        if i is None:
            i = len(self.nodes)
            self.nodes.append(key)
            self.memo[key] = i
        return Code(self, i)

    def lit(self, q) -> Code:
        if isinstance(q, Code):
            return q
        v = _number(q)
        c = self.node("lit", repr(v), ())
        self.lits[c.i] = v
        return c

    def value(self, i: int) -> float | None:
        return self.lits.get(i)

    def binary(self, op: str, a: Code, b: Code) -> Code:
        va, vb = self.value(a.i), self.value(b.i)
        if va is not None and vb is not None:
            return self.lit(_FOLD[op](va, vb))
        # exact identities only: x * 1, x / 1, x + 0, x - 0 (0 * x stays: it is nan for inf, as in float64)
        if (op in ("*", "/") and vb == 1.0) or (op in ("+", "-") and vb == 0.0):
            return a
        if (op == "*" and va == 1.0) or (op == "+" and va == 0.0):
            return b
        return self.node("bin", op, (a.i, b.i))

    def preview(self, i: int) -> str:
        return _Printer(self, None).inline(i)


class _Printer:
    """Prints nodes; `fn` maps a function's generic name to the flavour's (exp -> np.exp)."""

    def __init__(self, g: _Graph, flavour: "_CodeArith | None"):
        self.g, self.fl = g, flavour
        self.done: dict[int, tuple[str, int, int]] = {}     # node -> (text, precedence, depth)

    @staticmethod
    def wrap(part: tuple[str, int, int], need: bool) -> tuple[str, int]:
        text, _, depth = part
        return (f"({text})", depth + 1) if need else (text, depth)

    def render(self, i: int, parts: list[tuple[str, int, int]]) -> tuple[str, int, int]:
        kind, payload, _ = self.g.nodes[i]
        if kind == "name":
            return payload, ATOM, 0
        if kind == "lit":
            return payload, (UNARY if payload.startswith("-") else ATOM), 0
        if kind == "bin":
            p = _BIN[payload]
            (ta, da), (tb, db) = self.wrap(parts[0], parts[0][1] < p), self.wrap(parts[1], parts[1][1] <= p)
            return f"{ta} {payload} {tb}", p, max(da, db) + 1
        if kind == "neg":
            t, d = self.wrap(parts[0], parts[0][1] < UNARY)
            return f"-{t}", UNARY, d + 1
        if kind == "pow":
            t, d = self.wrap(parts[0], parts[0][1] <= POW)
            return f"{t} ** {payload}", POW, d + 1
        if kind == "cmp":
            (ta, da), (tb, db) = self.wrap(parts[0], parts[0][1] <= CMP), self.wrap(parts[1], parts[1][1] <= CMP)
            return f"{ta} {payload} {tb}", CMP, max(da, db) + 1
        if kind == "if":                        # args: condition, then, else
            (tc, dc), (ta, da), (tb, db) = (self.wrap(x, x[1] <= COND) for x in parts)
            return f"{ta} if {tc} else {tb}", COND, max(dc, da, db) + 1
        if kind == "call":
            fname, suffix = payload
            name = self.fl.FUNCTIONS[fname] if self.fl is not None else fname
            return f"{name}({', '.join(x[0] for x in parts)}{suffix})", ATOM, max((x[2] for x in parts), default=0) + 1
        raise ValueError(f"Code: unknown node {kind!r}")

    def inline(self, i: int) -> str:
        """The whole expression of node i, nothing named (for repr)."""
        def go(j):
            args = self.g.nodes[j][2]
            return self.render(j, [go(a) for a in args])
        return go(i)[0]


class _CodeArith(_Objects):
    """The primitives of calc.maths.arith.Float, each adding a node; values are object arrays of Code."""
    exact = False
    FUNCTIONS: dict[str, str] = {}

    def __init__(self):
        self.g = _Graph()

    # -- leaves ------------------------------------------------------------------------------------------------
    def var(self, ident: str) -> Code:
        """A variable of the generated code (an argument or a name the caller assigns)."""
        if not (isinstance(ident, str) and ident.isidentifier() and not keyword.iskeyword(ident)
                and not (ident.startswith(TEMP) and ident[len(TEMP):].isdigit())
                and ident not in set(self.FUNCTIONS.values()) | {"np", "math"}):
            raise ValueError(f"Code: {ident!r} cannot be a variable")
        return self.g.node("name", ident, ())

    def vars(self, idents) -> np.ndarray:
        """An object array of variables, shaped as the nested lists of names given."""
        return _map(self.var, np.asarray(idents, dtype=object))

    def const(self, q) -> Code:
        return self._c(q)

    # -- elementwise -------------------------------------------------------------------------------------------
    def _c(self, x) -> Code:
        if isinstance(x, Code):
            if x.g is not self.g:
                raise ValueError("Code values of two different graphs")
            return x
        return self.g.lit(x)

    def call(self, fname: str, *args, suffix: str = "") -> Code:
        return self.g.node("call", (fname, suffix), tuple(self._c(a).i for a in args))

    def _fn(self, fname: str, x):
        return _map(lambda v: self.call(fname, v), x)

    def exp(self, x):
        return self._fn("exp", x)

    def expm1(self, x):
        return self._fn("expm1", x)

    def log(self, x):
        return self._fn("log", x)

    def tanh(self, x):
        return self._fn("tanh", x)

    def atan(self, x):
        return self._fn("atan", x)

    def _cmp(self, op: str, a, b) -> Code:
        return self.g.node("cmp", op, (self._c(a).i, self._c(b).i))

    def pos(self, x):
        return _map(lambda v: self._cmp(">", v, 0.0), x)

    def is_zero(self, x):
        return _map(lambda v: self._cmp("==", v, 0.0), x)

    def _e(self, v) -> Code:
        """e^-|v| (<= 1), shared by the stable sigmoid and log1p(e^v)."""
        return self.call("exp", -self.call("abs", v))

    def log1pexp(self, x):
        """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), as Float."""
        return _map(lambda v: self.call("maximum", v, 0.0) + self.call("log1p", self._e(v)), x)

    def sigmoid(self, x):
        """(1 if x >= 0 else e^-|x|) / (1 + e^-|x|), as Float."""
        def one(v):
            e = self._e(v)
            return self._where1(self._cmp(">=", v, 0.0), self.g.lit(1.0), e) / (1 + e)
        return _map(one, x)

    def where(self, c, a, b):
        c, a, b = np.broadcast_arrays(np.asarray(c, dtype=object), np.asarray(a, dtype=object),
                                      np.asarray(b, dtype=object))
        return _map(self._where1, c, a, b)

    def _where1(self, c, a, b):
        if isinstance(c, (bool, np.bool_)):
            return a if c else b
        a, b = self._c(a), self._c(b)
        return a if a.i == b.i else self._select(c, a, b)

    def ln10(self):
        return self.g.lit(math.log(10.0))

    # -- printing ----------------------------------------------------------------------------------------------
    def finish(self, outputs: list) -> tuple[list[str], list[str]]:
        """(lines, expressions): the assignments needed, in order, and each output's expression."""
        g = self.g
        outs = [self._c(o) for o in outputs]
        for o in outs:
            if o.g is not g:
                raise ValueError("Code: an output of another graph")
        uses = [0] * len(g.nodes)
        seen = [False] * len(g.nodes)
        stack = [o.i for o in outs]
        while stack:
            i = stack.pop()
            if seen[i]:
                continue
            seen[i] = True
            for a in g.nodes[i][2]:
                uses[a] += 1
                stack.append(a)
        for o in outs:
            uses[o.i] += 1
        pr = _Printer(g, self)
        lines = []
        for i, (kind, _, args) in enumerate(g.nodes):
            if not seen[i]:
                continue
            part = pr.render(i, [pr.done[a] for a in args])
            if kind not in ("name", "lit") and (uses[i] > 1 or part[2] > MAX_DEPTH):
                lines.append(f"{TEMP}{i} = {part[0]}")
                part = (f"{TEMP}{i}", ATOM, 0)
            pr.done[i] = part
        return lines, [pr.done[o.i][0] for o in outs]

    def function(self, fname: str, params: list[str], body, doc: str = "", indent: str = "    ") -> str:
        """`def fname(params):` returning body(*params as Code cells)[0, 0] (a fresh graph is used)."""
        A = type(self)()
        if not (fname.isidentifier() and not keyword.iskeyword(fname)):
            raise ValueError(f"Code: {fname!r} cannot be a function name")
        args = [np.array([[A.var(p)]], dtype=object) for p in params]
        out = np.asarray(body(A, *args), dtype=object).reshape(-1)[0]
        lines, (expr,) = A.finish([out])
        head = [f"def {fname}({', '.join(params)}):"] + ([f'{indent}"""{doc}"""'] if doc else [])
        return "\n".join(head + [indent + ln for ln in lines] + [f"{indent}return {A.returned(expr)}"]) + "\n"

    def returned(self, expr: str) -> str:
        return expr


class PythonCode(_CodeArith):
    """Scalar Python over the math module: one Code per number; run the source with GLOBALS."""
    name = "python-code"
    FUNCTIONS = {"exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "tanh": "tanh", "atan": "atan",
                 "abs": "abs", "maximum": "max", "max": "max"}
    GLOBALS = {"exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p, "tanh": math.tanh,
               "atan": math.atan, "__builtins__": {"abs": abs, "max": max}}

    def _select(self, c, a, b):
        return self.g.node("if", None, (c.i, a.i, b.i))

    def rowmax(self, z):
        if z.shape[-1] == 1:
            return z
        rows = z.reshape(-1, z.shape[-1])
        return _map(lambda *cols: self.call("max", *cols), *(rows[:, j] for j in range(z.shape[-1]))).reshape(
            z.shape[:-1] + (1,))


class NumpyCode(_CodeArith):
    """NumPy over whole arrays: one Code stands for an array (a cell of shape (1, 1)); rows along the last axis."""
    name = "numpy-code"
    FUNCTIONS = {"exp": "np.exp", "expm1": "np.expm1", "log": "np.log", "log1p": "np.log1p", "tanh": "np.tanh",
                 "atan": "np.arctan", "abs": "np.abs", "maximum": "np.maximum", "where": "np.where",
                 "max": "np.max", "sum": "np.sum", "asarray": "np.asarray"}
    _ROW = ", axis=-1, keepdims=True"

    def _select(self, c, a, b):
        return self.call("where", c, a, b)

    def rowmax(self, z):
        return _map(lambda v: self.call("max", v, suffix=self._ROW), z)

    def rowsum(self, z):
        return _map(lambda v: self.call("sum", v, suffix=self._ROW), z)

    def returned(self, expr: str) -> str:
        return f"np.asarray({expr})[()]"     # a NumPy scalar for scalar arguments (np.where gives 0-d arrays)
