"""Drift: configuration drift (the state view against the live view of the same assets) and compliance drift
(this evaluation against the stored ones)."""
