"""`html-sanitize: true` in a profile: the web page without anything that runs.

Raw HTML in the chapters is the author's, and by default it reaches the page as written. For HTML that
is published (a department's site, a repository's pages), a profile may ask for the page to be
cleaned: script, iframe, object and embed elements go with their content, every event-handler
attribute (onclick, onload, ...) goes, and a link or source whose URL runs script (javascript:,
vbscript:) loses that attribute. Everything else (the text, the styles, the inline SVG figures) is
copied byte for byte, so a page with nothing to remove is unchanged.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|livescript):|^data:(?!image/|font/|application/font|text/css)", re.I)


def unsafe(url: str) -> bool:
    """A URL that runs script when followed or loaded (the page's own data: images and fonts do not)."""
    return bool(SCRIPT_URL.match(re.sub(r"[\x00-\x20]", "", url)))

DROPPED = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "noscript"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


class _Cleaner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping: list[str] = []  # the dropped elements we are inside
        self.removed = 0
        self._raw_end: str | None = None

    def _keep(self, text: str) -> None:
        if not self.skipping:
            self.out.append(text)

    def _tag(self, tag: str, attrs, closing: str) -> str | None:
        """The start tag as written, or rebuilt without what runs; None to drop it."""
        bad = [(k, v) for k, v in attrs if k.startswith("on") or (k in URL_ATTRIBUTES and v and unsafe(v))]
        if not bad:
            return self.get_starttag_text()
        self.removed += len(bad)
        kept = "".join(f' {k}="{_quote(v)}"' if v is not None else f" {k}" for k, v in attrs if (k, v) not in bad)
        name = self.get_starttag_text()[1:].split(None, 1)[0].rstrip("/>") or tag  # as written
        return f"<{name}{kept}{closing}>"

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED:
            self.skipping.append(tag)
            self.removed += 1
            return
        self._keep(self._tag(tag, attrs, ""))

    def handle_startendtag(self, tag, attrs):
        if tag in DROPPED:
            self.removed += 1
            return
        self._keep(self._tag(tag, attrs, " /"))

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
            return
        self._keep(self._raw_end or f"</{tag}>")

    def parse_endtag(self, i):
        end = self.rawdata.find(">", i)
        self._raw_end = self.rawdata[i:end + 1] if end >= 0 else None  # the end tag as written (SVG's camelCase)
        return super().parse_endtag(i)

    def handle_data(self, data):
        self._keep(data)

    def handle_entityref(self, name):
        self._keep(f"&{name};")

    def handle_charref(self, name):
        self._keep(f"&#{name};")

    def handle_comment(self, data):
        self._keep(f"<!--{data}-->")

    def handle_decl(self, decl):
        self._keep(f"<!{decl}>")

    def handle_pi(self, data):
        self._keep(f"<?{data}>")

    def unknown_decl(self, data):
        self._keep(f"<![{data}]>")


def _quote(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def clean(html: str) -> tuple[str, int]:
    """(the page without what runs, how many elements and attributes were removed)."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out), cleaner.removed
