"""calc.views."""
