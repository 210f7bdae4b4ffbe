"""Questions and chatter: the bulk of a night that needs an answer or nothing at all.

Questions ("how do I report...") deserve a reply and then close. Chatter about the force (praise,
moans, jokes, helicopters) is P4; a complaint about an officer goes to professional standards.
Violent-sounding figures of speech ("I'll kill him if he eats my chips") are here on purpose: they
must not be mistaken for threats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from beacon.messages import InboundMessage
from beacon.scenario.force import ACCOUNTS, PLACES, PUBS, STREETS, TOWN
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.people import Citizen
from beacon.scenario.scene import Scene


@dataclass(frozen=True)
class ChatterKind:
    name: str
    priority: Priority
    categories: tuple[str, ...]
    disposition: Disposition
    mood: str
    templates: tuple[str, ...]


KINDS: tuple[ChatterKind, ...] = (
    ChatterKind("question", Priority.P4, ("request_help", "information"), Disposition.CLOSE, "neutral", (
        "what's the non emergency number again?",
        "how do I report a crime online?",
        "Can I report a scam here or do I have to ring someone?",
        "how do I get a crime reference number for my insurance?",
        "is the front counter at the police station open tomorrow?",
        "do I need to report a dashcam clip of someone driving like an idiot, and where?",
        "how do I find out if my car has been towed?",
        "cy:Helo, oes modd riportio rhywbeth yn Gymraeg?",
        "pl:Jak mogę zgłosić kradzież roweru online?",
    )),
    ChatterKind("praise", Priority.P4, ("information",), Disposition.CLOSE, "happy", (
        "shout out to the two officers who helped my nan when she fell on {street} tonight",
        "Massive thanks to the response team who came out to us earlier. Absolute stars",
        "Proud of our local bobbies, always there when you need them",
    )),
    ChatterKind("moan", Priority.P4, ("complaint",), Disposition.CLOSE, "fed_up", (
        "never a copper around when you need one in {town}",
        "waited 3 hours for someone to turn up last week, absolute joke",
        "more interested in speed cameras than actual crime",
        "rang 101 and was on hold for 40 minutes. what's the point",
    )),
    ChatterKind("officer-complaint", Priority.P3, ("complaint",), Disposition.SHARE, "angry", (
        "I want to make a formal complaint about the officer who stopped me on {street} tonight, he "
        "was rude and wouldn't give me his number",
        "The officer who came to my house tonight was on his phone the entire time and laughed at "
        "me. How do I complain?",
    )),
    ChatterKind("helicopter", Priority.P4, ("information",), Disposition.MONITOR, "neutral", (
        "why is there a helicopter circling over {area} at this time of night?",
        "anyone know why the police helicopter is over {place}?? been there ages",
        "helicopter going round and round {area}, what's happened",
        "loads of police cars flying down {street} with sirens on, anyone know?",
    )),
    ChatterKind("joke", Priority.P4, ("irrelevant",), Disposition.CLOSE, "funny", (
        "I'm literally going to kill my brother if he eats my chips again",
        "{handle} arrest my boyfriend for being this annoying",
        "someone call the police, my team's defence has been murdered again",
        "my cat is committing crimes against my houseplants, send help",
        "{handle} is it illegal to be this tired",
    )),
    ChatterKind("spam", Priority.P4, ("irrelevant",), Disposition.CLOSE, "neutral", (
        "Get 10k REAL followers today!! DM for prices",
        "Earn £500 a day from home, click the link in my bio",
        "crypto giveaway!!! send 0.1 BTC get 0.2 back",
    )),
)


def questions_and_chatter(scene: Scene, count: int) -> list[Draft]:
    weights = (30, 12, 16, 3, 14, 14, 6)
    kinds = scene.rng.choices(KINDS, weights=weights, k=count)
    return [_one(scene, kind) for kind in kinds]


def _one(scene: Scene, kind: ChatterKind) -> Draft:
    street = scene.pick(STREETS)
    template = scene.pick(kind.templates)
    language, template = (template[:2], template[3:]) if template[2:3] == ":" else ("en", template)
    words = {"street": street.name, "area": street.area, "place": scene.pick(PLACES),
             "pub": scene.pick(PUBS), "town": TOWN, "handle": ACCOUNTS.x_handle}
    text = scene.casual(template.format(**words), kind.mood, 0.7)
    channel = scene.pick(("x_post", "x_post", "x_post", "facebook", "facebook", "instagram",
                          "messenger", "x_dm", "sms", "email"))
    who = scene.people.new(phone=channel == "sms")
    message = _send(scene, channel, who, text, scene.anytime(), language)
    needs_case = kind.disposition is Disposition.CASE
    truth = Truth(kind.priority, kind.categories, who.key, kind.disposition, f"chatter.{kind.name}",
                  case=scene.key("case", kind.name) if needs_case else None)
    return Draft(message, truth)


# The force's ordinary page posts that people comment under (not part of the night's file).
_PAGE_POSTS = tuple(f"{ACCOUNTS.facebook_page_id}_{n}" for n in
                    ("1029384756102938", "1029384756109911", "1029384756117203"))


def _send(
    scene: Scene, channel: str, who: Citizen, text: str, at: datetime, language: str
) -> InboundMessage:
    kit = scene.kit
    if channel == "x_post":
        mention = "" if ACCOUNTS.x_handle in text else f"{ACCOUNTS.x_handle} "
        return kit.x_post(who, mention + text, at, language=language)
    if channel == "facebook":
        return kit.facebook_comment(who, text, at, on_post=scene.pick(_PAGE_POSTS))
    if channel == "email":
        return kit.email(who, "Question", text, at, language=language)
    sender = {"instagram": kit.instagram_dm, "messenger": kit.messenger, "x_dm": kit.x_dm,
              "sms": kit.sms}[channel]
    return sender(who, text, at, language)
