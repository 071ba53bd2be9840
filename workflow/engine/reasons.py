"""Reasons the system gives when it refuses something, kept free of Flask.

The engine and the commands speak in :class:`Reason` values (a message id
plus its parameters); the web layer translates them into the reader's
language. ``N_`` only marks a message id for extraction by Babel.
"""
from dataclasses import dataclass, field


def N_(msgid: str) -> str:
    """Mark a message id for translation without translating it here."""
    return msgid


@dataclass(frozen=True)
class Reason:
    msgid: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % self.params if self.params else self.msgid


class Refusal(Exception):
    """An action was refused; ``kind`` maps to an HTTP status in the web layer.

    kinds: ``forbidden`` (403: the role may not), ``conflict`` (409: the
    state or a guard does not allow it now), ``not_found`` (404),
    ``invalid`` (400/422: the input is wrong, ``errors`` per field).
    """

    def __init__(self, kind: str, reason: Reason, errors: dict | None = None):
        super().__init__(str(reason))
        self.kind = kind
        self.reason = reason
        self.errors = errors or {}
