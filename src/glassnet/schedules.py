"""Learning-rate schedules: the step size ``η`` as a function of the step number ``t``.

Pass one as an optimizer's learning rate, as in Keras::

    lr = glassnet.optimizers.schedules.CosineDecay(0.004, decay_steps=5 * 469)
    model.compile(optimizer=glassnet.optimizers.Adam(learning_rate=lr), ...)

Before each update the optimizer sets ``learning_rate = schedule(t)``, where ``t`` counts
the updates already made (0 for the first). A large step early moves the weights quickly
toward a good region; a small step late lets them settle instead of jumping around in it.
The formulas are Keras's (``keras.optimizers.schedules``).
"""

from __future__ import annotations

import math
import numbers

from .errors import unknown_name
from .i18n import _


class LearningRateSchedule:
    """Base class: ``schedule(t)`` returns ``η`` for step ``t`` (an int from 0)."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _number(value, what: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or (positive and value <= 0):
        message = (_("{what} must be a positive number, got {value!r}.") if positive
                   else _("{what} must be a finite number, got {value!r}."))
        raise ValueError(message.format(what=what, value=value))
    return float(value)


class ExponentialDecay(LearningRateSchedule):
    """``η(t) = η₀ · rate^(t / decay_steps)``; with ``staircase=True`` the exponent is
    rounded down, so ``η`` drops by the factor ``rate`` once every ``decay_steps`` steps.

    Example: ``ExponentialDecay(0.01, decay_steps=1000, decay_rate=0.5)`` halves the
    learning rate every 1,000 steps: 0.01, then 0.005 at step 1,000, 0.0025 at 2,000.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _number(decay_steps, "decay_steps", positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = str(name)

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p


class CosineDecay(LearningRateSchedule):
    """Half a cosine from ``η₀`` down to ``α·η₀`` over ``decay_steps`` steps, then flat::

        η(t) = η₀ · ((1 - α) · ½ (1 + cos(π · min(t, decay_steps) / decay_steps)) + α)

    With ``warmup_target``, ``η`` first rises in a straight line from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps, and the
    cosine then starts from ``warmup_target``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _number(decay_steps, "decay_steps", positive=True)
        self.alpha = _number(alpha, "alpha")
        self.name = str(name)
        self.warmup_target = None if warmup_target is None else _number(warmup_target,
                                                                        "warmup_target")
        self.warmup_steps = _number(warmup_steps, "warmup_steps")
        if self.warmup_target is not None and self.warmup_steps <= 0:
            raise ValueError(_("CosineDecay with warmup_target needs warmup_steps > 0, "
                               "got {warmup_steps!r}.").format(warmup_steps=warmup_steps))

    def __call__(self, step: int) -> float:
        if self.warmup_target is None:
            start, t = self.initial_learning_rate, min(step, self.decay_steps)
        elif step < self.warmup_steps:
            done = step / self.warmup_steps
            return self.initial_learning_rate + (self.warmup_target
                                                 - self.initial_learning_rate) * done
        else:
            start, t = self.warmup_target, min(step - self.warmup_steps, self.decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * t / self.decay_steps))
        return start * ((1 - self.alpha) * cosine + self.alpha)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``t ≤ boundaries[0]``, ``values[1]`` while
    ``boundaries[0] < t ≤ boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    Example: ``PiecewiseConstantDecay([1000, 2000], [0.01, 0.005, 0.001])``.
    """

    def __init__(self, boundaries: list[int], values: list[float],
                 name: str = "PiecewiseConstant") -> None:
        self.boundaries = [_number(b, "each boundary") for b in boundaries]
        self.values = [_number(v, "each value") for v in values]
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(_("PiecewiseConstantDecay needs one more value than "
                               "boundaries, got {n_boundaries} boundaries and {n_values} "
                               "values.").format(
                                   n_boundaries=len(self.boundaries), n_values=len(self.values)))
        if self.boundaries != sorted(self.boundaries):
            raise ValueError(_("PiecewiseConstantDecay boundaries must increase, got "
                               "{boundaries}.").format(boundaries=boundaries))
        self.name = str(name)

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


class InverseTimeDecay(LearningRateSchedule):
    """``η(t) = η₀ / (1 + rate · t / decay_steps)``; with ``staircase=True`` the ratio
    ``t / decay_steps`` is rounded down.

    Example: ``InverseTimeDecay(0.001, decay_steps=1000, decay_rate=1)`` halves the rate at
    step 1,000 and thirds it at 2,000. With ``decay_steps=1`` it is Keras 2's ``decay=``
    argument of the optimizers, ``η₀ / (1 + decay · t)``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _number(decay_steps, "decay_steps", positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = str(name)

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)


class PolynomialDecay(LearningRateSchedule):
    """From ``η₀`` to ``end_learning_rate`` over ``decay_steps`` steps along a power curve::

        η(t) = (η₀ - η_end) · (1 - min(t, decay_steps) / decay_steps)^power + η_end

    With ``cycle=True`` the decay restarts: ``decay_steps`` is stretched to the next
    multiple of itself above ``t``. ``power=1`` (default) is a straight line.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _number(decay_steps, "decay_steps", positive=True)
        self.end_learning_rate = _number(end_learning_rate, "end_learning_rate")
        self.power = _number(power, "power")
        self.cycle = bool(cycle)
        self.name = str(name)

    def __call__(self, step: int) -> float:
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps *= max(1, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        fraction = 1 - step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * fraction ** self.power
                + self.end_learning_rate)


ALL = {cls.__name__: cls for cls in (ExponentialDecay, CosineDecay, PiecewiseConstantDecay,
                                     InverseTimeDecay, PolynomialDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}``, plain JSON (as in a model file)."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict) -> LearningRateSchedule:
    """The schedule ``serialize`` described; only the classes in this module are accepted."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise ValueError(_("A learning-rate schedule is written as {{'class_name': ..., "
                           "'config': {{...}}}}, got {config}.").format(config=str(config)[:100]))
    name = config.get("class_name")
    if name not in ALL:
        raise unknown_name(_("learning-rate schedule"), name, ALL)
    return ALL[name].from_config(dict(config["config"]))
