"""calc.train.loop."""
