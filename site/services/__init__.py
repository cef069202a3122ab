"""Services a resident can ask for, grouped by need."""
