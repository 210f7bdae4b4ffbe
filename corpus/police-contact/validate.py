"""Check a writer's JSONL file against SPEC.md: python3 validate.py FILE [FILE ...]"""

import json
import sys
from collections import Counter

CHANNELS = {"x", "facebook", "messenger", "instagram", "whatsapp", "sms", "email", "webform", "webchat"}
PRIORITIES = {"P1", "P2", "P3", "P4"}
CATEGORIES = {
    "threat_to_life", "violence_weapons", "domestic_abuse", "sexual_offence", "self_harm", "mental_health",
    "missing_person", "road_collision", "fire_explosion", "hazard", "crime.burglary", "crime.theft",
    "crime.fraud", "crime.hate", "crime.criminal_damage", "crime.drugs", "crime.online", "child_protection",
    "anti_social_behaviour", "request_help", "request_information", "information", "complaint",
    "non_police", "irrelevant",
}
VULNERABILITIES = {"child", "older_person", "disability", "mental_health", "self_harm", "cannot_call",
                   "repeat_victim", "domestic_abuse", "intoxicated", "language_barrier"}
REPORTERS = {"self", "third_party", "witness", "none"}
TAGS = {"banter", "sarcasm", "hidden_distress", "appeal_reply", "near_duplicate", "long", "typos", "slang",
        "emoji", "no_punctuation", "code_switch", "past", "ongoing", "offender_present", "follow_up"}


def check(path: str) -> list[str]:
    problems, ids, texts = [], set(), Counter()
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{where}: not JSON: {error}")
                continue
            rows.append(row)
            for name, kind in (("id", str), ("text", str), ("channel", str), ("language", str),
                               ("priority", str), ("categories", list), ("vulnerabilities", list),
                               ("reporter", str), ("tags", list)):
                if not isinstance(row.get(name), kind):
                    problems.append(f"{where}: {name} missing or not {kind.__name__}")
            if problems and problems[-1].startswith(where):
                continue
            if row["id"] in ids:
                problems.append(f"{where}: duplicate id {row['id']}")
            ids.add(row["id"])
            texts[row["text"].strip().lower()] += 1
            if not row["text"].strip():
                problems.append(f"{where}: empty text")
            if row["channel"] not in CHANNELS:
                problems.append(f"{where}: channel {row['channel']!r}")
            if row["priority"] not in PRIORITIES:
                problems.append(f"{where}: priority {row['priority']!r}")
            if not row["categories"] or set(row["categories"]) - CATEGORIES:
                problems.append(f"{where}: categories {row['categories']!r}")
            if set(row["vulnerabilities"]) - VULNERABILITIES:
                problems.append(f"{where}: vulnerabilities {row['vulnerabilities']!r}")
            if row["reporter"] not in REPORTERS:
                problems.append(f"{where}: reporter {row['reporter']!r}")
            if set(row["tags"]) - TAGS:
                problems.append(f"{where}: tags {sorted(set(row['tags']) - TAGS)!r}")
            if "near_duplicate" in row["tags"] and not row.get("dup_of"):
                problems.append(f"{where}: near_duplicate without dup_of")
    exact = sum(count - 1 for count in texts.values() if count > 1)
    if exact:
        problems.append(f"{path}: {exact} rows repeat another row's text exactly")
    if rows:
        print(f"{path}: {len(rows)} rows; priorities {dict(sorted(Counter(r.get('priority') for r in rows).items()))}; "
              f"channels {dict(Counter(r.get('channel') for r in rows).most_common())}; "
              f"languages {dict(Counter(r.get('language') for r in rows).most_common())}")
    return problems


def main() -> None:
    problems = [problem for path in sys.argv[1:] for problem in check(path)]
    for problem in problems[:50]:
        print(problem)
    if problems:
        sys.exit(f"{len(problems)} problems")
    print("OK")


if __name__ == "__main__":
    main()
