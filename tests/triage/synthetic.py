"""A fixed synthetic message set for checking that speed work does not change triage results.

Invented text only (templates with fillers, seeded), covering the paths the engine takes:
negation, reported speech, quotes, banter, emoji, URLs, HTML entities, mentions, hashtags,
numbers, postcodes, non-English text and alarm words.
"""

from __future__ import annotations

import random

TEMPLATES = (
    "there is a {who} with a {thing} outside {place} right now please help",
    "{who} has gone missing from {place}, last seen {when}",
    "my {thing} was stolen from {place} {when}, how do i report it",
    "loud music and {who} shouting on {place} again every night",
    "RT @news: {thing} reported near {place} {when}, roads closed #breaking https://t.co/x1",
    "lovely {when} at {place} with the family 😊",
    "not an emergency but someone keyed my car on {place} {when}",
    "I can't call, he is in the house and I am scared, {place}",
    "flood water rising fast on {place}, people trapped in cars &amp; need rescue",
    "great work by the officers at {place} {when}, thank you",
    "police said a {who} was stabbed near {place} {when}",
    "\"I'll kill you\" he shouted at the {who} on {place} lol 😂",
    "nobody was hurt, false alarm at {place}",
    "URGENT!! {who} collapsed at {place}, not breathing, 999 called",
    "my ex keeps texting me threats, I'm scared he will come to {place}",
    "thoughts with everyone after the shooting at {place} {when} #prayers",
    "@WestBurnPolice {who} setting fire to bins on {place} {when}",
    "house fire on {place}, smoke everywhere, kids inside!!",
    "earthquake felt in {place}, magnitude 5.1, buildings damaged",
    "donate to the relief fund for {place} victims http://example.org/give",
)
FILL = {
    "who": ("man", "woman", "group of lads", "teenager", "old man", "neighbour", "driver", "child"),
    "thing": ("knife", "bike", "phone", "car", "dog", "bag", "fire", "gun", "wallet"),
    "place": ("Hargreaves Street BB11 1DU", "the park", "Victoria Road", "Colne Road",
              "the bus station", "BB10", "Church Street", "the Co-op", "Thompson Park",
              "the Weavers Arms", "LS6 3AA"),
    "when": ("last night", "this morning", "yesterday", "just now", "at 3am", "earlier today"),
}
FOREIGN = (
    "Mae dyn yn ymosod ar fy nghymydog ar y stryd, ffoniwch yr heddlu",
    "Dzień dobry, chciałbym zgłosić kradzież roweru spod bloku wczoraj wieczorem",
    "pomocy! ktoś wybił okno w samochodzie na parkingu",
    "Ayuda por favor, hay un incendio en mi edificio",
    "Помогите, на улице драка",
    "help",
    "",
)


def synthetic_messages(count: int = 400, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = list(FOREIGN)
    while len(out) < count:
        template = rng.choice(TEMPLATES)
        text = template.format(**{key: rng.choice(values) for key, values in FILL.items()})
        out.append(text.upper() if rng.random() < 0.05 else text)
    return out
