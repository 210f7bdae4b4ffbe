"""Triage speed on one core: the lexicon alone versus the full triage (lexicon, model, places,
language), with latency percentiles and peak memory.

    .venv/bin/python bench/triage_speed.py [--messages 20000]

Messages are synthetic (templates with random fillers, 2% in Welsh or Polish so the slower
language-detection path is exercised as often as a real stream would; the foreign messages are
assembled from random fragments so that langdetect's per-text cache is not what is measured).
Throughput is given twice: by the wall clock, and by this process's CPU time, which is what one
core delivers when the machine is shared with other work (the wall-clock figure then also counts
the time other processes held the core).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time

from beacon.triage import TriageEngine

TEMPLATES = [
    "there is a {who} with a {thing} outside {place} right now please help",
    "{who} has gone missing from {place}, last seen {when}",
    "my {thing} was stolen from {place} {when}, how do i report it",
    "loud music and {who} shouting on {place} again every night",
    "RT @news: {thing} reported near {place} {when}, roads closed #breaking",
    "lovely {when} at {place} with the family 😊",
    "not an emergency but someone keyed my car on {place} {when}",
    "I cant call, he is in the house and I am scared, {place}",
    "flood water rising fast on {place}, people trapped in cars",
    "great work by the officers at {place} {when}, thank you",
]
FILL = {
    "who": ["man", "woman", "group of lads", "teenager", "old man", "neighbour", "driver"],
    "thing": ["knife", "bike", "phone", "car", "dog", "bag", "fire", "gun", "wallet"],
    "place": ["Briggate LS1 4AB", "the park", "Otley Road", "Harehills Lane", "the station",
              "LS11", "Town Street", "the corner shop", "Roundhay Park"],
    "when": ["last night", "this morning", "yesterday", "just now", "at 3am", "earlier today"],
}
FOREIGN = [
    ["mae dyn yn ymosod ar fy nghymydog", "ar y stryd", "ffoniwch yr heddlu", "yn syth os gwelwch",
     "mae o wedi torri ffenest y car", "neithiwr tua hanner nos", "does neb wedi brifo"],
    ["dzień dobry", "chciałbym zgłosić kradzież roweru", "spod bloku", "wczoraj wieczorem",
     "sąsiad krzyczy na dzieci", "proszę o pomoc", "ktoś rozbił szybę w samochodzie"],
]


def messages(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.02:
            out.append(", ".join(rng.sample(rng.choice(FOREIGN), 4)))
        else:
            out.append(rng.choice(TEMPLATES).format(**{k: rng.choice(v) for k, v in FILL.items()}))
    return out


def measure(engine: TriageEngine, texts: list[str]) -> dict[str, float]:
    latencies = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for text in texts:
        tick = time.perf_counter()
        engine.triage(text)
        latencies.append(time.perf_counter() - tick)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    cuts = statistics.quantiles(latencies, n=1000)
    return {"rate": len(texts) / elapsed, "cpu rate": len(texts) / cpu, "p50": cuts[499] * 1e3,
            "p95": cuts[949] * 1e3, "p99": cuts[989] * 1e3, "max": max(latencies) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--core", type=int, default=None, help="CPU to pin to [lowest allowed]")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0)) if args.core is None else args.core})
    texts = messages(args.messages)
    tick = time.perf_counter()
    lexicon_only = TriageEngine.load(use_model=False)
    lexicon_load = time.perf_counter() - tick
    tick = time.perf_counter()
    full = TriageEngine.load()
    full_load = time.perf_counter() - tick
    for engine in (lexicon_only, full):
        for text in texts[:500]:
            engine.triage(text)  # warm up (langdetect loads its profiles on first use)
    results = {"lexicon alone": measure(lexicon_only, texts), "full triage": measure(full, texts)}
    print(f"{args.messages} synthetic messages, one core; model {full.version}")
    print(f"load: lexicon alone {lexicon_load:.2f}s, full {full_load:.2f}s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; pinned to "
          f"{sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '-'}")
    print(f"{'run':<15}{'msg/s':>9}{'cpu msg/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")
    for name, row in results.items():
        print(f"{name:<15}{row['rate']:>9.0f}{row['cpu rate']:>11.0f}{row['p50']:>9.3f}"
              f"{row['p95']:>9.3f}{row['p99']:>9.3f}{row['max']:>9.1f}")
    ratio = results["full triage"]["rate"] / results["lexicon alone"]["rate"]
    print(f"full triage / lexicon alone throughput: {ratio:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")
    for clock, key in (("wall clock", "rate"), ("CPU time", "cpu rate")):
        verdict = "meets" if results["full triage"][key] >= 2000 else "MISSES"
        print(f"target 2,000 msg/s per core for full triage, by {clock}: {verdict}")


if __name__ == "__main__":
    main()
