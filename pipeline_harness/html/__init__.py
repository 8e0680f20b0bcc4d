"""Self-contained HTML pages: Jinja2 templates (package data), autoescape on, every value inert.

One function, `render(template, **context)`, for every page the harness draws (the class board,
the nightly run's timeline, a student's report). What a page promises, whoever filled its values:

- no request leaves it: styles and SVG are inline, there is no script, no URL of any host, and a
  Content-Security-Policy (`default-src 'none'`) stops whatever a bug might still add;
- every value a template prints is cleaned by `inert.html` (control characters, escape sequences,
  bidirectional controls, HTML's noncharacters) in the environment's `finalize`, and escaped by
  Jinja2's autoescape — a template cannot forget either, and none marks a value `safe`;
- an undefined name is an error (StrictUndefined), never an empty string in a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from pipeline_harness.core import inert
from pipeline_harness.core.stamps import harness_version


def _inert(value: Any) -> Any:
    """What a template prints: markup the templates made themselves as it is, text made inert."""
    if isinstance(value, Markup):  # a macro's or a block's output: escaped when it was made
        return value
    if isinstance(value, str):
        return inert.html(value)
    return value


def relative_href(file_name: str) -> str:
    """A link to a file in the page's own folder, whatever its name holds: every character but
    letters, digits and `_.-~` percent-encoded (a `/`, `:` or `?` too), behind `./` — so the link
    can name no scheme, host or other folder. A name that is empty or only dots is refused: `./`,
    `./.` and `./..` are the folder itself and its parent, and `%2E` would be too (a browser reads
    it as a dot in a path's segment)."""
    name = inert.html(file_name)
    if not name.strip("."):
        raise ValueError(f"{file_name!r} names no file in the page's folder")
    return "./" + quote(name, safe="")


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline_harness.html", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, finalize=_inert,
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_ENV.filters["href"] = relative_href


def render(template: str, **context: Any) -> str:
    """The page `template` (a file of pipeline_harness/html/templates) filled with `context`; every
    page's footer names the harness's version."""
    return _ENV.get_template(template).render(version=harness_version(), **context)
