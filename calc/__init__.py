"""calc: the backprop calculator's engine. Pure Python + NumPy (SymPy on demand); never imports streamlit.

Typical use:
    spec = load_spec(path_or_text)        # validated problem (calc.spec)
    sol = solve(spec)                     # numeric pass + worked steps (calc.solve)
"""
from calc.spec import Spec, SpecError, load_spec, spec_from_dict  # noqa: F401
