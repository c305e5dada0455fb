"""Published-example audit: the checker run on the numbers each source printed (preset "published").

For each preset: which printed values are right, which are wrong, and which convention or slip reproduces
them (calc.check.check, the same machinery as for a student), plus the conventions the printed values confirm
(e.g. log base 10: the printed errors match under log10 and not under ln). The gradient-descent preset
(descent_theta_squared.json) is audited line by line: theta_k = theta_{k-1} - rate * f'(theta_{k-1}).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from calc.check import slips as sl
from calc.check.check import Given, check, compare, read_given, show
from calc.presets import PRESET_DIR, load_preset, preset_ids
from calc.problem.spec import Spec

CONVENTIONS = {"log_base": {"e": "natural log (ln)", "10": "log base 10"},
               "reduction": {"sum": "the sum over samples", "mean": "the mean over samples"},
               "update_order": {"simultaneous": "simultaneous updates", "sequential": "sequential updates"},
               "update_biases": {True: "biases updated", False: "biases fixed"}}


@dataclass
class AuditRow:
    label: str
    printed: str
    expected: float | None
    verdict: str                    # right | rounded | follows | wrong (calc.check.check)
    cause: str | None
    slips: list[str] = field(default_factory=list)
    note: str = ""                  # the preset's published_notes entry, if any

    def as_dict(self) -> dict:
        return {"label": self.label, "printed": self.printed, "expected": self.expected, "verdict": self.verdict,
                "cause": self.cause, "slips": self.slips}


@dataclass
class Audit:
    preset: str
    name: str
    rows: list[AuditRow]
    conventions: list[str] = field(default_factory=list)   # what the printed values confirm

    @property
    def slips(self) -> set[str]:
        return {s for r in self.rows for s in r.slips}

    def row(self, label: str) -> AuditRow:
        return next(r for r in self.rows if r.label == label)

    def as_dict(self) -> dict:
        return {"preset": self.preset, "name": self.name, "rows": [r.as_dict() for r in self.rows],
                "conventions": self.conventions}


def audit_spec(spec: Spec, preset: str = "", notation: str | None = None) -> Audit:
    """The checker on spec.published, and the conventions the printed values single out."""
    notes = spec.extra.get("published_notes", {}) or {}
    rep = check(spec, dict(spec.published), notation=notation)
    rows = [AuditRow(r.label, r.given, r.expected, r.verdict, r.cause or r.note, list(r.slips), notes.get(r.label, ""))
            for r in rep.results]
    return Audit(preset, spec.name, rows, conventions(spec, rep))


def conventions(spec: Spec, rep) -> list[str]:
    """For each convention of the problem: the printed values it reproduces that the other choice does not."""
    out = []
    net = [r for r in rep.results if not r.label.startswith("train[")]
    ids = [r.step_id for r in net]
    ok = {r.step_id for r in net if compare(read_given(r.given), r.expected)}
    for c in sl.candidates(spec):
        key = next(iter(c.changes), None)
        if key not in CONVENTIONS or c.switches or c.layer_changes:
            continue
        vals = sl.evaluate(spec, c, ids)
        lost = [r.label for r in net if r.step_id in ok and not compare(read_given(r.given), vals.get(r.step_id))]
        gained = [r.label for r in net if r.step_id not in ok and compare(read_given(r.given), vals.get(r.step_id))]
        mine, other = CONVENTIONS[key][getattr(spec, key)], CONVENTIONS[key][c.changes[key]]
        if lost:
            out.append(f"{mine}: reproduces {_few(lost)}; under {other} they would not match")
        if gained:
            out.append(f"{other}: reproduces {_few(gained)} (printed from a different convention)")
    return out


def _few(labels: list[str], n: int = 6) -> str:
    return ", ".join(labels[:n]) + (f" and {len(labels) - n} more" if len(labels) > n else "")


def audit_preset(preset_id: str) -> Audit:
    return audit_spec(load_preset(preset_id), preset_id)


# ---- gradient descent ----------------------------------------------------------------------------------
def audit_descent(path=None) -> Audit | None:
    """Each printed line theta_k <- theta_{k-1} - rate * g = value of the descent preset, judged (None if absent)."""
    path = path or PRESET_DIR / "descent_theta_squared.json"
    if not path.exists():
        return None
    from calc.descent.descend import descend
    d = json.loads(path.read_text(encoding="utf-8"))
    rows: list[AuditRow] = []
    for run in d.get("runs", []):
        rate = run["rate"]
        res = descend(d["expression"], d["start"], rate, int(run["steps"]), variable=d.get("variable", "theta"))
        printed_prev = float(d["start"])
        a = float(rate)
        for k in range(1, int(run["steps"]) + 1):
            pub = run.get("published", {}).get(f"theta_{k}")
            if not pub:
                continue
            label = f"rate {rate}: theta_{k}"
            th, gr = read_given(pub["theta"]), read_given(pub["grad"])
            exact, gexact = res.thetas[k], res.grads[k - 1]
            verdict, cause, slips_ = _descent_line(d, printed_prev, a, th, gr, exact, gexact, rows, rate, k)
            rows.append(AuditRow(label, pub["theta"], exact, verdict, cause, slips_,
                                 run.get("published_notes", {}).get(f"theta_{k}", "")))
            printed_prev = th.value
    return Audit("descent_theta_squared", d.get("name", ""), rows)


def _descent_line(d, prev: float, a: float, th: Given, gr: Given, exact: float, gexact: float, rows, rate, k):
    from calc.descent.descend import descend
    why = []
    slips_: list[str] = []
    grad_ok = compare(gr, gexact)
    if not grad_ok:
        own = descend(d["expression"], repr(prev), rate, 1, variable=d.get("variable", "theta")).grads[0]
        if compare(gr, own):
            why.append(f"the gradient {gr.text} is f' at your theta_{k - 1} = {show(prev)}")
        else:
            why.append(f"the gradient {gr.text} is wrong: f'(theta_{k - 1}) = {show(gexact)} "
                       f"(at your theta_{k - 1} = {show(prev)}: {show(own)})")
            slips_.append("wrong_gradient")
    if compare(th, exact):
        return ("right" if compare(th, exact) == "round" else "rounded"), ("; ".join(why) or None), slips_
    line = prev - a * gr.value
    if compare(th, line):
        bad_prev = rows and rows[-1].verdict in ("wrong", "follows") and rows[-1].label.startswith(f"rate {rate}:")
        if bad_prev or not grad_ok:
            return "follows", "; ".join(why + [f"{show(prev)} - {a:g} * ({gr.text}) = {show(line)} follows from "
                                                   "the numbers printed before it"]), slips_
    if compare(th, prev + a * gr.value):
        return "wrong", "; ".join(why + [f"the sign of - {a:g} * ({gr.text}) dropped: {show(prev)} + "
                                         f"{show(a * gr.value)} = {show(prev + a * gr.value)}"]), \
            slips_ + ["update_added"]
    return "wrong", "; ".join(why + [f"an arithmetic slip: {show(prev)} - {a:g} * ({gr.text}) = {show(line)}, "
                                     f"not {th.text}"]), slips_ + ["arithmetic"]


def audit_all() -> list[Audit]:
    """Every preset with published values, then the gradient-descent preset (if present)."""
    out = [audit_preset(p) for p in preset_ids() if load_preset(p).published]
    desc = audit_descent()
    if desc is not None:
        out.append(desc)
    return out
