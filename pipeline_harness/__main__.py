"""`python -m pipeline_harness`: the CLI, where the console script is not on PATH."""

import sys

from pipeline_harness.cli import main

sys.exit(main())
