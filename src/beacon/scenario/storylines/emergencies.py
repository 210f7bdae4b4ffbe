"""The few true P1s after midnight, hidden among hundreds of ordinary messages.

- Domestic abuse in progress from someone who cannot phone: WhatsApp, then SMS from the same
  number when no reply comes fast enough.
- A self-harm risk by Instagram DM, and a worried friend about the same person on Messenger.
- A man with a knife outside a shop, posted publicly on X and texted by a second witness.
"""

from __future__ import annotations

from beacon.scenario.force import SHOPS
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.scene import Scene

_DA_FIRST = (
    "he's downstairs, I can't call, please send someone to {address}. he's been drinking and "
    "smashing things. please don't ring me he will hear",
    "please help im locked in the bathroom at {address}. my partner hit me and he's trying to "
    "get in. I cant phone he'll hear me. dont call back",
    "I can't speak. {address}. my ex got in and he's got hold of my daughter's arm and won't let "
    "go. please come. texting because I can't call",
)
_DA_CHASE = ("please hurry he's on the stairs", "are you coming??", "he's banging on the door now")
_DA_SMS = (
    "did u get my whatsapp?? {address} please send someone cant ring",
    "this is the police text number right? {address} he is hurting me I can't talk. please",
)


def domestic_abuse_cannot_phone(scene: Scene) -> list[Draft]:
    victim = scene.people.new(phone=True)
    street = scene.street()
    address = scene.address(street)
    incident, case = scene.key("incident", "domestic-abuse"), scene.key("case", "domestic-abuse")
    truth = Truth(
        Priority.P1,
        ("threat_to_life", "domestic_abuse"),
        victim.key,
        Disposition.CASE,
        "emergency.domestic_abuse",
        incident,
        case,
    )
    first_at = scene.between(scene.at(0, 40), scene.at(2, 30))
    chase_at = scene.after(first_at, 60, 150)
    sms_at = scene.after(chase_at, 120, 300)
    kit = scene.kit
    return [
        Draft(kit.whatsapp(victim, scene.pick(_DA_FIRST).format(address=address), first_at), truth),
        Draft(kit.whatsapp(victim, scene.pick(_DA_CHASE), chase_at), truth),
        Draft(kit.sms(victim, scene.pick(_DA_SMS).format(address=address), sms_at), truth),
    ]


_SELF_HARM = (
    "i dont want to be here anymore. im at {place} by the water. not sure why im messaging u",
    "sorry to bother you. I've taken all my tablets and I just want it to stop. I'm at home "
    "{address}",
    "cant do this anymore. going to end it tonight. nobody will miss me",
)
_FRIEND = (
    "My friend {name} has just sent me a message saying goodbye and that she's taken tablets. She "
    "lives at {address}. I'm in Manchester I can't get to her. Please can someone go round",
    "hi my mate {name} is posting on snap that he's going to kill himself, he's at {place}. please "
    "help, his phone is going straight to voicemail",
)


def self_harm_risk(scene: Scene) -> list[Draft]:
    person, friend = scene.people.new(), scene.people.new()
    street = scene.street()
    words = {
        "place": scene.pick(("the canal towpath", "the bridge on " + street.name)),
        "address": scene.address(street),
        "name": person.first,
    }
    incident, case = scene.key("incident", "self-harm"), scene.key("case", "self-harm")
    categories = ("self_harm", "threat_to_life")
    first_at = scene.between(scene.at(2, 0), scene.at(4, 30))
    friend_at = scene.after(first_at, 240, 900)
    return [
        Draft(
            scene.kit.instagram_dm(person, scene.pick(_SELF_HARM).format(**words), first_at),
            Truth(
                Priority.P1,
                categories,
                person.key,
                Disposition.CASE,
                "emergency.self_harm",
                incident,
                case,
            ),
        ),
        Draft(
            scene.kit.messenger(friend, scene.pick(_FRIEND).format(**words), friend_at),
            Truth(
                Priority.P1,
                categories,
                friend.key,
                Disposition.CASE,
                "emergency.self_harm",
                incident,
                case,
            ),
        ),
    ]


_KNIFE_POST = (
    "{handle} there's a lad waving a knife about outside {shop} on {street} right now, people "
    "running off. send someone!!",
    "{handle} man with a big knife shouting at people outside {shop} {street}. please come quick",
    "{handle} someone's just pulled a blade on a kid outside {shop} on {street}. police needed NOW",
)
_KNIFE_SMS = (
    "Hi, man with a knife outside {shop} on {street}, grey hoodie, he's chasing someone towards "
    "the park. I daren't ring in case he sees me",
    "knife outside {shop} {street}. hes still there. 2 lads on bikes with him",
)


def person_with_knife(scene: Scene) -> list[Draft]:
    poster, witness = scene.people.new(), scene.people.new(phone=True)
    street, shop = scene.street(), scene.pick(SHOPS)
    words = {"shop": shop, "street": street.name, "handle": "@WestBurnPolice"}
    incident, case = scene.key("incident", "knife"), scene.key("case", "knife")
    categories = ("threat_to_life", "crime.violence", "weapon")
    posted_at = scene.between(scene.at(0, 5), scene.at(1, 45))
    texted_at = scene.after(posted_at, 45, 400)
    post = scene.kit.x_post(
        poster,
        scene.casual(scene.pick(_KNIFE_POST).format(**words), "urgent"),
        posted_at,
        place=scene.place(street),
    )
    text = scene.kit.sms(witness, scene.pick(_KNIFE_SMS).format(**words), texted_at)
    return [
        Draft(
            post,
            Truth(
                Priority.P1,
                categories,
                poster.key,
                Disposition.CASE,
                "emergency.knife",
                incident,
                case,
            ),
        ),
        Draft(
            text,
            Truth(
                Priority.P1,
                categories,
                witness.key,
                Disposition.CASE,
                "emergency.knife",
                incident,
                case,
            ),
        ),
    ]


STORYLINES = (domestic_abuse_cannot_phone, self_harm_risk, person_with_knife)
