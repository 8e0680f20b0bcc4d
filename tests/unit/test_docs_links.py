"""Every relative link of the README and of docs/*.md points at a file of the repository, and every
`#anchor` at a heading of the page it names (as GitHub makes a heading's anchor): a section moved
from one page to another cannot leave a link behind."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and [label]: target, the target up to a blank or the closing parenthesis
_INLINE = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_REFERENCE = re.compile(r"^\[[^\]]+\]:\s+(\S+)", re.MULTILINE)
_FENCED = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)


def _prose(markdown: str) -> str:
    """The page without its code: a link or heading in a code block or span is none."""
    return _CODE_SPAN.sub("", _FENCED.sub("", markdown))


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, code marks and punctuation dropped (not `-` or
    `_`), each space a hyphen."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, a repeated one numbered as GitHub numbers it."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", _FENCED.sub("", page.read_text(encoding="utf-8")),
                              re.MULTILINE):
        name, n = anchor(heading), 0
        while (name if n == 0 else f"{name}-{n}") in found:
            n += 1
        found.add(name if n == 0 else f"{name}-{n}")
    return found


def _links(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    return [t for t in _INLINE.findall(text) + _REFERENCE.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", t)]  # http:, https:, mailto: are not ours


def _broken(page: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for link in _links(page):
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists() or root not in (target, *target.parents):
            broken.append(f"{link}: no file {target}")
        elif fragment and target.suffix == ".md" and fragment not in anchors(target):
            broken.append(f"{link}: no heading #{fragment} in {target.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_of_the_page_resolves(page):
    assert _broken(page) == []


def test_the_readme_links_to_every_page_of_the_docs():
    linked = {Path(link.partition("#")[0]).name for link in _links(ROOT / "README.md")}

    assert sorted(p.name for p in PAGES[1:] if p.name not in linked) == []


def test_anchors_are_made_as_github_makes_them():
    assert anchor("6. The runs as a picture: `pipeline-harness report`") == \
        "6-the-runs-as-a-picture-pipeline-harness-report"
    assert anchor("Gradescope: `--format gradescope`") == "gradescope---format-gradescope"
    assert anchor("The grader's role, in every student account") == \
        "the-graders-role-in-every-student-account"


def test_a_link_to_a_missing_file_or_heading_is_found(tmp_path):
    # given a page beside another, linking to what is there and to what is not
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#a-section) [gone](missing.md) [no](other.md#nowhere) "
                    "`[code](not-a-link.md)` [web](https://example.com/x)\n\n[ref]: other.md#other\n",
                    encoding="utf-8")
    # when
    broken = _broken(page, root=tmp_path)
    # then: only the two broken links are named
    assert [b.split(":")[0] for b in broken] == ["missing.md", "other.md#nowhere"]
