"""Guidance articles and every version of them. A force edits its own copy; each save is a new
version row, so what a handler was shown on a given night can always be read back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.store.tables import Base, utc_column


class GuidanceArticle(Base):
    __tablename__ = "guidance_articles"
    __table_args__ = (UniqueConstraint("force_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    slug: Mapped[str] = mapped_column(String(100))  # the shipped file's name, stable across edits
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = utc_column()


class GuidanceVersion(Base):
    __tablename__ = "guidance_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("guidance_articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text)
    templates: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{name, text}]
    note: Mapped[str] = mapped_column(String(500), default="")  # why it changed
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = utc_column()
