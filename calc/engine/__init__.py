"""calc.engine."""
