"""How to tell that one of our HTML pages is ours: only the elements and attributes its template
makes, nothing that loads or runs anything, and every value someone else chose shown as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.hostile_text import no_control_characters

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
# attributes through which a page loads or links to something
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "xlink:href", "data",
                  "background", "ping", "manifest", "cite", "longdesc", "usemap"}


@dataclass
class Page(HTMLParser):
    """A page's tags (with their attribute names), attribute values, texts, and links."""

    tags: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # tag, name, value
    texts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    _in_style: bool = False

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.texts).append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def values(self, name: str) -> list[str]:
        return [value for _, attribute, value in self.attributes if attribute == name]

    @property
    def shape(self) -> list[tuple[str, tuple[str, ...]]]:
        """The page's structure: its elements, in order, with their attributes' names."""
        return self.tags


def parsed(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def loads_nothing(text: str, folder: str = "file:///class/reports/") -> Page:
    """No script, no event handler, no URL but a link to a file in the page's own folder, no CSS
    that fetches; the Content-Security-Policy in place; no control character anywhere."""
    no_control_characters(text)
    page = parsed(text)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "iframe", "object", "embed", "img", "link", "form", "base", "frame"}, tags
    assert ("meta", ("http-equiv", "content")) in page.tags and CSP in page.values("content")
    names = {name for _, name, _ in page.attributes}
    assert not [n for n in names if n.startswith("on")], names
    for tag, name, value in page.attributes:
        if name in URL_ATTRIBUTES:
            assert (tag, name) == ("a", "href"), f"{tag} {name}={value!r}"
            target = urljoin(folder + "index.html", value)
            assert urlsplit(target).scheme == "file" and target.rsplit("/", 1)[0] + "/" == folder, value
            assert value.startswith("./") and "/" not in value[2:], value
    for style in [*page.styles, *page.values("style")]:
        assert "url(" not in style.lower() and "@import" not in style.lower(), style
    return page
