"""Staff protection: which messages may distress the handler reading them. Their text is folded
and their images blurred until the handler chooses to look (see `web/templates/_protect.html`).

Flagged by triage's categories where the content itself is usually harrowing, or by words that
describe injury, death or abuse of children. Erring towards folding costs one click; not folding
costs far more.
"""

from __future__ import annotations

import re
from typing import Any

DISTRESSING_CATEGORIES = frozenset({"self_harm", "threat_to_life", "violence_weapons"})
_WORDS = re.compile(
    r"\b(blood(y|ied)?|bleeding|dead body|corpse|gore|beheading|decapitat\w*|stab(bed|bing)|"
    r"hanging|hanged|suicide note|mutilat\w*|child abuse|abused (a|the) child|indecent image\w*|"
    r"rape[ds]?|raping|graphic)\b",
    re.I,
)


def is_distressing(text: str, categories: list[Any] | tuple[Any, ...] | None = None) -> bool:
    if categories and DISTRESSING_CATEGORIES.intersection(str(c) for c in categories):
        return True
    return bool(_WORDS.search(text or ""))


def message_is_distressing(message: Any) -> bool:
    """For templates: any object with `text` and `categories` (a stored Message)."""
    if message is None:
        return False
    return is_distressing(getattr(message, "text", "") or "", getattr(message, "categories", None))
