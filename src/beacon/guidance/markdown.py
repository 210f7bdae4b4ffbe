"""Article bodies to HTML. Raw HTML in the Markdown is shown as text, never passed through,
and links may only point to web pages, mail or phone numbers: an admin's edit cannot put
script on a handler's screen."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "/", "#")


def _validate_link(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_SCHEMES)


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md.validateLink = _validate_link  # type: ignore[method-assign]


def render_markdown(text: str) -> Markup:
    return Markup(_md.render(text))  # noqa: S704 - markdown-it escapes all text; raw HTML is off
