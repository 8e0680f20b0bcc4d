"""A generated part of a hand-written page: the text between two marker comments, made anew.

docs/lint.md's rules table and docs/configuration.md's settings table are written this way; the
rest of each page is prose a person keeps.
"""

from __future__ import annotations


def with_part(page: str, begin: str, end: str, part: str, name: str) -> str:
    """`page` with `part` between its `begin` and `end` markers instead of what was there."""
    before, found_begin, rest = page.partition(begin)
    _, found_end, after = rest.partition(end)
    if not found_begin or not found_end:
        raise ValueError(f"{name} has no {begin!r} ... {end!r} markers")
    return f"{before}{begin}\n{part}\n{end}{after}"
