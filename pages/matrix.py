"""Matrix form page: the same pass as matrices with shapes (seed 000's sheets), each entry linked to its step.

    Z = A_prev W + b,  A = f(Z),  delta_L = dE/dZ_L,  delta_l = (delta_{l+1} W_{l+1}^T) * f'(Z_l),
    dE/dW = A_prev^T delta,  W+ = W - eta dE/dW
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from calc.views import tables
from calc.worked import ids
from pages import common as C
from pages import render as R
from pages.solution import latex_block

SS = st.session_state


def entry_link(sol, step, key: str) -> None:
    labels = C.derived(sol, ("matrix_entries", step.id), lambda: {
        sid: f"{where}: {sol.index[sid].label}" for where, sid in tables.matrix_entries(sol, step)})
    if not labels:
        st.caption("Summarised network: no scalar steps to link to.")
        return
    pick = st.selectbox("Entry -> its scalar step", list(labels), format_func=labels.get, key=key)
    if pick:
        latex_block([sol.index[pick]])


def main() -> None:
    st.title("Matrix form")
    spec = C.current()
    digits, notation, _ = C.display_controls(spec, "matrix")
    sol = C.solve_current(notation, digits)
    if sol is None:
        return
    mats = [s for s in sol.steps if s.kind == "matrix"]
    st.caption("Rows are samples; X is the input matrix (samples x inputs); W(l) is (units of layer l-1) x "
               "(units of layer l), as in the spec. Pick an entry under each matrix to see its scalar step.")
    st.dataframe(C.derived(sol, "matrix_shapes", lambda: C.frame(pd.DataFrame(
        [{"matrix": s.label, "shape": tables.shape_of(s.value), "step id (python -m calc check)": s.id} for s in mats]))),
        hide_index=True, key="matrix_shapes", height=35 * (len(mats) + 1) + 3)
    fwd, bwd = st.tabs(["Forward", "Backward and update"])
    for s in mats:
        with fwd if ids.kind(s.id) in ("M.Z", "M.A") else bwd:
            with st.container(border=True):
                st.markdown(f"**{C.code_span(s.label)}** · shape {tables.shape_of(s.value)}")
                # the general formula, then the numbers: each wraps on a phone (between matrices too)
                R.formulas([s.formula], per_block=1)
                numbers(sol, s, digits)
                entry_link(sol, s, f"entry_{s.id}")


def numbers(sol, step, digits: int) -> None:
    """The step's numbers as matrices in LaTeX; a matrix too wide for a phone (R.PHONE_COLUMNS) is shown there as
    a table instead (a table scrolls inside itself; a formula must not), the LaTeX on a wider screen."""
    tex = R.matrix_breaks(step.substituted)
    if widest(step) < R.PHONE_COLUMNS:
        R.formulas([tex], per_block=1)
        return
    with R.wide_only(f"mx_{step.id}"):
        R.formulas([tex], per_block=1)
    with R.narrow_only(f"mx_{step.id}"):
        def table() -> pd.DataFrame:
            value = np.atleast_2d(np.asarray(step.value, dtype=float))
            return pd.DataFrame(value, index=[f"row {i + 1}" for i in range(value.shape[0])],
                                columns=[f"column {j + 1}" for j in range(value.shape[1])])
        df = C.derived(sol, ("matrix_table", step.id), table)
        st.dataframe(df, key=f"mx_table_{step.id}", column_config={c: C.num_col(digits) for c in df.columns})


def widest(step) -> int:
    """The most columns of any matrix written in the step's numbers (its operands and its result)."""
    mats = getattr(step.raw, "mats", None) or ()
    cols = [m[0].shape[1] for m in mats if isinstance(m, tuple) and getattr(m[0], "ndim", 0) == 2]
    value = np.atleast_2d(np.asarray(step.value if step.value is not None else [[]], dtype=float))
    return max(cols + [value.shape[1]])


if __name__ == "__main__":
    main()
