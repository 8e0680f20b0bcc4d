"""Every name and knob of the tutorial, typed, with the tutorial's values as defaults.

One job per module: the `Settings` value (model.py), the rule each value must meet (checks.py),
the resource names and which settings are names (names.py), and the loader from a TOML file, the
environment and options (loader.py). What callers import is re-exported here.
"""

from pipeline_harness.settings.checks import (
    REGION,
    REPOSITORY_ID,
    TAG_CREATED_AT,
    TAG_RUN_ID,
    TARGETS,
    check,
)
from pipeline_harness.settings.loader import ENV_PREFIX, OTHER_TABLES, from_env, load, load_toml, read_toml
from pipeline_harness.settings.model import TUTORIAL_ENV_VARS, Settings
from pipeline_harness.settings.names import NAMES, STUDENT_SETTINGS, Names

__all__ = ["ENV_PREFIX", "NAMES", "OTHER_TABLES", "REGION", "REPOSITORY_ID", "STUDENT_SETTINGS",
           "TAG_CREATED_AT", "TAG_RUN_ID", "TARGETS", "TUTORIAL_ENV_VARS", "Names", "Settings", "check",
           "from_env", "load", "load_toml", "read_toml"]
