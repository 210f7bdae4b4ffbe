"""The order a worker processes a shard's entries in, when some came down the priority lane.

A likely emergency jumps the queue, but its conversation's earlier messages must not be left
behind it: the first of a person's messages opens their case and the later ones attach to it, so
running a P1 before the same person's earlier message would change which message opened the case
and the order of the case's lines. So each priority message takes its conversation's earlier,
still unprocessed messages with it, in arrival order; their own ordinary entries are delivered
later and skipped (the runner leaves a processed message alone).

Later messages cannot overtake a priority one either: a worker reads a shard's ordinary lane
before its priority lane, under the shard lock, so a priority entry published before an ordinary
one it read is read too, and priority entries are processed first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.store.tables import Message

# A conversation with more unprocessed messages than this before its P1 (a flood from one
# author) lets the P1 overtake the rest: bounded work beats a P1 waiting on thousands.
EARLIER_LIMIT = 500


def processing_order(session: Session, urgent_ids: Sequence[int], ordinary_ids: Sequence[int]) -> list[int]:
    """Each urgent message after its conversation's earlier unprocessed ones, then the rest."""
    order: list[int] = []
    for message_id in urgent_ids:
        order += earlier_in_conversation(session, message_id)
        order.append(message_id)
    order += ordinary_ids
    return list(dict.fromkeys(order))  # first occurrence wins: each message once, in that order


def earlier_in_conversation(session: Session, message_id: int) -> list[int]:
    """Unprocessed messages of the same conversation key stored before this one, oldest first."""
    message = session.get(Message, message_id)
    if message is None:
        return []
    query = select(Message.id).where(
        Message.state == "received", Message.id < message_id,
        Message.force_id == message.force_id, Message.channel == message.channel,
    )
    if message.shared_of:  # the same key as redis_streams.conversation_key
        query = query.where(Message.shared_of == message.shared_of)
    else:
        query = query.where(Message.author_id == message.author_id,
                            or_(Message.shared_of.is_(None), Message.shared_of == ""))
    newest = session.scalars(query.order_by(Message.id.desc()).limit(EARLIER_LIMIT)).all()
    return sorted(newest)
