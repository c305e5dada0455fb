"""calc.check.check."""
