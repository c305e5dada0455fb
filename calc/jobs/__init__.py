"""The engine's door: every heavy job is estimated, refused over its budget, or run in a killable worker."""
