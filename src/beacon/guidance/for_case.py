"""Guidance for one case: what the matcher reads from the case, and the filled reply templates
for the channel the citizen last used."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.guidance.articles import Article
from beacon.guidance.matcher import CaseText, GuidanceMatch, match_articles
from beacon.guidance.replies import RenderedReply, render_template
from beacon.store.tables import Case, Message, Person

MESSAGES_READ = 20  # the latest inbound messages are what the handler is answering


@dataclass(frozen=True)
class FilledTemplate:
    name: str
    reply: RenderedReply


@dataclass(frozen=True)
class CaseGuidance:
    matches: list[GuidanceMatch]
    channel: str | None
    templates: dict[str, list[FilledTemplate]]  # by article slug


def case_text(session: Session, case: Case) -> tuple[CaseText, str | None, str | None]:
    """The case's labels and words; the channel and author name of the latest message in."""
    messages = list(session.execute(
        select(Message.text, Message.categories, Message.triage, Message.channel, Message.author_name)
        .where(Message.case_id == case.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(MESSAGES_READ)
    ))
    labels = {case.category} if case.category else set()
    for _, categories, triage, _, _ in messages:
        labels.update(categories or [])
        labels.update((triage or {}).get("vulnerabilities") or [])
    text = "\n".join(m.text for m in messages)
    latest = messages[0] if messages else None
    return (CaseText(frozenset(labels - {None}), text),
            latest.channel if latest else None, latest.author_name if latest else None)


def guidance_for_case(session: Session, case: Case, articles: list[Article], limit: int = 3) -> CaseGuidance:
    text, channel, author_name = case_text(session, case)
    matches = match_articles(text, articles, limit=limit)
    name = _person_name(session, case) or author_name
    templates = {
        m.article.slug: [
            FilledTemplate(t.name, render_template(t, person_name=_first_name(name),
                                                   case_reference=case.reference, channel=channel or "api"))
            for t in m.article.templates
        ]
        for m in matches
    }
    return CaseGuidance(matches, channel, templates)


def _person_name(session: Session, case: Case) -> str | None:
    if case.person_id is None:
        return None
    return session.scalar(select(Person.display_name).where(Person.id == case.person_id))


def _first_name(name: str | None) -> str | None:
    """Replies greet people by first name; handles like '@dan_99' are not names."""
    if not name or name.startswith(("@", "+")) or any(ch.isdigit() for ch in name):
        return None
    return name.split()[0]
