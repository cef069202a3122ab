"""The inbox's counts as CSV, and published examples (being built)."""
