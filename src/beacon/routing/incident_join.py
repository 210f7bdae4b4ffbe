"""Whether a message may join its incident's open case: only on strong evidence.

The noise stage's incident clustering is tuned for counting reports (how many people are
talking about one thing), not for case work: it groups look-alike reports of different events
(youths outside McDonald's and outside the big Asda; sheds broken into on two streets). Joining
a case on that alone merged their cases (bench: case-attachment precision 0.07). So the incident's
case is joined when the message

- repeats an item already in the case (a share or near-copy, or a reply to one), or
- has the case's top category, and no conflicting place (postcode sector, beat, named place,
  street written in the text: the same or unknown, never different), and arrives within
  `JOIN_WITHIN` of the case's latest message.

Anything else opens its own case; a handler can move a message that should have joined
(`routing/move.py`), and a supervisor can still merge incidents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.store.tables import Case, Message

NOT_EVIDENCE = {None, "irrelevant"}  # "nothing police-related found" says nothing about the event
JOIN_WITHIN = timedelta(hours=3)  # independent reports of one event come in close together
CASE_MESSAGES = 50  # the case's place and timing are read from its latest messages
# "Mill Lane", "Rossendale Road": a street written in the text is place evidence the triage's
# gazetteer may not know (typos, streets outside its list).
_STREET = re.compile(
    r"\b([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s(Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Grove|Close|Way|Drive|"
    r"Place|Terrace|Crescent|Court|Gardens|Row|Square|Walk|Parade|Hill)\b"
)
_STREET_WORD = {"rd": "road", "st": "street", "ln": "lane", "ave": "avenue"}


@dataclass
class Where:
    """What is known of where messages are about; empty sets mean unknown."""

    sectors: set[str] = field(default_factory=set)
    beats: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)
    text: str = ""

    def add(self, message: Message) -> None:
        place: dict[str, Any] = (message.triage or {}).get("place") or {}
        postcode = str(place.get("postcode") or "").upper().split()
        if len(postcode) == 2:
            self.sectors.add(f"{postcode[0]} {postcode[1][:1]}")
        if place.get("beat"):
            self.beats.add(str(place["beat"]))
        if place.get("name"):
            self.names.add(_plain(str(place["name"]).split(",")[0]))
        self.streets |= streets_in(message.text)
        self.text += " " + _plain(message.text)


def streets_in(text: str) -> set[str]:
    return {f"{_plain(name)} {_STREET_WORD.get(kind.lower(), kind.lower())}" for name, kind in _STREET.findall(text)}


def conflict(case_place: Where, place: Where) -> str | None:
    """Why the two are about different places, or None when they may be the same one."""
    for label, ours, theirs in (("postcode sector", case_place.sectors, place.sectors),
                                ("beat", case_place.beats, place.beats),
                                ("street", case_place.streets, place.streets)):
        if ours and theirs and not ours & theirs:
            return f"different {label}"
    # A named place written in the other's text is the same place by another name.
    named_apart = not any(n in case_place.text for n in place.names) and not any(
        n in place.text for n in case_place.names)
    if case_place.names and place.names and not case_place.names & place.names and named_apart:
        return "different place"
    return None


def incident_evidence(session: Session, case: Case, message: Message) -> str | None:
    """The reason `message` belongs in its incident's open `case`, or None if it is not strong."""
    members = list(session.scalars(
        select(Message).where(Message.case_id == case.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(CASE_MESSAGES)
    ))
    repeated = _repeats(session, case, message)
    if repeated is not None:
        return repeated
    if not members or message.created_at - max(m.created_at for m in members) > JOIN_WITHIN:
        return None
    category = (message.categories or [None])[0]
    case_categories = {case.category} | {(m.categories or [None])[0] for m in members}
    if category in NOT_EVIDENCE or category not in case_categories:
        return None
    case_place, place = Where(), Where()
    for member in members:
        case_place.add(member)
    place.add(message)
    if conflict(case_place, place) is not None:
        return None
    return f"same incident, same category ({category}), place agrees, within {_hours(JOIN_WITHIN)}:"


def _repeats(session: Session, case: Case, message: Message) -> str | None:
    """A share, near-copy or reply of a message already in the case."""
    conditions = []
    if message.item_id is not None and message.item_id != message.id:
        conditions.append(Message.id == message.item_id)
    if message.reply_to:
        conditions.append(Message.provider_message_id == message.reply_to)
    if not conditions:
        return None
    original = session.scalar(
        select(Message.id).where(Message.case_id == case.id, Message.force_id == message.force_id, or_(*conditions))
        .limit(1)
    )
    return f"repeats message {original}, already on" if original is not None else None


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g} h"
