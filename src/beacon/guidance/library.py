"""A force's guidance in the store. The shipped files become each force's version 1 the first
time guidance is read for that force; every edit adds a version and moves `current_version`,
so earlier wording is never lost, and the change is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit import Action, Actor, append_event
from beacon.guidance.articles import Article, ReplyTemplate, load_shipped_articles
from beacon.store.tables_guidance import GuidanceArticle, GuidanceVersion


@dataclass(frozen=True)
class ArticleEdit:
    title: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    body: str
    templates: tuple[ReplyTemplate, ...]
    note: str


def is_seeded(session: Session, force_id: int) -> bool:
    found = session.scalar(select(GuidanceArticle.id).where(GuidanceArticle.force_id == force_id).limit(1))
    return found is not None


def seed_shipped(session: Session, force_id: int, at: datetime) -> int:
    """Store each shipped article the force does not have yet, as its version 1."""
    have = set(session.scalars(select(GuidanceArticle.slug).where(GuidanceArticle.force_id == force_id)))
    added = 0
    for article in load_shipped_articles():
        if article.slug in have:
            continue
        row = GuidanceArticle(force_id=force_id, slug=article.slug, current_version=1, updated_at=at)
        session.add(row)
        session.flush()
        session.add(_version_row(row.id, 1, article, "shipped with Beacon", None, at))
        added += 1
    session.flush()
    return added


def current_articles(session: Session, force_id: int) -> list[Article]:
    rows = session.execute(
        select(GuidanceArticle, GuidanceVersion)
        .join(GuidanceVersion, (GuidanceVersion.article_id == GuidanceArticle.id)
              & (GuidanceVersion.version == GuidanceArticle.current_version))
        .where(GuidanceArticle.force_id == force_id)
        .order_by(GuidanceVersion.title)
    ).all()
    return [_article(a, v) for a, v in rows]


def get_article(session: Session, force_id: int, article_id: int, version: int | None = None) -> Article | None:
    row = session.scalar(
        select(GuidanceArticle).where(GuidanceArticle.id == article_id, GuidanceArticle.force_id == force_id)
    )
    if row is None:
        return None
    found = session.scalar(select(GuidanceVersion).where(
        GuidanceVersion.article_id == row.id, GuidanceVersion.version == (version or row.current_version)))
    return _article(row, found) if found else None


def versions_of(session: Session, article_id: int) -> list[GuidanceVersion]:
    return list(session.scalars(
        select(GuidanceVersion).where(GuidanceVersion.article_id == article_id)
        .order_by(GuidanceVersion.version.desc())
    ))


def save_edit(
    session: Session, force_id: int, article_id: int, edit: ArticleEdit, actor: Actor, at: datetime
) -> Article | None:
    """A new version becomes current; None when the force has no such article."""
    row = session.scalar(
        select(GuidanceArticle).where(GuidanceArticle.id == article_id, GuidanceArticle.force_id == force_id)
        .with_for_update()
    )
    if row is None:
        return None
    version = row.current_version + 1
    article = Article(slug=row.slug, title=edit.title, body=edit.body, categories=edit.categories,
                      keywords=edit.keywords, templates=edit.templates, version=version, id=row.id)
    session.add(_version_row(row.id, version, article, edit.note, actor.id, at))
    row.current_version, row.updated_at = version, at
    append_event(session, actor=actor, action=Action.CHANGED, object_type="guidance_article",
                 object_id=row.id, at=at, force_id=force_id, reason=edit.note,
                 data={"slug": row.slug, "version": version})
    session.flush()
    return article


def _version_row(article_id: int, version: int, article: Article, note: str, author_id: int | None,
                 at: datetime) -> GuidanceVersion:
    return GuidanceVersion(
        article_id=article_id, version=version, title=article.title, categories=list(article.categories),
        keywords=list(article.keywords), body=article.body,
        templates=[{"name": t.name, "text": t.text} for t in article.templates],
        note=note, author_id=author_id, created_at=at,
    )


def _article(row: GuidanceArticle, version: GuidanceVersion) -> Article:
    return Article(
        slug=row.slug, title=version.title, body=version.body, categories=tuple(version.categories),
        keywords=tuple(version.keywords), version=version.version, id=row.id,
        templates=tuple(ReplyTemplate(t["name"], t["text"]) for t in version.templates),
    )
