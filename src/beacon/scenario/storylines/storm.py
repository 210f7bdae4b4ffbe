"""A retweet storm: one missing-person appeal shared hundreds of times, with a few needles in it.

The force posts the appeal on X and Facebook at the start of the shift. Retweets, quotes, shares,
copy-pasted "RT @WestBurnPolice: ..." near-copies and "shared x" comments follow, thinning out
through the night. Hidden among them are a few genuine sightings (P2, they belong in the case).
Before dawn the force posts that the person is found, and a few people reply with relief.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from beacon.messages import InboundMessage
from beacon.scenario.force import ACCOUNTS, PLACES, SHOPS, TOWN
from beacon.scenario.model import Disposition, Draft, Priority, Truth
from beacon.scenario.people import Citizen
from beacon.scenario.scene import Scene

FORCE_PERSON = "person:force"
_MISSING = (
    ("Mia", 14, "she", "a black North Face coat, grey joggers and white trainers"),
    ("Arthur", 82, "he", "a flat cap, brown cord trousers and slippers; he has dementia"),
    ("Kacper", 15, "he", "a blue Burnhaven FC shirt and a black puffer jacket"),
)
_QUOTES = (
    "Please share, {pronoun}'s only {age} 🙏",
    "RT pls everyone in {town}",
    "hope {name} is found safe x",
    "Please keep an eye out if you're out tonight",
    "sharing 💔",
    "Eyes peeled everyone",
    "share share share",
    "my cousin lives round there, sharing",
    "This is near me. Sharing",
)
_FB_SHARE_TEXT = (
    "",
    "",
    "Please share",
    "Please keep an eye out x",
    "Sharing ❤️",
    "So worrying. Please share",
    "Please look out for {name} 🙏",
)
_FB_COMMENTS = (
    "Shared",
    "shared x",
    "Shared 🙏",
    "Praying {pronoun}'s found safe ❤️",
    "Shared on my page",
    "Done 💙",
)
_SIGHTINGS = (
    "I think I've just seen {name} at {place}, matches the description, {pronoun} was with an "
    "older lad in a grey car",
    "{handle} pretty sure {pronoun} was outside {shop} about 20 mins ago heading towards {place}",
    "Saw someone like this by {place} at about half 11, same coat. Hope that helps",
)
_RELIEF = (
    "Brilliant news 🙌",
    "thank god for that",
    "so glad {pronoun}'s safe ❤️",
    "Great news, well done everyone",
    "Phew 🙏",
)


@dataclass(frozen=True)
class Appeal:
    name: str
    age: int
    pronoun: str
    clothes: str
    postcode: str
    street: str

    def words(self) -> dict[str, object]:
        return {
            "name": self.name,
            "age": self.age,
            "pronoun": self.pronoun,
            "town": TOWN,
            "handle": ACCOUNTS.x_handle,
        }


def missing_person_appeal(scene: Scene, size: int) -> list[Draft]:
    """Exactly `size` messages: two appeal posts, the storm, sightings, the update and relief."""
    name, age, pronoun, clothes = scene.pick(_MISSING)
    street = scene.street()
    appeal = Appeal(name, age, pronoun, clothes, street.postcode, street.name)
    incident, case = scene.key("incident", "missing-person"), scene.key("case", "missing-person")
    posted_at = scene.between(scene.at(22, 5), scene.at(22, 25))
    x_post = scene.kit.force_post(_appeal_text(appeal, "#Find" + name), posted_at)
    fb_post = scene.kit.facebook_page_post(
        _appeal_text(appeal, "Please share."), scene.after(posted_at, 30, 90)
    )
    official = Truth(
        Priority.P4,
        ("missing_person", "information"),
        FORCE_PERSON,
        Disposition.MONITOR,
        "storm.appeal",
        incident,
    )
    found_at = scene.between(scene.at(4, 10), scene.at(5, 0))
    drafts = [Draft(x_post, official), Draft(fb_post, official)]
    drafts += _sightings(scene, appeal, x_post, fb_post, incident, case, found_at)
    drafts += _found(scene, appeal, incident, found_at)
    storm_size = max(size - len(drafts), 0)
    drafts += _storm(scene, appeal, x_post, fb_post, incident, storm_size, found_at)
    return drafts


def _appeal_text(appeal: Appeal, tail: str) -> str:
    return (
        f"MISSING | Can you help us find {appeal.name}, {appeal.age}? "
        f"{appeal.pronoun.capitalize()} "
        f"was last seen on {appeal.street}, {appeal.postcode} at about 6pm wearing "
        f"{appeal.clothes}. "
        f"If you see {appeal.name} call 999, or 101 with any information quoting log 1432. {tail}"
    )


def _storm(
    scene: Scene,
    appeal: Appeal,
    x_post: InboundMessage,
    fb_post: InboundMessage,
    incident: str,
    count: int,
    until: datetime,
) -> list[Draft]:
    drafts = []
    for _ in range(count):
        who = scene.people.new()
        delay = timedelta(seconds=60 + int(scene.rng.expovariate(1 / 2700)))
        at = min(x_post.created_at + delay, until)
        message, kind = _one_share(scene, appeal, who, x_post, fb_post, at)
        truth = Truth(
            Priority.P4,
            ("missing_person", "information"),
            who.key,
            Disposition.CLOSE,
            f"storm.{kind}",
            incident,
        )
        drafts.append(Draft(message, truth))
    return drafts


def _one_share(
    scene: Scene,
    appeal: Appeal,
    who: Citizen,
    x_post: InboundMessage,
    fb_post: InboundMessage,
    at: datetime,
) -> tuple[InboundMessage, str]:
    roll, kit, words = scene.rng.random(), scene.kit, appeal.words()
    if roll < 0.62:
        return kit.x_retweet(who, x_post, at), "retweet"
    if roll < 0.72:
        text = scene.casual(scene.pick(_QUOTES).format(**words), "worried", 0.4)
        return kit.x_post(who, text, at, quote_of=x_post), "quote"
    if roll < 0.80:
        return kit.x_post(who, _near_copy(scene, x_post.text, appeal), at), "copy"
    if roll < 0.94:
        text = scene.pick(_FB_SHARE_TEXT).format(**words)
        return kit.facebook_share(who, fb_post, at, text), "share"
    text = scene.pick(_FB_COMMENTS).format(**words)
    return kit.facebook_comment(who, text, at, on_post=fb_post.provider_message_id), "comment"


def _near_copy(scene: Scene, text: str, appeal: Appeal) -> str:
    """A hand-copied appeal: a prefix, a cut, a changed word; near enough to collapse, not equal."""
    copy = f"RT {ACCOUNTS.x_handle}: {text}"
    edits = scene.rng.sample(range(5), k=scene.rng.randint(1, 3))
    if 0 in edits:
        copy = copy[: scene.rng.randint(120, len(copy) - 10)] + "…"
    if 1 in edits:
        copy = copy.lower()
    if 2 in edits:
        copy = copy.replace("Can you help us find", "Please help find")
    if 3 in edits:
        copy += scene.pick((" 🙏", " PLEASE SHARE", f" #{TOWN}", " x"))
    if 4 in edits:
        copy = copy.replace("MISSING | ", "‼️MISSING‼️ ")
    return copy


def _sightings(
    scene: Scene,
    appeal: Appeal,
    x_post: InboundMessage,
    fb_post: InboundMessage,
    incident: str,
    case: str,
    before: datetime,
) -> list[Draft]:
    words = {**appeal.words(), "place": "", "shop": scene.pick(SHOPS)}
    drafts = []
    for channel in ("x", "facebook", "whatsapp"):
        who = scene.people.new(phone=channel == "whatsapp")
        words["place"] = scene.pick(PLACES)
        text = scene.pick(_SIGHTINGS).format(**words)
        at = scene.between(scene.at(23, 0), before - timedelta(minutes=30))
        if channel == "x":
            message = scene.kit.x_post(who, scene.casual(text, "worried", 0.3), at, reply_to=x_post)
        elif channel == "facebook":
            message = scene.kit.facebook_comment(who, text, at, on_post=fb_post.provider_message_id)
        else:
            message = scene.kit.whatsapp(who, text.replace(ACCOUNTS.x_handle + " ", ""), at)
        truth = Truth(
            Priority.P2,
            ("missing_person", "information"),
            who.key,
            Disposition.CASE,
            "storm.sighting",
            incident,
            case,
        )
        drafts.append(Draft(message, truth))
    return drafts


def _found(scene: Scene, appeal: Appeal, incident: str, found_at: datetime) -> list[Draft]:
    text = (
        f"UPDATE | {appeal.name} has been found safe and well. Thank you to everyone who shared "
        "our appeal overnight."
    )
    update = scene.kit.force_post(text, found_at)
    drafts = [
        Draft(
            update,
            Truth(
                Priority.P4,
                ("missing_person", "information"),
                FORCE_PERSON,
                Disposition.CLOSE,
                "storm.update",
                incident,
            ),
        )
    ]
    for _ in range(4):
        who = scene.people.new()
        reply = scene.pick(_RELIEF).format(**appeal.words())
        message = scene.kit.x_post(who, reply, scene.after(found_at, 60, 3600), reply_to=update)
        drafts.append(
            Draft(
                message,
                Truth(
                    Priority.P4,
                    ("information",),
                    who.key,
                    Disposition.CLOSE,
                    "storm.relief",
                    incident,
                ),
            )
        )
    return drafts
