"""The trio engine."""
