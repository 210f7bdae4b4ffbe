"""A THRIVE-style risk breakdown (Threat, Harm, Risk, Investigation, Vulnerability, Engagement),
each in [0, 1], from the same evidence as the priority. It explains a grade; it does not set it."""

from __future__ import annotations

from beacon.triage.policy import Decision

_THREAT = ("threat_to_life", "violence_weapons", "self_harm", "domestic_abuse", "fire_explosion")
_SEVERITY = {"P1": 1.0, "P2": 0.75, "P3": 0.5, "P4": 0.2}
_ENGAGEMENT = ("request_help", "request_information", "complaint")


def thrive(decision: Decision, severities: dict[str, str], past: bool) -> dict[str, float]:
    """`severities`: each found category's own priority (before safety rules)."""
    scores = decision.categories
    threat = max((scores.get(slug, 0.0) for slug in _THREAT), default=0.0)
    harm = max((score * _SEVERITY[severities.get(slug, "P4")] for slug, score in scores.items()),
               default=0.0)
    investigation = max(
        (score for slug, score in scores.items()
         if slug.startswith("crime.") or slug in ("violence_weapons", "domestic_abuse",
                                                  "information", "anti_social_behaviour")),
        default=0.0,
    )
    vulnerability = max(decision.vulnerabilities.values(), default=0.0)
    engagement = max([scores.get(slug, 0.0) for slug in _ENGAGEMENT]
                     + [decision.vulnerabilities.get("cannot_call", 0.0)])
    return {
        "threat": round(threat * (0.6 if past else 1.0), 3),
        "harm": round(harm, 3),
        "risk": round(decision.urgency, 3),
        "investigation": round(investigation, 3),
        "vulnerability": round(vulnerability, 3),
        "engagement": round(engagement, 3),
    }
