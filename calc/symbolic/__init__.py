"""calc.symbolic.formulas."""
