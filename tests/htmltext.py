"""The words of an HTML page as a reader can meet them: every text node outside scripts
and styles, hidden panels and SVG titles included, tags and attributes left out."""

from __future__ import annotations

from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in ("p", "li", "br", "tr", "td", "th", "h1", "h2", "h3", "h4", "text",
                     "tspan", "title", "summary", "div", "section"):
            self.parts.append(" ")  # a block or a cell ends a word

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return " ".join("".join(parser.parts).split())
