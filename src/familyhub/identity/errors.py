"""The one error every standardiser raises."""

from __future__ import annotations


class InvalidValueError(ValueError):
    """A value that cannot be normalised; ``reason`` says why in words a data team can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
