"""SymPy forms of the activations and losses, unevaluated so they print as written in a textbook.

    sigmoid: 1 / (1 + e^{-net});  relu: Piecewise((net, net > 0), (0, True));  half_sse: (t - o)^2 / 2
Derivatives carry PyTorch's kink values: relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha (not
Heaviside(0) = 1/2). Shared by calc.symbolic.formulas (step formulas) and calc.symbolic.expanded (the whole loss).
"""
from __future__ import annotations


import sympy
from sympy import Add, Integer, Mul, Piecewise, Pow, Rational, Symbol

def U(*a):
    return Mul(*a, evaluate=False)


def A(*a):
    return Add(*a, evaluate=False) if len(a) > 1 else a[0]


def neg(x):
    return -x if x.is_Number else Mul(Integer(-1), x, evaluate=False)


def inv(x):
    return Pow(x, Integer(-1), evaluate=False)


def minus(a, b):
    return A(a, neg(b))


def activation(name: str, z, alpha=0):
    """out = f(net) as SymPy; relu / leaky_relu / elu as Piecewise (softmax: see softmax_out)."""
    forms = {
        "identity": lambda: z,
        "sigmoid": lambda: inv(A(Integer(1), sympy.exp(neg(z)))),
        "tanh": lambda: sympy.tanh(z),
        "relu": lambda: Piecewise((z, z > 0), (Integer(0), True)),
        "leaky_relu": lambda: Piecewise((z, z > 0), (U(alpha, z), True)),
        "elu": lambda: Piecewise((z, z > 0), (U(alpha, minus(sympy.exp(z), Integer(1))), True)),
        "softplus": lambda: sympy.log(A(Integer(1), sympy.exp(z))),
        "arctan": lambda: sympy.atan(z),
    }
    if name not in forms:
        raise ValueError(f"no SymPy form for activation {name!r}")
    return forms[name]()


def dactivation(name: str, z, o, alpha=0):
    """dout/dnet = f'(net, out) as SymPy, with PyTorch's values at the kink net = 0."""
    forms = {
        "identity": lambda: Integer(1),
        "sigmoid": lambda: U(o, minus(Integer(1), o)),
        "softmax": lambda: U(o, minus(Integer(1), o)),
        "tanh": lambda: minus(Integer(1), Pow(o, 2, evaluate=False)),
        "relu": lambda: Piecewise((Integer(1), z > 0), (Integer(0), True)),
        "leaky_relu": lambda: Piecewise((Integer(1), z > 0), (alpha, True)),
        "elu": lambda: Piecewise((Integer(1), z > 0), (U(alpha, sympy.exp(z)), True)),
        "softplus": lambda: inv(A(Integer(1), sympy.exp(neg(z)))),
        "arctan": lambda: inv(A(Integer(1), Pow(z, 2, evaluate=False))),
    }
    if name not in forms:
        raise ValueError(f"no SymPy derivative for activation {name!r}")
    return forms[name]()


def softmax_out(zs: list, j: int):
    """out_j = e^{net_j} / sum_k e^{net_k}."""
    return U(sympy.exp(zs[j]), inv(A(*[sympy.exp(z) for z in zs])))


def lf_factor(x, log_base: str, loss: str):
    """x / ln 10 for bce and cce in log base 10, else x."""
    return U(x, inv(sympy.log(Integer(10)))) if log_base == "10" and loss in ("bce", "cce") else x


def loss_term(loss: str, t, o, m: int, log_base: str = "e"):
    """e_k: one output's error term."""
    d = minus(t, o)
    if loss == "half_sse":
        return U(Rational(1, 2), Pow(d, 2, evaluate=False))
    if loss == "sse":
        return Pow(d, 2, evaluate=False)
    if loss == "mse":
        return U(Rational(1, m), Pow(d, 2, evaluate=False))
    if loss == "bce":
        inner = A(U(t, sympy.log(o)), U(minus(Integer(1), t), sympy.log(minus(Integer(1), o))))
        return lf_factor(neg(inner), log_base, loss)
    if loss == "cce":
        return lf_factor(neg(U(t, sympy.log(o))), log_base, loss)
    raise ValueError(f"no SymPy form for loss {loss!r}")


def loss_dout(loss: str, t, o, m: int, log_base: str = "e"):
    """dE/dout_k of one output's term."""
    d = minus(t, o)
    if loss == "half_sse":
        return neg(d)
    if loss == "sse":
        return U(Integer(-2), d)
    if loss == "mse":
        return U(Rational(-2, m), d)
    if loss == "bce":
        return lf_factor(U(minus(o, t), inv(U(o, minus(Integer(1), o)))), log_base, loss)
    if loss == "cce":
        return lf_factor(neg(U(t, inv(o))), log_base, loss)
    raise ValueError(f"no SymPy derivative for loss {loss!r}")


class Symbols:
    """One Symbol per step (named by its plain label), printed as the step's LaTeX."""

    def __init__(self, sol):
        self.by_id: dict[str, Symbol] = {}
        self.names: dict[Symbol, str] = {}
        seen: set[str] = set()
        for st in sol.steps:
            name = st.label if st.label not in seen else f"{st.label} [{st.id}]"
            seen.add(name)
            sym = Symbol(name)
            self.by_id[st.id] = sym
            self.names[sym] = st.latex

    def __getitem__(self, sid: str) -> Symbol:
        return self.by_id[sid]
