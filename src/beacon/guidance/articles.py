"""Articles: Markdown with a YAML front matter block (title, categories, keywords, version,
reply templates). The shipped set lives in `articles/`; forces edit their copy in the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SHIPPED = Path(__file__).parent / "articles"


class ArticleError(ValueError):
    """An article file or edit that cannot be used (no front matter, no title, bad templates)."""


@dataclass(frozen=True)
class ReplyTemplate:
    name: str
    text: str


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    body: str
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    templates: tuple[ReplyTemplate, ...] = ()
    version: int = 1
    id: int | None = field(default=None, compare=False)  # set once stored for a force


def parse_article(slug: str, source: str) -> Article:
    """One article from its file text: `---`, YAML, `---`, then the Markdown body."""
    if not source.startswith("---\n"):
        raise ArticleError(f"{slug}: an article starts with a '---' front matter block")
    head, sep, body = source[4:].partition("\n---\n")
    if not sep:
        raise ArticleError(f"{slug}: the front matter block is not closed with '---'")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as error:
        raise ArticleError(f"{slug}: front matter is not valid YAML: {error}") from error
    return article_from_fields(slug, meta, body.strip() + "\n")


def article_from_fields(slug: str, meta: dict[str, Any], body: str) -> Article:
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ArticleError(f"{slug}: an article needs a title")
    return Article(
        slug=slug, title=title, body=body,
        categories=_words(meta.get("categories")), keywords=_words(meta.get("keywords")),
        templates=parse_templates(meta.get("templates") or []), version=int(meta.get("version", 1)),
    )


def parse_templates(spec: Any) -> tuple[ReplyTemplate, ...]:
    if not isinstance(spec, list):
        raise ArticleError("templates must be a list of {name, text}")
    templates = []
    for item in spec:
        if not isinstance(item, dict) or not item.get("name") or not item.get("text"):
            raise ArticleError("each template needs a name and a text")
        templates.append(ReplyTemplate(str(item["name"]).strip(), str(item["text"]).strip()))
    return tuple(templates)


def templates_as_yaml(templates: tuple[ReplyTemplate, ...]) -> str:
    """The editing form shows templates as YAML, the same shape the files use."""
    if not templates:
        return ""
    data = [{"name": t.name, "text": t.text} for t in templates]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_shipped_articles(folder: Path = SHIPPED) -> list[Article]:
    return [parse_article(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.md"))]


def _words(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(v).strip().lower() for v in value if str(v).strip())
