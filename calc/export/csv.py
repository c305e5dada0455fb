"""CSV of every step: id, label, kind, formula, substituted, value (a number), note, matrix (JSON).

Opens cleanly in a spreadsheet: text cells that start with = + - @ get a leading apostrophe (formula
injection guard), numbers are written as numbers with full float64 precision (repr), so the file
round-trips through pandas.read_csv to the same values.
"""
from __future__ import annotations

import csv
import io
import json

from calc.export.document import Options, build, options
from calc.export.escape import csv_text
from calc.worked.solve import Solution
from calc.worked.steps import json_safe

COLUMNS = ("id", "label", "kind", "formula", "substituted", "value", "note", "matrix")


def render(sol: Solution, opts: Options | None = None, **kw) -> str:
    """Solution -> CSV text, one row per step in solution order (worksheet: computed values empty)."""
    o = options(opts, **kw)
    doc = build(sol, o)
    cols = COLUMNS + (("exact",) if o.exact else ())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cols)
    lines = list(doc.givens) + [l for sec in doc.sections for l in sec.lines + sec.table]
    lines.sort(key=lambda l: _order(doc)[l.step.id])
    for line in lines:
        st = line.step
        v = json_safe(st.value)
        scalar = "" if (line.blank or v is None or isinstance(v, list)) else repr(float(v))
        matrix = json.dumps(v) if isinstance(v, list) and not line.blank else ""
        row = [csv_text(st.id), csv_text(st.label), st.kind, csv_text(st.formula),
               "" if line.blank else csv_text(st.substituted), scalar, csv_text(st.note), csv_text(matrix)]
        if o.exact:
            row.append(csv_text(line.exact.split(r" \quad")[0]))
        w.writerow(row)
    return buf.getvalue()


def _order(doc) -> dict[str, int]:
    return {s.id: k for k, s in enumerate(doc.sol.steps)}
