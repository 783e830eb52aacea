"""One module per schema revision; revision ids start with `clearance_` (a newer store is told from a foreign one
by that prefix)."""
