"""calc: the backprop calculator's engine. Pure Python + NumPy (SymPy on demand); never imports streamlit.

Typical use (the package itself imports nothing, so the import graph stays acyclic):
    from calc.problem.spec import load_spec; from calc.worked.solve import solve
    spec = load_spec(path_or_text)        # validated problem (calc.problem.spec)
    sol = solve(spec)                     # numeric pass + worked steps (calc.worked.solve)
"""
