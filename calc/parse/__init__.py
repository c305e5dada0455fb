"""calc.parse.text."""
