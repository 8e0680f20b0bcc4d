"""The argparse type each verb's `add_parser(sub, common)` receives: `sub` is what
`add_subparsers()` returned (the verb adds its parser to it); `common`, the target options
parser its own parser takes as a parent."""

from __future__ import annotations

import argparse
from typing import TypeAlias

# generic in typeshed only: a string, so nothing subscripts the class at run time
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
