"""brainstate's names for eqstate's own things."""

from ._errors import EqstateError

BrainStateError = EqstateError
"""brainstate's name of `EqstateError`, the base of every error eqstate raises."""
