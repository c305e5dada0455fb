"""Matrix form page: the same pass as matrices with shapes (seed 000's sheets), each entry linked to its step.

    Z = A_prev W + b,  A = f(Z),  delta_L = dE/dZ_L,  delta_l = (delta_{l+1} W_{l+1}^T) * f'(Z_l),
    dE/dW = A_prev^T delta,  W+ = W - eta dE/dW
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from calc.views import tables
from calc.worked import ids
from pages import common as C
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
        [{"matrix": s.label, "shape": tables.shape_of(s.value), "id": s.id} for s in mats]))),
        hide_index=True, key="matrix_shapes", height=35 * (len(mats) + 1) + 3)
    fwd, bwd = st.tabs(["Forward", "Backward and update"])
    for s in mats:
        with fwd if ids.kind(s.id) in ("M.Z", "M.A") else bwd:
            with st.container(border=True):
                st.markdown(f"**{C.code_span(s.label)}** · shape {tables.shape_of(s.value)}")
                st.latex(s.formula)
                st.latex(s.substituted)
                entry_link(sol, s, f"entry_{s.id}")


if __name__ == "__main__":
    main()
