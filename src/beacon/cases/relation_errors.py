"""The one error of cases that relate, apart from `Hidden` and `CaseForbidden`: its own module so
that lifecycle (a merged case is not reopened) and relations can both raise it."""

from __future__ import annotations


class RelationRefused(Exception):
    """The change breaks a rule; `code` is stable for API clients, `conflict` says whether it is
    the cases' state (409) rather than the request itself (422) that refuses it."""

    def __init__(self, detail: str, code: str, *, conflict: bool = True) -> None:
        super().__init__(detail)
        self.detail, self.code, self.conflict = detail, code, conflict
