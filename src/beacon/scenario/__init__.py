"""Realistic, seeded scenarios of what citizens send the force, with the truth beside each message.

`generate_night_shift(seed)` returns a night shift's messages (each the JSON form of
`beacon.messages.InboundMessage`) and a truth record for each: intended priority, categories,
person, incident, case and disposition. See docs/scenario.md.
"""

from beacon.scenario.night_shift import DEFAULT_MESSAGES, DEFAULT_NIGHT, generate_night_shift

__all__ = ["DEFAULT_MESSAGES", "DEFAULT_NIGHT", "generate_night_shift"]
