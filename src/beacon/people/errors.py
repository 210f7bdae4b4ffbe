"""What people operations refuse, as typed errors the web layer turns into problem+json."""

from __future__ import annotations


class NotFound(LookupError):
    """No such record in this force (another force's id is not found either)."""


class Refused(ValueError):
    """The operation is not allowed as asked; the message says why."""


class Forbidden(PermissionError):
    """The person's role does not allow the operation; the message says whose it is."""
