"""Weight constraints with Keras's names: ``kernel_constraint=constraints.max_norm(3)``.

A constraint is a projection ``W ← c(W)`` applied after every optimizer step (as Keras
does), so the weights always satisfy it. The norms are taken over ``axis`` (0 by
default: for a ``Dense`` kernel ``W (n_in, units)`` each unit's incoming weight vector;
for a ``Conv2D`` kernel ``(kh, kw, C, F)`` use ``axis=[0, 1, 2]`` for each filter).

    MaxNorm:    W ← W · clip(‖W‖, 0, m) / (ε + ‖W‖)
    NonNeg:     W ← max(W, 0)
    UnitNorm:   W ← W / (ε + ‖W‖)
    MinMaxNorm: W ← W · (r · clip(‖W‖, lo, hi) + (1 - r) ‖W‖) / (ε + ‖W‖)

with ``ε = 1e-7`` (Keras's ``backend.epsilon()``).

Example: ``MaxNorm(2)`` on the column ``[3, 4]`` (norm 5) gives ``[1.2, 1.6]`` (norm 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import unknown_name
from .i18n import _

EPSILON = 1e-7


class Constraint:
    """Base class: ``c(W)`` returns the projected weights (a new array)."""

    def __call__(self, W: np.ndarray) -> np.ndarray:
        return W

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(W: np.ndarray, axis) -> np.ndarray:
    return np.sqrt(np.square(W).sum(axis=_axis(axis), keepdims=True))


class MaxNorm(Constraint):
    """Rescale each weight vector whose norm exceeds ``max_value`` down to it."""

    def __init__(self, max_value: float = 2.0, axis: int | list[int] = 0) -> None:
        self.max_value, self.axis = float(max_value), axis

    def __call__(self, W):
        norms = _norms(W, self.axis)
        return W * (np.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to 0."""

    def __call__(self, W):
        return np.maximum(W, 0)


class UnitNorm(Constraint):
    """Rescale each weight vector to norm 1."""

    def __init__(self, axis: int | list[int] = 0) -> None:
        self.axis = axis

    def __call__(self, W):
        return W / (EPSILON + _norms(W, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each weight vector's norm into ``[min_value, max_value]``, by the fraction
    ``rate`` of the way (1: all the way at once)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | list[int] = 0) -> None:
        self.min_value, self.max_value = float(min_value), float(max_value)
        self.rate, self.axis = float(rate), axis

    def __call__(self, W):
        norms = _norms(W, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return W * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL = {cls.__name__: cls for cls in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_STRINGS = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
            "min_max_norm": MinMaxNorm}


def serialize(constraint: Constraint | None) -> dict | None:
    if constraint is None:
        return None
    if not isinstance(constraint, Constraint):
        raise TypeError(_("The constraint {constraint!r} is a plain function and cannot "
                          "be saved: subclass glassnet.constraints.Constraint and write "
                          "get_config.").format(constraint=constraint))
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def get(identifier) -> Constraint | None:
    """Resolve ``None``, a name (``"max_norm"``, ``"NonNeg"``), a config dict or an object."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = ALL.get(name) or _STRINGS.get(str(name).lower())
        if cls is None:
            raise unknown_name("constraint", name, [*ALL, *_STRINGS])
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = ALL.get(identifier) or _STRINGS.get(identifier.lower())
        if cls is None:
            raise unknown_name("constraint", identifier, [*_STRINGS, *ALL])
        return cls()
    if callable(identifier):  # a function W -> projected W, as Keras allows
        return identifier
    raise TypeError(_("A constraint must be None, a name such as 'max_norm', or a "
                      "glassnet.constraints object such as constraints.max_norm(3); got "
                      "{identifier!r}.").format(identifier=identifier))
