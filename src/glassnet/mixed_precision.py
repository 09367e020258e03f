"""``keras.mixed_precision``: glassnet computes in float32 (or float64 for gradient checks).

``set_global_policy("float32")`` is what glassnet does anyway; ``"mixed_float16"`` (and
``"mixed_bfloat16"``) is accepted with one warning: the model still computes in float32,
which gives the same results, a little slower on a GPU and no slower on the CPU.
"""

from __future__ import annotations

import types

from .i18n import _
from .legacy import warn_once_as


class Policy:
    """A dtype policy: ``compute_dtype`` and ``variable_dtype`` of the layers."""

    def __init__(self, name: str) -> None:
        name = str(getattr(name, "name", name))
        if name not in ("float32", "float64", "mixed_float16", "mixed_bfloat16",
                        "float16", "bfloat16"):
            raise ValueError(_("Unknown dtype policy {name!r}: use 'float32' or "
                               "'mixed_float16'.").format(name=name))
        self.name = name

    @property
    def compute_dtype(self) -> str:
        return "float64" if self.name == "float64" else "float32"

    variable_dtype = compute_dtype

    def __repr__(self) -> str:
        return f'<Policy "{self.name}">'


_policy = Policy("float32")


def set_global_policy(policy) -> None:
    """Set the policy; anything but float32/float64 warns once that glassnet computes in
    float32 and goes on."""
    global _policy
    _policy = Policy(policy)
    if _policy.name not in ("float32", "float64"):
        warn_once_as(f"policy {_policy.name}", _(
            "Mixed precision ({name}) speeds up GPUs; glassnet runs on the CPU and computes "
            "in float32, so your model trains as written, in float32.").format(
                name=_policy.name), stacklevel=2)


def global_policy() -> Policy:
    return _policy


# Keras 2.3's spelling (tf.keras.mixed_precision.experimental.set_policy)
set_policy = set_global_policy


def LossScaleOptimizer(inner_optimizer, *args, **kwargs):  # noqa: N802 (Keras's name)
    """``LossScaleOptimizer(opt)`` is ``opt``: float32 gradients need no loss scaling. A
    training loop written for loss scaling still runs: ``opt.get_scaled_loss(loss)`` and
    ``opt.get_unscaled_gradients(grads)`` give their argument back (a scale of 1)."""
    inner_optimizer.get_scaled_loss = _unchanged
    inner_optimizer.get_unscaled_gradients = _unchanged
    inner_optimizer.loss_scale = 1.0
    inner_optimizer.inner_optimizer = inner_optimizer
    return inner_optimizer


def _unchanged(value):
    return value


# TensorFlow 2.1-2.3's tf.keras.mixed_precision.experimental
experimental = types.SimpleNamespace(Policy=Policy, set_policy=set_global_policy,
                                     global_policy=global_policy,
                                     LossScaleOptimizer=LossScaleOptimizer)
