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
    ChatterKind(
        "question",
        Priority.P4,
        ("request_help", "information"),
        Disposition.CLOSE,
        "neutral",
        (
            "what's the non emergency number again?",
            "{handle} what's the number for non emergencies, is it still 101?",
            "how do I report a crime online?",
            "Can I report a scam here or do I have to ring someone?",
            "how do I get a crime reference number for my insurance?",
            "is the front counter at the police station open tomorrow?",
            "do I need to report a dashcam clip of someone driving like an idiot, and where?",
            "how do I find out if my car has been towed?",
            "Can I get a copy of a police report for a claim? Who do I email?",
            "where do I hand in a bike I found in my front garden?",
            "Do you still do the free bike marking thing at {place}?",
            "how long does a DBS check take these days?",
            "cy:Helo, oes modd riportio rhywbeth yn Gymraeg?",
            "cy:Beth yw'r rhif ffôn i'r heddlu pan nad yw'n argyfwng?",
            "pl:Jak mogę zgłosić kradzież roweru online?",
            "pl:Dzień dobry, gdzie mogę zgłosić zgubiony portfel?",
        ),
    ),
    ChatterKind(
        "praise",
        Priority.P4,
        ("information",),
        Disposition.CLOSE,
        "happy",
        (
            "shout out to the two officers who helped my nan when she fell on {street} tonight",
            "Massive thanks to the response team who came out to us earlier. Absolute stars",
            "Proud of our local bobbies, always there when you need them",
            "{handle} thank you to PC who found my dad when he wandered off last week, forever "
            "grateful",
            "good to see officers walking round {area} tonight, makes a difference",
            "the officer on the door at {pub} was class with those drunk lads, fair play",
        ),
    ),
    ChatterKind(
        "moan",
        Priority.P4,
        ("complaint",),
        Disposition.CLOSE,
        "fed_up",
        (
            "never a copper around when you need one in {town}",
            "waited 3 hours for someone to turn up last week, absolute joke",
            "more interested in speed cameras than actual crime",
            "rang 101 and was on hold for 40 minutes. what's the point",
            "{handle} reported my shed being done 2 weeks ago and not heard a thing",
            "why do you close the station at {area} when crime's going up? makes no sense",
            "Bet this gets ignored like everything else",
            "Police car parked on the pavement on {street} again while they get a kebab 🙄",
        ),
    ),
    ChatterKind(
        "officer-complaint",
        Priority.P3,
        ("complaint",),
        Disposition.SHARE,
        "angry",
        (
            "I want to make a formal complaint about the officer who stopped me on {street} "
            "tonight, he "
            "was rude and wouldn't give me his number",
            "The officer who came to my house tonight was on his phone the entire time and "
            "laughed at "
            "me. How do I complain?",
            "an officer pushed my son over outside {pub} tonight for no reason, I have it on video",
        ),
    ),
    ChatterKind(
        "helicopter",
        Priority.P4,
        ("information",),
        Disposition.MONITOR,
        "neutral",
        (
            "why is there a helicopter circling over {area} at this time of night?",
            "anyone know why the police helicopter is over {place}?? been there ages",
            "helicopter going round and round {area}, what's happened",
            "loads of police cars flying down {street} with sirens on, anyone know?",
            "{handle} is something going on near {place}? 3 vans just went past",
            "that helicopter has woken the whole of {area} up 😩 what's going on",
            "blue lights at the end of {street}, anyone know what's happened?",
        ),
    ),
    ChatterKind(
        "joke",
        Priority.P4,
        ("irrelevant",),
        Disposition.CLOSE,
        "funny",
        (
            "I'm literally going to kill my brother if he eats my chips again",
            "{handle} arrest my boyfriend for being this annoying",
            "someone call the police, my team's defence has been murdered again",
            "my cat is committing crimes against my houseplants, send help",
            "{handle} is it illegal to be this tired",
            "if I don't get a kebab in the next 10 mins there will be a murder",
            "{handle} can you arrest whoever invented Monday",
            "dying at the police dog video you posted 😂 what a good boy",
            "I'd like to report my mate for that haircut",
        ),
    ),
    ChatterKind(
        "spam",
        Priority.P4,
        ("irrelevant",),
        Disposition.CLOSE,
        "neutral",
        (
            "Get 10k REAL followers today!! DM for prices",
            "Earn £500 a day from home, click the link in my bio",
            "crypto giveaway!!! send 0.1 BTC get 0.2 back",
            "Hi dear, I saw your profile and want to be friends. Reply me",
        ),
    ),
)


def questions_and_chatter(scene: Scene, count: int) -> list[Draft]:
    weights = (30, 12, 16, 3, 14, 14, 6)
    kinds = scene.rng.choices(KINDS, weights=weights, k=count)
    return [_one(scene, kind) for kind in kinds]


def _one(scene: Scene, kind: ChatterKind) -> Draft:
    channel = scene.pick(
        (
            "x_post",
            "x_post",
            "x_post",
            "facebook",
            "facebook",
            "instagram",
            "messenger",
            "x_dm",
            "sms",
            "email",
        )
    )
    template = scene.pick(kind.templates)
    language, template = (template[:2], template[3:]) if template[2:3] == ":" else ("en", template)
    text = scene.casual(_render(scene, template, channel), kind.mood, 0.7)
    if channel in ("messenger", "x_dm", "sms", "instagram") and kind.name == "question":
        text = scene.framed(text)
    who = scene.people.new(phone=channel == "sms")
    message = _send(scene, channel, who, text, scene.anytime(), language, kind)
    needs_case = kind.disposition is Disposition.CASE
    truth = Truth(
        kind.priority,
        kind.categories,
        who.key,
        kind.disposition,
        f"chatter.{kind.name}",
        case=scene.key("case", kind.name) if needs_case else None,
    )
    return Draft(message, truth)


def _render(scene: Scene, template: str, channel: str) -> str:
    """Fill a template; only X posts @-mention the force, and always at the start."""
    street = scene.pick(STREETS)
    words = {
        "street": street.name,
        "area": street.area,
        "place": scene.pick(PLACES),
        "pub": scene.pick(PUBS),
        "town": TOWN,
        "handle": "",
    }
    text = " ".join(template.format(**words).split())
    return (
        f"{ACCOUNTS.x_handle} {text}" if channel == "x_post" and scene.rng.random() < 0.8 else text
    )


_EMAIL_SUBJECTS = {
    "question": "Quick question",
    "praise": "Thank you",
    "moan": "Feedback",
    "officer-complaint": "Complaint about an officer",
}
# The force's ordinary page posts that people comment under (not part of the night's file).
_PAGE_POSTS = tuple(
    f"{ACCOUNTS.facebook_page_id}_{n}"
    for n in ("1029384756102938", "1029384756109911", "1029384756117203")
)


def _send(
    scene: Scene,
    channel: str,
    who: Citizen,
    text: str,
    at: datetime,
    language: str,
    kind: ChatterKind,
) -> InboundMessage:
    kit = scene.kit
    if channel == "x_post":
        return kit.x_post(who, text, at, language=language)
    if channel == "facebook":
        return kit.facebook_comment(who, text, at, on_post=scene.pick(_PAGE_POSTS))
    if channel == "email":
        subject = _EMAIL_SUBJECTS.get(kind.name, "Message for West Burnshire Police")
        return kit.email(who, subject, scene.framed(text), at, language=language)
    sender = {
        "instagram": kit.instagram_dm,
        "messenger": kit.messenger,
        "x_dm": kit.x_dm,
        "sms": kit.sms,
    }[channel]
    return sender(who, text, at, language)
