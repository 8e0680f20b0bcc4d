"""The former name of schedules.py, kept as an alias: docs/waits.md and outside scripts import
`pipeline_harness.waits.policies.Policy` (and the default policies) from here."""
from pipeline_harness.waits.schedules import *  # noqa: F403
