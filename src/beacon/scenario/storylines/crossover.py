"""The same person on two channels: one human, one case, two identities to join.

- WhatsApp, then SMS from the same number: a woman whose ex keeps turning up writes on WhatsApp in
  the evening; after midnight he is outside again and she texts, now more urgent.
- Facebook Messenger, then email next morning, mentioning the same crime reference: a stolen bike.
"""

from __future__ import annotations

from beacon.scenario.force import PLACES
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.scene import Scene

_HARASS_FIRST = (
    "Hi, my ex keeps turning up at my house at {address}. I have a non-molestation order against "
    "him. He was here again at 8 tonight banging on the windows. What should I do?",
    "my ex partner won't leave me alone, he keeps messaging and turning up at {address}. there's a "
    "court order. can someone call me tomorrow",
)
_HARASS_SECOND = (
    "I sent a WhatsApp earlier about my ex. He's outside my house again now, {address}, sitting in "
    "his car watching. I'm scared",
    "its me again from whatsapp, he's back. outside {address}. please can someone come",
)


def harassment_whatsapp_then_sms(scene: Scene) -> list[Draft]:
    person = scene.people.new(phone=True)
    address = scene.address(scene.street())
    incident, case = scene.key("incident", "harassment"), scene.key("case", "harassment")
    first_at = scene.between(scene.at(22, 10), scene.at(23, 30))
    second_at = scene.between(scene.at(0, 30), scene.at(2, 0))
    categories = ("domestic_abuse", "crime.harassment")
    first = scene.kit.whatsapp(person, scene.pick(_HARASS_FIRST).format(address=address), first_at)
    second = scene.kit.sms(person, scene.pick(_HARASS_SECOND).format(address=address), second_at)
    return [
        Draft(
            first,
            Truth(
                Priority.P3,
                categories,
                person.key,
                Disposition.CASE,
                "crossover.harassment",
                incident,
                case,
            ),
        ),
        Draft(
            second,
            Truth(
                Priority.P2,
                categories,
                person.key,
                Disposition.CASE,
                "crossover.harassment",
                incident,
                case,
            ),
        ),
    ]


def stolen_bike_messenger_then_email(scene: Scene) -> list[Draft]:
    person = scene.people.new()
    place = scene.pick(PLACES)
    reference = f"WB-{scene.rng.randint(10000, 99999)}-{scene.start:%y}"
    incident, case = scene.key("incident", "bike-theft"), scene.key("case", "bike-theft")
    first_at = scene.between(scene.at(22, 0), scene.at(23, 59))
    second_at = scene.between(scene.at(6, 0), scene.at(6, 55))
    message = (
        f"hi my bike got nicked from outside {place} tonight, I reported it online and got "
        f"ref {reference}. there's a camera right there, can someone check it before it's "
        "wiped?"
    )
    body = (
        f"Dear West Burnshire Police,\n\nFurther to my Facebook message last night, my bike "
        f"(black Carrera Vengeance, frame number WB7731K) was stolen from outside {place}. "
        f"Crime reference {reference}. The CCTV camera above the entrance should have caught "
        f"it. I have attached a photo of the bike.\n\nKind regards,\n{person.name}"
    )
    truth = Truth(
        Priority.P3,
        ("crime.theft",),
        person.key,
        Disposition.CASE,
        "crossover.bike_theft",
        incident,
        case,
    )
    subject, photos = f"Stolen bike - {reference}", ("IMG_4471.jpg", "IMG_4472.jpg")
    return [
        Draft(scene.kit.messenger(person, scene.casual(message, "angry", 0.4), first_at), truth),
        Draft(scene.kit.email(person, subject, body, second_at, attachments=photos), truth),
    ]


STORYLINES = (harassment_whatsapp_then_sms, stolen_bike_messenger_then_email)
