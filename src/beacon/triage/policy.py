"""The policy that turns evidence (lexicon, model, vulnerability, language) into a priority.

Every step that changes the priority appends a named rule to the reasons, so the control room can
see why. The safety rules, in the order applied:

1. Lexicon categories give their priority (adjusted for "happening now" / "earlier").
2. `cannot_call_distress`: someone who says they cannot call, with any sign of harm, is P1;
   `cannot_call`: on its own, at least P2.
3. `vulnerable_person`: a child, older, disabled or mentally unwell person raises a harm or
   missing-person grade by one level.
4. `deescalated`: "not an emergency", "no one hurt", "false alarm" cap the grade at P3 unless a
   strong threat-to-life phrase remains.
5. The model (see `combine_with_model`) can raise a grade, and can lower it, but not at all when
   a strong harm phrase is said to be happening now (`happening_now`), and never below P2 when
   the lexicon saw a clear threat-to-life signal (`threat_to_life_floor`).
6. `language_not_covered`: a language the lexicon and model do not cover is never P4, goes to a
   person, and is P2 if it contains an alarm word in any language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beacon.triage.analysis import LexiconEvidence
from beacon.triage.lexicon import Lexicon
from beacon.triage.result import PRIORITIES, less_urgent, more_urgent, shift

HARM_CATEGORIES = frozenset(
    {"threat_to_life", "violence_weapons", "domestic_abuse", "self_harm", "missing_person",
     "fire_explosion", "crime.burglary", "request_help", "road_collision", "hazard",
     "sexual_offence", "mental_health"}
)
HARM_NOW = ("threat_to_life", "violence_weapons", "domestic_abuse", "self_harm", "sexual_offence",
            "fire_explosion", "missing_person")
VULNERABLE = ("child", "older_person", "disability", "mental_health")
STRONG_THREAT = 0.9
BAND_FLOOR = {"P1": 0.75, "P2": 0.5, "P3": 0.25, "P4": 0.0}


@dataclass
class Decision:
    """The priority as it is being decided, with the reasons collected so far."""

    priority: str = "P4"
    strength: float = 0.0  # 0..1 confidence within the priority band, for ranking
    categories: dict[str, float] = field(default_factory=dict)
    vulnerabilities: dict[str, float] = field(default_factory=dict)
    needs_human: bool = False
    reasons: list[dict[str, Any]] = field(default_factory=list)
    decided_by: str = "lexicon"  # the rule that last set the priority, "model" or "lexicon"
    # Labels only the meaning model found, with its probability. They are shown and counted as
    # vulnerabilities, but the escalation rules below count them only when the model is sure:
    # its label heads are tuned for recall, and its priority head has already read the meaning.
    suggested: dict[tuple[str, str], float] = field(default_factory=dict)  # (head, label) -> p

    def rule(self, name: str, detail: str, priority: str) -> None:
        self.reasons.append({"kind": "rule", "detail": f"{name}: {detail}", "rule": name,
                             "priority": priority})
        self.decided_by = name
        self.priority = priority

    @property
    def urgency(self) -> float:
        return BAND_FLOOR[self.priority] + 0.2499 * min(max(self.strength, 0.0), 1.0)


def decide_from_lexicon(lexicon: Lexicon, evidence: LexiconEvidence) -> Decision:
    threshold = lexicon.settings["category_threshold"]
    weak = lexicon.settings["weak_threshold"]
    decision = Decision()
    decision.categories = {slug: s for slug, s in evidence.categories.items() if s >= weak}
    decision.vulnerabilities = {
        slug: s for slug, s in evidence.vulnerabilities.items() if s >= threshold
    }
    for slug, score in sorted(decision.categories.items(), key=lambda item: -item[1]):
        priority = category_priority(lexicon, evidence, slug)
        if score < threshold:
            priority = shift(priority, 1)
        if PRIORITIES.index(priority) < PRIORITIES.index(decision.priority) or (
            priority == decision.priority and score > decision.strength
        ):
            decision.priority, decision.strength = priority, score
    decision.reasons.extend(match.reason() for match in evidence.matches)
    return decision


def apply_safety_rules(decision: Decision, evidence: LexiconEvidence, threshold: float = 0.5) -> None:
    """Rules 2-4, applied after the model so that the model cannot undo them."""
    apply_harm_now(decision, evidence, threshold)
    apply_vulnerability_rules(decision)
    apply_deescalation(decision, evidence)


def apply_harm_now(decision: Decision, evidence: LexiconEvidence, threshold: float) -> None:
    """`harm_now`: harm to a person (violence, a weapon, strangling, self-harm, sexual assault,
    domestic abuse, fire) said to be happening now or with the danger present is an emergency,
    whoever reports it: P1. Not when the message says it happened earlier, or is banter."""
    if decision.priority == "P1" or not evidence.in_progress or evidence.banter:
        return
    harm = [slug for slug in HARM_NOW if evidence.categories.get(slug, 0.0) >= threshold]
    if harm:
        decision.rule("harm_now", f"{', '.join(harm)} with a sign it is happening now", "P1")
        decision.strength = max(decision.strength, max(evidence.categories[slug] for slug in harm))


def category_priority(lexicon: Lexicon, evidence: LexiconEvidence, slug: str) -> str:
    category = lexicon.categories[slug]
    priority = more_urgent(category.priority, evidence.term_priorities.get(slug, "P4"))
    if evidence.in_progress and category.priority_in_progress:
        return more_urgent(priority, category.priority_in_progress)
    if evidence.past and category.priority_if_past:
        return less_urgent(priority, category.priority_if_past)
    return priority


# A label only the model found escalates a grade only at this probability or above.
SURE_OF_LABEL = 0.6


def _counted(decision: Decision, head: str) -> set[str]:
    labels = getattr(decision, head)
    return {slug for slug in labels if decision.suggested.get((head, slug), 1.0) >= SURE_OF_LABEL}


def apply_vulnerability_rules(decision: Decision) -> None:
    categories = _counted(decision, "categories")
    vulnerabilities = _counted(decision, "vulnerabilities")
    harm = sorted(slug for slug in categories if slug in HARM_CATEGORIES)
    if "cannot_call" in vulnerabilities:
        if harm and decision.priority != "P1":
            decision.rule("cannot_call_distress",
                          f"cannot call safely and reports {', '.join(harm)}", "P1")
        elif decision.priority in ("P3", "P4"):
            decision.rule("cannot_call", "says they cannot call or speak safely", "P2")
        decision.strength = max(decision.strength, decision.vulnerabilities["cannot_call"])
    vulnerable = [slug for slug in VULNERABLE if slug in vulnerabilities]
    # by one level, once: the rules run again when another language's words add who is at risk
    raised = any(reason.get("rule") == "vulnerable_person" for reason in decision.reasons)
    if vulnerable and harm and decision.priority in ("P2", "P3") and not raised:
        decision.rule("vulnerable_person",
                      f"{', '.join(vulnerable)} involved in {', '.join(harm)}",
                      shift(decision.priority, -1))


# A category that says who is at risk: the person in a domestic-abuse, self-harm or mental-health
# report, or the child in a child-protection one, is that vulnerable person whatever words are used.
VULNERABILITY_OF_CATEGORY = {"domestic_abuse": "domestic_abuse", "self_harm": "self_harm",
                             "mental_health": "mental_health", "child_protection": "child"}


def apply_vulnerability_of_category(decision: Decision, threshold: float) -> None:
    for category, vulnerability in VULNERABILITY_OF_CATEGORY.items():
        score = decision.categories.get(category, 0.0)
        if score >= threshold and vulnerability not in decision.vulnerabilities:
            decision.vulnerabilities[vulnerability] = score
            decision.reasons.append({"kind": "vulnerability_of_category",
                                     "detail": f"category {category} ({score:.2f}) marks {vulnerability}"})


def apply_deescalation(decision: Decision, evidence: LexiconEvidence) -> None:
    if evidence.deescalation < 0.5 or decision.priority in ("P3", "P4"):
        return
    if evidence.categories.get("threat_to_life", 0.0) >= STRONG_THREAT:
        decision.reasons.append({"kind": "rule", "rule": "deescalation_overridden",
                                 "detail": "deescalation_overridden: clear threat to life remains"})
        return
    decision.rule("deescalated", "the message says it is not urgent or no one is hurt", "P3")


def apply_language_rule(decision: Decision, language: str | None, alarms: list[str]) -> None:
    """A message the lexicon and model cannot read is never P4 and always goes to a person."""
    decision.needs_human = True
    floor = "P2" if alarms else "P3"
    detail = f"language {language or 'unknown'} is not covered; sent to a person"
    if alarms:
        detail += f"; alarm words: {', '.join(alarms)}"
    if more_urgent(decision.priority, floor) != decision.priority:
        decision.rule("language_not_covered", detail, floor)
    else:  # said, but it did not set the grade
        decision.reasons.append({"kind": "rule", "detail": f"language_not_covered: {detail}",
                                 "rule": "language_not_covered", "priority": decision.priority})
    # Written in another language: whoever answers may need an interpreter to assess the risk.
    # Not Welsh: a Welsh speaker has the right to be answered in Welsh, not a barrier to help.
    if language != "cy":
        decision.vulnerabilities.setdefault("language_barrier", 0.6)
    decision.strength = max(decision.strength, 0.5)
