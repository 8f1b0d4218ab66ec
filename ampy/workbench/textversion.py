"""The text version of an HTML email, made as the platform does when an email has no text part:
links become ``text (url)``, block elements line breaks, tags are dropped, entities decoded."""

from __future__ import annotations

from html.parser import HTMLParser

# Never shown as text.
_HIDDEN = frozenset({"head", "title", "style", "script", "noscript", "template"})
# A blank line before and after: paragraphs and other "big" blocks.
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote",
                         "pre", "hr"})
# A line break before and after.
_LINES = frozenset({"address", "article", "aside", "center", "dd", "div", "dt", "fieldset", "figcaption",
                    "figure", "footer", "form", "header", "li", "main", "nav", "section", "tbody", "thead",
                    "tfoot", "tr", "caption"})
_CELLS = frozenset({"td", "th"})
_HTML_SPACE = " \t\n\r\f"


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # entities arrive decoded, in text and attributes
        self.parts: list[str | int] = []  # text, or a block break: 1 = new line, 2 = blank line
        self.hidden = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # open <a>: (href, index of its first part)

    def _break(self, lines: int) -> None:
        self.parts.append(lines)

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.hidden = 0  # an unclosed <head> ends where the body starts
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag in _PARAGRAPHS:
            self._break(2)
            self.pre += tag == "pre"
        elif tag in _LINES:
            self._break(1)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag == "a":
            self.links.append(((dict(attrs).get("href") or "").strip(), len(self.parts)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag in _PARAGRAPHS:
            self.pre -= tag == "pre" and self.pre > 0
            self._break(2)
        elif tag in _LINES:
            self._break(1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = " ".join("".join(p for p in self.parts[start:] if isinstance(p, str)).split())
            if not href or href.startswith(("#", "javascript:")):
                return
            if not label:
                self.parts.append(href)
            elif label not in (href, href.removeprefix("mailto:")):
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if self.hidden:
            return
        if not self.pre:
            # HTML collapses runs of white space to one space; a no-break space is a plain one in text.
            stripped = data.strip(_HTML_SPACE)
            data = (" " if data[:1] in _HTML_SPACE and data else "") + " ".join(stripped.split()) + \
                   (" " if stripped and data[-1:] in _HTML_SPACE else "")
        self.parts.append(data.replace("\xa0", " "))

    def build(self) -> str:
        # A run of block breaks counts as its widest one; <br> is text ("\n") and always counts.
        out: list[str] = []
        pending = 0
        for part in self.parts:
            if isinstance(part, int):
                pending = max(pending, part)
                continue
            if pending:
                out.append("\n" * pending)
                pending = 0
            out.append(part)
        lines = [line.strip(" ") for line in "".join(out).split("\n")]
        text: list[str] = []
        for line in lines:  # at most one blank line in a row
            if line or (text and text[-1]):
                text.append(line)
        return "\n".join(text).strip("\n")


def html_to_text(html: str) -> str:
    """The plain-text version of an HTML email body."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.build()
