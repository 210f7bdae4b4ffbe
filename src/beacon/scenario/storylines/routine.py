"""The bread and butter of a night: one citizen, one report, on whichever channel they use.

Each kind of report carries its intended priority, categories and disposition; templates say the
same thing many ways, a few in Polish or Welsh. Every report that needs police action gets its own
incident and case key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from beacon.messages import InboundMessage
from beacon.scenario.force import ACCOUNTS, PLACES, PUBS, SHOPS, Street
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.people import Citizen
from beacon.scenario.scene import Scene


@dataclass(frozen=True)
class ReportKind:
    name: str
    priority: Priority
    categories: tuple[str, ...]
    disposition: Disposition
    hours: tuple[int, int]  # the window of the shift it tends to arrive in
    subject: str
    templates: tuple[str, ...]  # "pl:" / "cy:" prefixes mark the language


KINDS: tuple[ReportKind, ...] = (
    ReportKind(
        "vehicle-crime",
        Priority.P3,
        ("crime.theft",),
        Disposition.CASE,
        (22, 7),
        "Car broken into",
        (
            "my car's been broken into on {street}, window smashed and the sat nav's gone",
            "Someone has smashed my van window outside {number} {street} and taken my tools",
            "just come out to my car on {street} and the catalytic converter's been cut off",
            "cy:Mae rhywun wedi torri i mewn i fy nghar ar {street}. Ffenest wedi torri.",
            "number plates nicked off my car overnight on {street}, do I need to report it?",
            "someone's keyed the whole side of my car outside {number} {street}",
        ),
    ),
    ReportKind(
        "noise",
        Priority.P3,
        ("asb",),
        Disposition.SHARE,
        (22, 3),
        "Noise complaint",
        (
            "music blaring from {number} {street} again, it's gone midnight and my kids have "
            "school",
            "party next door on {street} has been going since 9, people shouting in the street",
            "can someone do something about the noise on {street}, same house every weekend",
            "dog barking nonstop for 3 hours at {number} {street}, owners not in",
            "people fighting and screaming in the flat above me, {address}, it's every night",
        ),
    ),
    ReportKind(
        "asb",
        Priority.P3,
        ("asb",),
        Disposition.CASE,
        (22, 2),
        "Antisocial behaviour",
        (
            "lads on scramblers tearing round {place} again, nearly hit a dog walker",
            "group of kids throwing stones at the buses on {street}",
            "youths kicking off outside {shop}, intimidating the staff",
            "kids setting fire to the bins behind {shop} again",
            "someone's smashed the bus shelter on {street} for the 3rd time this month",
        ),
    ),
    ReportKind(
        "scam",
        Priority.P3,
        ("crime.fraud",),
        Disposition.SHARE,
        (22, 7),
        "Scam call",
        (
            "just had a call saying they're from HMRC and I owe £2,400 or I'll be arrested "
            "tonight. is "
            "this a scam?",
            "My mum got a text from 'her bank' and has given them her card details. What do we do?",
            "got a call from 'the police' asking me to move my savings to a safe account",
            "I've been scammed on Facebook Marketplace, paid £350 for a PS5 and the seller "
            "blocked me",
            "my dad got a text saying his parcel is held and he paid £2.99, now they're ringing "
            "him",
            "pl:Dostałem telefon od kogoś kto mówi że jest z banku i chce moje dane karty. Czy to "
            "oszustwo?",
        ),
    ),
    ReportKind(
        "lost-property",
        Priority.P4,
        ("lost_property", "information"),
        Disposition.CLOSE,
        (22, 7),
        "Lost wallet",
        (
            "lost my wallet somewhere between {pub} and the taxi rank, has anyone handed it in?",
            "Has anyone handed in a black iPhone? lost it in town tonight",
            "found a set of car keys on {street}, where do I hand them in?",
            "left my bag in a taxi tonight, it's got my passport in. what do I do?",
        ),
    ),
    ReportKind(
        "shoplifting",
        Priority.P3,
        ("crime.theft",),
        Disposition.CASE,
        (22, 1),
        "Shoplifting",
        (
            "this is the night manager at {shop} on {street}, a man has just walked out with four "
            "bottles of vodka, third time this week",
            "lad just filled a bag with meat from {shop} and legged it towards {place}",
            "staff at {shop} here, same woman has stolen from us 5 times, we have her on CCTV",
        ),
    ),
    ReportKind(
        "burglary",
        Priority.P3,
        ("crime.burglary",),
        Disposition.CASE,
        (4, 7),
        "Burglary",
        (
            "came home from nights and my back door's been forced, telly and laptop gone. "
            "{address}",
            "Our shed on {street} has been broken into overnight and two bikes taken",
            "woke up and the front door was wide open and my car keys and car are gone. {address}",
            "pl:Ktoś włamał się do mojego domu w nocy, {address}. Zginął laptop.",
        ),
    ),
    ReportKind(
        "in-progress",
        Priority.P2,
        ("crime.theft",),
        Disposition.CASE,
        (0, 5),
        "Suspicious",
        (
            "someone is going down {street} trying all the car door handles right now, black "
            "hoodie",
            "there's a man in my neighbour's garden at {address} and they're away on holiday",
        ),
    ),
    ReportKind(
        "collision",
        Priority.P2,
        ("road_collision",),
        Disposition.CASE,
        (22, 4),
        "Crash",
        (
            "car's just hit a lamppost on {street} and the driver has run off",
            "Think the driver of a silver Corsa on {street} is drunk, all over the road",
            "two cars racing up and down {street} at 80mph, someone's going to get killed",
        ),
    ),
    ReportKind(
        "welfare",
        Priority.P2,
        ("request_help",),
        Disposition.CASE,
        (22, 7),
        "Concern for welfare",
        (
            "haven't seen my elderly neighbour at {address} for three days, milk still on the step",
            "there's a woman sat in the rain at {place}, she seems really confused, no coat on",
            "pl:Mój sąsiad spod {address} nie odbiera telefonu od dwóch dni. Martwię się o niego.",
        ),
    ),
    ReportKind(
        "hate",
        Priority.P3,
        ("crime.hate",),
        Disposition.CASE,
        (22, 7),
        "Hate crime",
        (
            "someone has sprayed racist graffiti on the mosque wall on {street}",
            "a man shouted racist abuse at me and my son at {place} tonight. I want to report it",
        ),
    ),
)


def routine_reports(scene: Scene, count: int) -> list[Draft]:
    return [_one_report(scene, scene.pick(KINDS)) for _ in range(count)]


def _one_report(scene: Scene, kind: ReportKind) -> Draft:
    street = scene.street()
    template = scene.pick(kind.templates)
    language, _, template = (
        template.partition(":") if template[2:3] == ":" else ("en", "", template)
    )
    text = template.format(**_words(scene, street))
    channel = scene.pick(
        (
            "x_dm",
            "x_post",
            "messenger",
            "instagram",
            "whatsapp",
            "sms",
            "email",
            "webform",
            "webform",
            "messenger",
            "whatsapp",
        )
    )
    who = scene.people.new(phone=channel in ("whatsapp", "sms"))
    at = _time_in(scene, kind.hours)
    message = _send(scene, channel, who, text, at, language, kind, street)
    needs_case = kind.disposition is Disposition.CASE
    truth = Truth(
        kind.priority,
        kind.categories,
        who.key,
        kind.disposition,
        f"routine.{kind.name}",
        incident=scene.key("incident", kind.name) if kind.priority is not Priority.P4 else None,
        case=scene.key("case", kind.name) if needs_case else None,
    )
    return Draft(message, truth)


def _words(scene: Scene, street: Street) -> dict[str, object]:
    return {
        "street": street.name,
        "number": scene.rng.randint(1, 140),
        "address": scene.address(street),
        "place": scene.pick(PLACES),
        "shop": scene.pick(SHOPS),
        "pub": scene.pick(PUBS),
    }


def _time_in(scene: Scene, hours: tuple[int, int]) -> datetime:
    first, last = hours
    return scene.between(scene.at(first), scene.at(last, 59, 59) if last != 7 else scene.end)


def _send(
    scene: Scene,
    channel: str,
    who: Citizen,
    text: str,
    at: datetime,
    language: str,
    kind: ReportKind,
    street: Street,
) -> InboundMessage:
    kit = scene.kit
    if channel == "email":
        body = f"Hello,\n\n{text}\n\nThanks,\n{who.first}"
        return kit.email(who, kind.subject, body, at, language=language)
    if channel == "webform":
        fields = {
            "what_happened": kind.subject,
            "where": f"{street.name}, {street.postcode}",
            "description": text,
        }
        return kit.webform(
            who,
            "report-crime",
            fields,
            at,
            place=scene.place(street, exact=True),
            language=language,
        )
    casual = scene.casual(text, "angry" if kind.name in ("noise", "asb") else "neutral")
    if channel != "x_post" and language == "en":
        casual = scene.framed(casual)
    if channel == "x_post":
        return kit.x_post(who, f"{ACCOUNTS.x_handle} {casual}", at, language=language)
    sender = {
        "x_dm": kit.x_dm,
        "messenger": kit.messenger,
        "instagram": kit.instagram_dm,
        "whatsapp": kit.whatsapp,
        "sms": kit.sms,
    }[channel]
    return sender(who, casual, at, language)
