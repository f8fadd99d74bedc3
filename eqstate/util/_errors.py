"""The errors of `eqstate.util`: EqstateErrors that are also the builtin brainstate raises."""

from __future__ import annotations

from .._errors import EqstateError


class UtilValueError(EqstateError, ValueError):
    """A value out of range (also a `ValueError`)."""


class UtilTypeError(EqstateError, TypeError):
    """An argument of the wrong type (also a `TypeError`)."""


class UtilKeyError(EqstateError, KeyError):
    """A key that is missing or already taken (also a `KeyError`)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UtilAttributeError(EqstateError, AttributeError):
    """A missing attribute (also an `AttributeError`, so `hasattr` works)."""
