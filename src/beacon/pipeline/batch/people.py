"""The people stage over a batch: identities resolved from memory, evidence and repeat contact
counted against what was loaded for the batch's authors and keys, plus what the batch decided."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from beacon.audit.log import Action, Actor
from beacon.people.candidates import similar_name_evidence
from beacon.people.normalise import Key, comparable_name, keys_in_text, strong_keys
from beacon.people.settings import load_people_settings
from beacon.pipeline.batch.context import BatchContext, Decided
from beacon.pipeline.batch.state import LEGACY_CHANNELS, QuotedRef, load_history, load_people
from beacon.routing.attach import other_references
from beacon.routing.disposition import posted_by_force
from beacon.store.tables import Identity, Person
from beacon.store.tables_people import ContactFlag, IdentityKey, PersonCandidate, QuotedReference

_CANDIDATE_COLUMNS = tuple(c.name for c in PersonCandidate.__table__.columns)


def resolve_authors(ctx: BatchContext, batch: list[Decided]) -> None:
    """Every message's person, in order (a later message finds the identity an earlier one made);
    then the contact history of every person the batch touches, in one query."""
    for decided in batch:
        row = decided.row
        decided.keys = strong_keys(row.channel, row.author_id, row.author_handle)
        if posted_by_force(row):
            decided.keys.append(Key("force", str(row.force_id)))
        decided.text_keys = keys_in_text(row.text)
    values = {k.value for d in batch for k in (*d.keys, *d.text_keys)}
    load_people(ctx.session, ctx.state, {d.row.author_id for d in batch}, values)
    for decided in batch:
        _resolve(ctx, decided)
    rules = _rules(ctx)
    persons = {d.row.person_id for d in batch if not d.new_person and d.row.person_id is not None}
    if rules and persons:  # none when the batch is empty: every id was processed already
        widest = timedelta(days=max(rule.days for rule in rules))
        load_history(ctx.session, ctx.state, persons, min(d.row.created_at for d in batch) - widest,
                     max(d.row.created_at for d in batch))


def _resolve(ctx: BatchContext, decided: Decided) -> None:
    row, state = decided.row, ctx.state
    found = state.identities.get((row.force_id, row.channel, row.author_id))
    if found is not None:
        row.person_id = found[1]
        return
    person_id, linked_by = None, None
    for key in decided.keys:
        person_id = state.person_holding(row.force_id, key.kind, key.value)
        if person_id is not None:
            linked_by = key
            break
    if person_id is None:
        person_id = ctx.ids.next(Person.__table__)
        ctx.writes.add(Person, id=person_id, force_id=row.force_id, display_name=row.author_name, created_at=ctx.now)
    identity_id = ctx.ids.next(Identity.__table__)
    ctx.writes.add(Identity, id=identity_id, force_id=row.force_id, person_id=person_id, channel=row.channel,
                   external_id=row.author_id, handle=row.author_handle, display_name=row.author_name)
    state.identities[(row.force_id, row.channel, row.author_id)] = (identity_id, person_id)
    state.new_identities.append((row.force_id, person_id, row.author_name))
    for key in decided.keys:
        link_id = ctx.ids.next(IdentityKey.__table__)
        ctx.writes.add(IdentityKey, id=link_id, force_id=row.force_id, identity_id=identity_id,
                       kind=key.kind, value=key.value)
        state.key_links[(row.force_id, key.kind, key.value)] = (link_id, person_id)
    for kind, channels in LEGACY_CHANNELS.items():
        if row.channel in channels:
            state.legacy_holders.setdefault((row.force_id, kind, row.author_id), person_id)
    row.person_id = person_id
    decided.new_identity, decided.new_person = True, linked_by is None
    if linked_by is not None:
        decided.link_audit = {
            "object_id": person_id, "reason": f"identity linked automatically: same {linked_by.kind}",
            "data": {"identity_id": identity_id, "channel": row.channel, "key": linked_by.kind},
        }


def people_stage(ctx: BatchContext, decided: Decided) -> None:
    """Evidence for candidate matches, the quoted references, repeat-contact flags (in order)."""
    row = decided.row
    if decided.link_audit is not None:
        ctx.audit.add(actor=Actor.system("people"), action=Action.CHANGED, object_type="person",
                      at=ctx.now, force_id=row.force_id, **decided.link_audit)  # type: ignore[arg-type]
    _gather_evidence(ctx, decided)
    for reference in other_references(row.text):
        ctx.state.references.append(QuotedRef(row.force_id, reference, row.id, row.person_id, None))
    if not decided.new_person:
        _flag_repeat_contact(ctx, decided)
    if row.direction == "in" and row.person_id is not None:
        ctx.state.history[row.person_id].append((row.id, row.channel, row.created_at))


def record_references(ctx: BatchContext, decided: Decided) -> None:
    """The message's quoted references, with the case it went to (after the cases stage)."""
    row = decided.row
    for reference in other_references(row.text):
        ctx.writes.add(QuotedReference, force_id=row.force_id, reference=reference, message_id=row.id,
                       case_id=row.case_id)
    for ref in ctx.state.references:
        if ref.message_id == row.id:
            ref.case_id = row.case_id


# ---- candidates ---------------------------------------------------------------------------------


def _gather_evidence(ctx: BatchContext, decided: Decided) -> None:
    from beacon.pipeline.batch.cases import case_by_reference  # the cases module reads people's state

    row = decided.row
    found: dict[int, list[dict[str, Any]]] = {}
    for key in decided.text_keys:
        holder = ctx.state.person_holding(row.force_id, key.kind, key.value)
        if holder is not None and holder != row.person_id:
            found.setdefault(holder, []).append(
                _evidence(f"{key.kind}_in_text", f"a {key.kind} written in the message is theirs", row))
    by_case = case_by_reference(ctx, row)
    owner = by_case[0].record.person_id if by_case is not None else None
    if by_case is not None and owner is not None and owner != row.person_id:
        found.setdefault(owner, []).append(
            _evidence("case_reference", f"{by_case[1]} {by_case[0].record.reference}", row))
    references = set(other_references(row.text))
    for ref in ctx.state.references if references else ():
        if (ref.reference in references and ref.force_id == row.force_id and ref.person_id is not None
                and ref.person_id != row.person_id):
            found.setdefault(ref.person_id, []).append(
                _evidence("case_reference", f"both quoted {ref.reference}", row))
    for other, evidence in (_same_full_name(ctx, row) if found else {}).items():
        if other in found:
            found[other].extend(evidence)
    for other, evidence in found.items():
        _record(ctx, row, other, evidence)


def _same_full_name(ctx: BatchContext, row: Any) -> dict[int, list[dict[str, Any]]]:
    """Rare (only beside other evidence): asks the store, and the batch's new identities."""
    name = comparable_name(row.author_name)
    if len(name.split()) < 2:
        return {}
    surname = name.split()[-1]
    stored = ctx.session.execute(
        select(Identity.person_id, Identity.display_name)
        .where(Identity.force_id == row.force_id, Identity.person_id != row.person_id,
               Identity.display_name.ilike(f"%{surname}%"))
        .limit(200)
    ).all()
    new = [(p, n) for f, p, n in ctx.state.new_identities
           if f == row.force_id and p != row.person_id and n and surname in n.casefold()]
    return similar_name_evidence(name, [*stored, *new], row.id)


def _evidence(kind: str, detail: str, row: Any) -> dict[str, Any]:
    return {"kind": kind, "detail": detail, "message_id": row.id}


def _record(ctx: BatchContext, row: Any, other: int, evidence: list[dict[str, Any]]) -> None:
    low, high = sorted((row.person_id, other))
    candidates = ctx.state.candidates
    candidate = candidates.get((row.force_id, low, high))
    if candidate is None:
        stored = ctx.session.execute(
            select(PersonCandidate.id, PersonCandidate.evidence).where(
                PersonCandidate.force_id == row.force_id, PersonCandidate.person_id == low,
                PersonCandidate.other_person_id == high)
        ).first()
        if stored is not None:
            candidate = {"id": stored.id, "evidence": list(stored.evidence or []), "new": False}
        else:
            candidate = {"id": ctx.ids.next(PersonCandidate.__table__), "evidence": [], "new": True}
            values = dict.fromkeys(_CANDIDATE_COLUMNS)
            values.update(id=candidate["id"], force_id=row.force_id, person_id=low, other_person_id=high,
                          status="open", created_at=ctx.now)
            candidate["values"] = ctx.writes.add(PersonCandidate, **values)
        candidates[(row.force_id, low, high)] = candidate
    known = {(e["kind"], e["detail"]) for e in candidate["evidence"]}
    candidate["evidence"] = candidate["evidence"] + [e for e in evidence if (e["kind"], e["detail"]) not in known]
    if candidate["new"]:
        candidate["values"]["evidence"] = candidate["evidence"]
    else:
        ctx.writes.candidates_changed[candidate["id"]] = candidate["evidence"]


# ---- repeat contact -----------------------------------------------------------------------------


def _rules(ctx: BatchContext) -> list[Any]:
    return list((ctx.people or load_people_settings()).repeat_contact)


def _flag_repeat_contact(ctx: BatchContext, decided: Decided) -> None:
    row = decided.row
    history = [h for h in ctx.state.history.get(row.person_id, ()) if h[0] != row.id and h[2] <= row.created_at]
    this = int(row.direction == "in")
    for rule in _rules(ctx):
        since = row.created_at - timedelta(days=rule.days)
        within = [h for h in history if h[2] > since]
        channels = {h[1] for h in within}
        contacts = len(within) + this
        channel_count = len(channels) + (this if row.channel not in channels else 0)
        if contacts >= rule.contacts and channel_count >= rule.channels:
            ctx.writes.add(
                ContactFlag, force_id=row.force_id, person_id=row.person_id, message_id=row.id, rule=rule.name,
                detail=f"{contacts} contacts in {rule.days:g} days on {channel_count} channel{'s' * (channel_count != 1)}",
                created_at=ctx.now,
            )
