"""A list a message names, however long it is: its first SHOWN items, then how many more there are.

A student's account and files can hold thousands of the things a message lists (lint findings,
grants), and each message is copied into every report format; the count of the rest is said, not
its items. The list may be only the first of what was counted (`total`): what is kept of a student's
thousands of findings is the first few of each.
"""

from __future__ import annotations

from collections.abc import Sequence

SHOWN = 6  # items a message names


def listed(items: Sequence[str], total: int | None = None) -> str:
    """The first SHOWN items, "; " between them, then "; and N more" where `total` (default: the
    items' number) is more than that."""
    shown = items[:SHOWN]
    more = (len(items) if total is None else total) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
