"""Side effects after commit: queue them with the change, send them from the outbox."""

from beacon.outbox.queue import enqueue
from beacon.outbox.dispatch import Dispatcher, SendResult, Sender

__all__ = ["Dispatcher", "SendResult", "Sender", "enqueue"]
