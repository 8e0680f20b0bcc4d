"""The sessions that create and delete: a `Lab` (provision, check, teardown), and the sweep of
old runs."""
