"""One incident, many witnesses: each writes on their own channel, in their own words.

- A fight outside a pub at closing time: 4-8 people report it across X, Messenger, Instagram,
  WhatsApp, SMS and the web form, and a couple more just ask what the blue lights were about.
- A car set alight in the small hours: three or four neighbours report it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from beacon.messages import InboundMessage
from beacon.scenario.force import ACCOUNTS, PUBS, Street
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.people import Citizen
from beacon.scenario.scene import Scene

_FIGHT = (
    "massive fight outside {pub} on {street}, bottles getting thrown",
    "someones been glassed outside {pub}, {street}. loads of blood",
    "theres like 15 lads scrapping outside {pub} right now",
    "Police needed at {pub} on {street}, a man is on the floor and they're still kicking him",
    "bouncers at {pub} are fighting with a group of lads, it's getting really nasty",
    "fight outside {pub} {postcode}, one lad has a bottle, women screaming",
    "Bójka przed pubem {pub} na {street}, ktoś leży na ziemi. Proszę przyjechać",
    "big brawl spilling onto the road outside {pub}, cars having to stop",
)
_ASKING = (
    "what's going on at {pub}? about 6 police vans there 👀",
    "{handle} why is {street} closed off outside {pub}?",
    "anyone know what happened outside {pub} tonight? blue lights everywhere",
)


def fight_at_closing_time(scene: Scene) -> list[Draft]:
    pub, street = scene.pick(PUBS), scene.street()
    words = {
        "pub": pub,
        "street": street.name,
        "postcode": street.postcode,
        "handle": ACCOUNTS.x_handle,
    }
    incident, case = scene.key("incident", "pub-fight"), scene.key("case", "pub-fight")
    started = scene.between(scene.at(23, 5), scene.at(23, 40))
    reporters = scene.rng.randint(4, 8)
    texts = scene.rng.sample(_FIGHT, k=reporters)
    drafts = []
    for i, text in enumerate(texts):
        at = scene.after(started, 20 + i * 40, 90 + i * 90)
        who, send = _witness(scene, i)
        language = "pl" if text.startswith("Bójka") else "en"
        message = send(who, scene.casual(text.format(**words), "urgent", 0.4), at, language)
        truth = Truth(
            Priority.P1,
            ("crime.violence", "threat_to_life"),
            who.key,
            Disposition.CASE,
            "incident.pub_fight",
            incident,
            case,
        )
        drafts.append(Draft(message, truth))
    for text in scene.rng.sample(_ASKING, k=2):
        who = scene.people.new()
        at = scene.after(started, 1200, 3600)
        message = scene.kit.x_post(who, scene.casual(text.format(**words), "neutral"), at)
        drafts.append(
            Draft(
                message,
                Truth(
                    Priority.P4,
                    ("information",),
                    who.key,
                    Disposition.MONITOR,
                    "incident.pub_fight_chatter",
                    incident,
                ),
            )
        )
    return drafts


Sender = Callable[[Citizen, str, datetime, str], InboundMessage]


def _witness(scene: Scene, index: int) -> tuple[Citizen, Sender]:
    """Witnesses use different channels, so the same incident must be joined across them."""
    kit = scene.kit
    rotation: list[tuple[bool, Sender]] = [
        (
            False,
            lambda w, t, at, lang: kit.x_post(w, f"{ACCOUNTS.x_handle} {t}", at, language=lang),
        ),
        (True, kit.sms),
        (False, kit.messenger),
        (True, kit.whatsapp),
        (False, kit.instagram_dm),
        (False, lambda w, t, at, lang: kit.webform(w, "report-incident", {"description": t}, at)),
        (False, kit.x_dm),
        (True, kit.sms),
    ]
    needs_phone, send = rotation[index % len(rotation)]
    return scene.people.new(phone=needs_phone), send


_FIRE = (
    "There's a car on fire on {street}, flames are massive, I've rung 999 but the line was busy",
    "car just gone up in flames outside {number} {street} {postcode}, saw two lads run off",
    "fire on {street}!! car alight next to the houses, someone get the fire brigade",
    "Hi, is anyone aware of the car fire on {street}? It's very close to a house with kids in",
)


def car_fire(scene: Scene) -> list[Draft]:
    street = scene.street()
    words = {"street": street.name, "postcode": street.postcode, "number": scene.rng.randint(2, 90)}
    incident, case = scene.key("incident", "car-fire"), scene.key("case", "car-fire")
    started = scene.between(scene.at(2, 10), scene.at(3, 40))
    drafts = []
    senders = (_fire_post, _fire_whatsapp, _fire_messenger, _fire_email)
    for i, text in enumerate(scene.rng.sample(_FIRE, k=scene.rng.randint(3, 4))):
        who = scene.people.new(phone=senders[i] is _fire_whatsapp)
        message = senders[i](
            scene,
            who,
            text.format(**words),
            scene.after(started, 30 + i * 60, 200 + i * 120),
            street,
        )
        truth = Truth(
            Priority.P2,
            ("fire", "crime.arson"),
            who.key,
            Disposition.CASE,
            "incident.car_fire",
            incident,
            case,
        )
        drafts.append(Draft(message, truth))
    return drafts


def _fire_post(
    scene: Scene, who: Citizen, text: str, at: datetime, street: Street
) -> InboundMessage:
    return scene.kit.x_post(
        who, f"{ACCOUNTS.x_handle} " + scene.casual(text, "urgent"), at, place=scene.place(street)
    )


def _fire_whatsapp(
    scene: Scene, who: Citizen, text: str, at: datetime, street: Street
) -> InboundMessage:
    return scene.kit.whatsapp(who, scene.casual(text, "urgent"), at)


def _fire_messenger(
    scene: Scene, who: Citizen, text: str, at: datetime, street: Street
) -> InboundMessage:
    return scene.kit.messenger(who, text, at)


def _fire_email(
    scene: Scene, who: Citizen, text: str, at: datetime, street: Street
) -> InboundMessage:
    return scene.kit.email(who, f"Car fire {street.name}", text + f"\n\n{who.name}", at)


STORYLINES = (fight_at_closing_time, car_fire)
