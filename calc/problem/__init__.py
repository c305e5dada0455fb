"""calc.problem."""
