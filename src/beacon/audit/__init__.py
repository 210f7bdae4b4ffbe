"""The append-only, hash-chained record of who saw and did what, and its verifier."""

from beacon.audit.log import Action, Actor, append_event, verify_chain

__all__ = ["Action", "Actor", "append_event", "verify_chain"]
