"""Printers over the step list: each output format is a pure function Solution -> text or bytes."""
