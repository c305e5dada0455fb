"""calc.worked.forward."""
