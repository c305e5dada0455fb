"""Naming schemes: one place maps (quantity, layer, unit, sample) to a text label and a LaTeX symbol.

- mazur: i1, h1, o1, net_h1, out_o1, w1..w8 numbered by destination then source, E_total
  (networks with exactly one hidden layer, as in Mazur's post)
- layer: z(l)_j, a(l)_j, delta(l)_j, w(l)_i,j from unit i of layer l-1 to unit j of layer l (layer 0 = inputs)
- hagan: n(l)_j, a(l)_j, s(l)_j sensitivities, W destination x source: w(l)_j,i
A notation only renames; the step ids (calc.worked.steps) never change.
"""
from __future__ import annotations

from calc.problem.spec import Spec

NOTATIONS = ("mazur", "layer", "hagan")


def default_notation(spec: Spec) -> str:
    return "mazur" if len(spec.layers) == 2 else "layer"


def available(spec: Spec) -> list[str]:
    return list(NOTATIONS) if len(spec.layers) == 2 else ["layer", "hagan"]


def _rm(name: str) -> str:
    """Multi-letter names upright: \\mathrm{net}."""
    return rf"\mathrm{{{name}}}" if len(name) > 1 else name


def _d(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


class Notation:
    """Layer-indexed notation; subclasses rename."""
    name = "layer"
    z, a, dl = "z", "a", "delta"
    z_tex, a_tex, dl_tex = "z", "a", r"\delta"
    hint = ""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.n = spec.n_samples
        self.L = len(spec.layers)

    # --- suffixes -------------------------------------------------------------------------------
    def sfx(self, s: int | None) -> str:
        return f"[s{s}]" if s is not None and self.n > 1 else ""

    def sfx_tex(self, s: int | None) -> str:
        return rf"^{{[{s}]}}" if s is not None and self.n > 1 else ""

    def _sup(self, l: int, s: int | None) -> str:
        """The layer superscript with the sample inside it, z^{(1)[2]}_{1} (never a double superscript)."""
        return rf"^{{({l})[{s}]}}" if s is not None and self.n > 1 else rf"^{{({l})}}"

    @staticmethod
    def _ij(i: int, j: int, sep_tex: bool = False) -> tuple[str, str]:
        wide = i > 9 or j > 9
        return f"{i},{j}", (f"{i},{j}" if wide or sep_tex else f"{i}{j}")

    # --- units ----------------------------------------------------------------------------------
    def net(self, l: int, j: int, s: int | None = None) -> tuple[str, str]:
        return f"{self.z}({l})_{j}{self.sfx(s)}", rf"{self.z_tex}{self._sup(l, s)}_{{{j}}}"

    def out(self, l: int, j: int, s: int | None = None) -> tuple[str, str]:
        if l == 0:
            return self.x(j, s)
        return f"{self.a}({l})_{j}{self.sfx(s)}", rf"{self.a_tex}{self._sup(l, s)}_{{{j}}}"

    def x(self, j: int, s: int | None = None) -> tuple[str, str]:
        return f"x_{j}{self.sfx(s)}", rf"x_{{{j}}}{self.sfx_tex(s)}"

    def t(self, k: int, s: int | None = None) -> tuple[str, str]:
        return f"t_{k}{self.sfx(s)}", rf"t_{{{k}}}{self.sfx_tex(s)}"

    def w(self, l: int, i: int, j: int) -> tuple[str, str]:
        txt, tex = self._ij(i, j)
        return f"w({l})_{txt}", rf"w^{{({l})}}_{{{tex}}}"

    def w_new(self, l: int, i: int, j: int) -> tuple[str, str]:
        txt, tex = self.w(l, i, j)
        return f"{txt}+", tex.replace(f"^{{({l})}}", f"^{{({l})+}}", 1)

    def b(self, l: int, j: int | None) -> tuple[str, str]:
        if j is None:
            return f"b({l})", rf"b^{{({l})}}"
        return f"b({l})_{j}", rf"b^{{({l})}}_{{{j}}}"

    def b_new(self, l: int, j: int | None) -> tuple[str, str]:
        txt, tex = self.b(l, j)
        return f"{txt}+", tex.replace(f"^{{({l})}}", f"^{{({l})+}}", 1)

    def eta(self) -> tuple[str, str]:
        return "eta", r"\eta"

    # --- loss -----------------------------------------------------------------------------------
    def err(self, k: int, s: int | None = None) -> tuple[str, str]:
        return f"E_{k}{self.sfx(s)}", rf"E_{{{k}}}{self.sfx_tex(s)}"

    def loss_s(self, s: int) -> tuple[str, str]:
        return f"E[s{s}]", rf"E^{{[{s}]}}"

    def loss(self) -> tuple[str, str]:
        return "E", "E"

    def loss_after(self) -> tuple[str, str]:
        return "E+", "E^{+}"

    # --- L2 and optimizers (issue 16): named after the parameter they belong to -----------------
    def lam(self) -> tuple[str, str]:
        return "lambda", r"\lambda"

    def penalty(self) -> tuple[str, str]:
        return "E_L2", r"E_{\mathrm{L2}}"

    def _param(self, l: int, i: int | None, j: int | None) -> tuple[str, str]:
        return self.w(l, i, j) if i is not None else self.b(l, j)

    def l2g(self, l: int, i: int | None, j: int | None) -> tuple[str, str]:
        p, pt = self._param(l, i, j)
        return f"dE_L2/d{p}", _d(r"E_{\mathrm{L2}}", pt)

    def _state(self, name: str, tex: str, l: int, i: int | None, j: int | None) -> tuple[str, str]:
        p, pt = self._param(l, i, j)
        return f"{name}({p})", rf"{tex}_{{{pt}}}"

    def vel(self, l, i, j):
        return self._state("vel", r"\mathrm{vel}", l, i, j)

    def m(self, l, i, j):
        return self._state("m", "m", l, i, j)

    def v(self, l, i, j):
        return self._state("v", "v", l, i, j)

    def mhat(self, l, i, j):
        return self._state("mhat", r"\hat{m}", l, i, j)

    def vhat(self, l, i, j):
        return self._state("vhat", r"\hat{v}", l, i, j)

    # --- the matrix view (one row per sample): Z = X W + b, names through the notation -----------
    def mnet(self, l: int) -> tuple[str, str]:
        return f"Z({l})", rf"Z^{{({l})}}"

    def mout(self, l: int) -> tuple[str, str]:
        return ("X", "X") if l == 0 else (f"A({l})", rf"A^{{({l})}}")

    def mdelta(self, l: int) -> tuple[str, str]:
        return f"delta({l})", rf"\delta^{{({l})}}"

    def mw(self, l: int, new: int = 0) -> tuple[str, str]:
        """The weights as stored: source x destination (rows: units of layer l-1)."""
        return (f"W({l})+", rf"W^{{({l})+}}") if new else (f"W({l})", rf"W^{{({l})}}")

    def mwT(self, l: int, new: int = 0) -> tuple[str, str]:
        """The transpose of mw (destination x source), as the backward pass uses it."""
        return (f"W({l})+T", rf"W^{{({l})+T}}") if new else (f"W({l})T", rf"W^{{({l})T}}")

    def mb(self, l: int) -> tuple[str, str]:
        return f"b({l})", rf"b^{{({l})}}"

    def mloss(self) -> tuple[str, str]:
        return "E", "E"

    def mgw(self, l: int) -> tuple[str, str]:
        E, Et = self.mloss()
        return f"d{E}/dW({l})", _d(Et, rf"W^{{({l})}}")

    def mgb(self, l: int) -> tuple[str, str]:
        E, Et = self.mloss()
        return f"d{E}/db({l})", _d(Et, rf"b^{{({l})}}")

    # --- derivatives ----------------------------------------------------------------------------
    def _bare(self, sym: tuple[str, str]) -> tuple[str, str]:
        return sym

    def dE_dout(self, l: int, j: int, s: int | None = None) -> tuple[str, str]:
        o, ot = self.out(l, j)
        E, Et = self.loss()
        return f"d{E}/d{o}{self.sfx(s)}", _d(Et, ot) + self.sfx_tex(s)

    def dout_dnet(self, l: int, j: int, s: int | None = None) -> tuple[str, str]:
        (o, ot), (z, zt) = self.out(l, j), self.net(l, j)
        return f"d{o}/d{z}{self.sfx(s)}", _d(ot, zt) + self.sfx_tex(s)

    def jac(self, l: int, k: int, j: int, s: int | None = None) -> tuple[str, str]:
        (o, ot), (z, zt) = self.out(l, k), self.net(l, j)
        return f"d{o}/d{z}{self.sfx(s)}", _d(ot, zt) + self.sfx_tex(s)

    def delta(self, l: int, j: int, s: int | None = None) -> tuple[str, str]:
        return f"{self.dl}({l})_{j}{self.sfx(s)}", rf"{self.dl_tex}{self._sup(l, s)}_{{{j}}}"

    def term(self, l: int, i: int, j: int, s: int | None = None) -> tuple[str, str]:
        """One term of the hidden sum dE/dout_i (layer l): delta_j of layer l+1 times w_ij of layer l+1."""
        (d, _), (_, dt), (w, wt) = self.delta(l + 1, j), self.delta(l + 1, j, s), self.w(l + 1, i, j)
        return f"{d}*{w}{self.sfx(s)}", rf"{dt} {wt}"

    def term_rhs(self, l: int, i: int, j: int, s: int | None = None, new: int = 0) -> tuple[str, str]:
        """The right-hand side of one term of the hidden sum: delta_j * w_ij of layer l+1 (w_ij+ when `new`)."""
        (d, dt), (w, wt) = self.delta(l + 1, j, s), (self.w_new if new else self.w)(l + 1, i, j)
        return f"{d}*{w}", rf"{dt} \cdot {wt}"

    def dnet_dw(self, l: int, i: int, j: int, s: int | None = None) -> tuple[str, str]:
        (z, zt), (w, wt) = self.net(l, j), self.w(l, i, j)
        return f"d{z}/d{w}{self.sfx(s)}", _d(zt, wt) + self.sfx_tex(s)

    def dE_dw(self, l: int, i: int, j: int, s: int | None = None) -> tuple[str, str]:
        w, wt = self.w(l, i, j)
        E, Et = self.loss() if s is None else self.loss_s(s)
        return f"d{E}/d{w}", _d(Et, wt)

    def dE_db(self, l: int, j: int | None, s: int | None = None) -> tuple[str, str]:
        b, bt = self.b(l, j)
        E, Et = self.loss() if s is None else self.loss_s(s)
        return f"d{E}/d{b}", _d(Et, bt)


class Hagan(Notation):
    """Hagan et al.: n (net input), a, s = dF/dn (sensitivity); W is destination x source."""
    name = "hagan"
    z, a, dl = "n", "a", "s"
    z_tex, a_tex, dl_tex = "n", "a", "s"
    hint = "Hagan's notation writes W as destination x source: w(l)_j,i connects unit i to unit j."

    def w(self, l: int, i: int, j: int) -> tuple[str, str]:
        txt, tex = self._ij(j, i, sep_tex=True)
        return f"w({l})_{txt}", rf"w^{{({l})}}_{{{tex}}}"

    def x(self, j: int, s: int | None = None) -> tuple[str, str]:
        return f"p_{j}{self.sfx(s)}", rf"p_{{{j}}}{self.sfx_tex(s)}"

    def loss(self) -> tuple[str, str]:
        return "F", "F"

    def loss_s(self, s: int) -> tuple[str, str]:
        return f"F[s{s}]", rf"F^{{[{s}]}}"

    def loss_after(self) -> tuple[str, str]:
        return "F+", "F^{+}"

    def err(self, k: int, s: int | None = None) -> tuple[str, str]:
        return f"F_{k}{self.sfx(s)}", rf"F_{{{k}}}{self.sfx_tex(s)}"

    # the matrix view keeps Hagan's names: N = P W^T + b, S (sensitivities), F; Hagan's W is destination x
    # source, so the stored source x destination matrices print as transposes
    def mnet(self, l):
        return f"N({l})", rf"N^{{({l})}}"

    def mout(self, l):
        return ("P", "P") if l == 0 else (f"A({l})", rf"A^{{({l})}}")

    def mdelta(self, l):
        return f"S({l})", rf"S^{{({l})}}"

    def mw(self, l, new=0):
        return (f"W({l})+^T", rf"(W^{{({l})+}})^{{T}}") if new else (f"W({l})^T", rf"(W^{{({l})}})^{{T}}")

    def mwT(self, l, new=0):
        return (f"W({l})+", rf"W^{{({l})+}}") if new else (f"W({l})", rf"W^{{({l})}}")

    def mloss(self):
        return "F", "F"

    def mgw(self, l):
        return f"dF/dW({l})^T", rf"\left({_d('F', rf'W^{{({l})}}')}\right)^{{T}}"


class Mazur(Notation):
    """Mazur's post: i1, h1, o1; net_h1, out_o1; w1.. numbered by destination then source; E_total."""
    name = "mazur"

    def unit(self, l: int, j: int) -> str:
        return ("i", "h", "o")[l] + str(j)

    def net(self, l, j, s=None):
        u = self.unit(l, j)
        return f"net_{u}{self.sfx(s)}", rf"\mathrm{{net}}_{{{u}}}{self.sfx_tex(s)}"

    def out(self, l, j, s=None):
        if l == 0:
            return self.x(j, s)
        u = self.unit(l, j)
        return f"out_{u}{self.sfx(s)}", rf"\mathrm{{out}}_{{{u}}}{self.sfx_tex(s)}"

    def x(self, j, s=None):
        return f"i{j}{self.sfx(s)}", rf"i_{{{j}}}{self.sfx_tex(s)}"

    def t(self, k, s=None):
        return f"target_o{k}{self.sfx(s)}", rf"\mathrm{{target}}_{{o{k}}}{self.sfx_tex(s)}"

    def _wnum(self, l: int, i: int, j: int) -> int:
        sizes = self.spec.sizes
        offset = sum(sizes[m] * sizes[m + 1] for m in range(l - 1))
        return offset + (j - 1) * sizes[l - 1] + i

    def w(self, l, i, j):
        n = self._wnum(l, i, j)
        return f"w{n}", rf"w_{{{n}}}"

    def w_new(self, l, i, j):
        n = self._wnum(l, i, j)
        return f"w{n}+", rf"w_{{{n}}}^{{+}}"

    def b(self, l, j):
        if j is None:
            return f"b{l}", rf"b_{{{l}}}"
        u = self.unit(l, j)
        return f"b_{u}", rf"b_{{{u}}}"

    def b_new(self, l, j):
        txt, tex = self.b(l, j)
        return f"{txt}+", rf"{tex}^{{+}}"

    def err(self, k, s=None):
        return f"E_o{k}{self.sfx(s)}", rf"E_{{o{k}}}{self.sfx_tex(s)}"

    def loss(self):
        return "E_total", r"E_{\mathrm{total}}"

    def loss_s(self, s):
        return f"E_total[s{s}]", rf"E_{{\mathrm{{total}}}}^{{[{s}]}}"

    def loss_after(self):
        return "E_total+", r"E_{\mathrm{total}}^{+}"

    def delta(self, l, j, s=None):
        u = self.unit(l, j)
        E, Et = self.loss()
        return f"d{E}/dnet_{u}{self.sfx(s)}", _d(Et, rf"\mathrm{{net}}_{{{u}}}") + self.sfx_tex(s)

    def term(self, l, i, j, s=None):
        """Mazur's dE_o1/dout_h1 = dE_o1/dnet_o1 * dnet_o1/dout_h1 = delta_o1 * w5."""
        o, h = self.unit(l + 1, j), self.unit(l, i)
        return (f"dE_{o}/dout_{h}{self.sfx(s)}",
                _d(rf"E_{{{o}}}", rf"\mathrm{{out}}_{{{h}}}") + self.sfx_tex(s))

    def term_rhs(self, l, i, j, s=None, new=0):
        """Mazur's dE_o1/dnet_o1 * dnet_o1/dout_h1 (w5+ for the second factor under sequential order). With a
        softmax output net_o1 moves every E_ok, so the first factor is dE_total/dnet_o1 (delta_o1) there."""
        o, h = self.unit(l + 1, j), self.unit(l, i)
        net, sfx = rf"\mathrm{{net}}_{{{o}}}", self.sfx_tex(s)
        soft = self.spec.layers[l].activation == "softmax"
        E, Et = (self.loss() if soft else (f"E_{o}", rf"E_{{{o}}}"))
        first = (f"d{E}/dnet_{o}{self.sfx(s)}", _d(Et, net) + sfx)
        second = (self.w_new(l + 1, i, j) if new else
                  (f"dnet_{o}/dout_{h}{self.sfx(s)}", _d(net, rf"\mathrm{{out}}_{{{h}}}") + sfx))
        return f"{first[0]}*{second[0]}", rf"{first[1]} \cdot {second[1]}"


def make(spec: Spec, name: str | None = None) -> Notation:
    name = name or default_notation(spec)
    if name == "mazur":
        if len(spec.layers) != 2:
            name = "layer"
        else:
            return Mazur(spec)
    if name == "hagan":
        return Hagan(spec)
    return Notation(spec)
