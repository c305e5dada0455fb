"""calc.descent."""
