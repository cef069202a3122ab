"""The public page of what residents told us and what we did (being built)."""
