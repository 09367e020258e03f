"""``Normalization``: Keras's preprocessing layer that standardises features with a mean and
variance learned from the data by ``adapt`` (not ``BatchNormalization``: nothing is trained)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..i18n import _
from .base import Layer

EPSILON = 1e-7  # keras.config.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """``y = (x - mean) / max(√variance, ε)``, ``ε = 1e-7``, per index of the kept ``axis``.

    This is Keras 3's formula (``keras/src/layers/preprocessing/normalization.py``): the
    standard deviation, not the variance, is floored at ``ε``, so a constant feature
    (variance 0) gives ``(x - mean) / 1e-7`` as in Keras. ``invert=True`` undoes it:
    ``y = mean + x · max(√variance, ε)``.

    ``axis`` numbers axes with the batch axis as 0 (as in Keras); the default ``-1`` keeps
    one mean and variance per feature of the last axis, taken over every other axis;
    ``axis=None`` uses one mean and variance for all values.

    Either pass ``mean`` and ``variance`` (numbers or arrays that broadcast to the kept
    axes), or call ``adapt(data)`` before training: ``mean`` and the biased ``variance``
    (dividing by the count, as ``np.var``) of ``data`` over the reduced axes. The adapted
    ``mean``, ``variance`` (and Keras's unused ``count``) are non-trainable weights, saved
    with the model.

    Backward: the statistics are constants, so ``dx = dy / max(√variance, ε)``
    (``dy · max(√variance, ε)`` inverted).

    Example (Keras's docs): ``adapt([1, 2, 3, 4, 5])`` with ``axis=None`` gives mean 3 and
    variance 2, and ``[1, 2, 3]`` becomes ``[-1.4142135, -0.70710677, 0]``.
    """

    formula = "y = (x - mean) / max(sqrt(variance), 1e-7)"
    backward_formula = "dx = dy / max(sqrt(variance), 1e-7)"

    def __init__(self, axis: int | tuple[int, ...] | None = -1, mean=None, variance=None,
                 invert: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axes: tuple[int, ...] = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axes = (int(axis),)
        else:
            axes = tuple(int(a) for a in axis)
        self.axis = axes
        if (mean is None) != (variance is None):
            raise ValueError(_("Normalization: pass both mean and variance, or neither "
                               "(and call adapt); got mean={mean!r} and "
                               "variance={variance!r}.").format(mean=mean, variance=variance))
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(_("Normalization: mean and variance must have the same "
                               "shape, got {shape} and {shape2}.").format(
                                   shape=np.shape(mean), shape2=np.shape(variance)))
        if mean is not None and np.ndim(mean) > len(axes):
            raise ValueError(_("Normalization: mean of shape {shape} has more axes than "
                               "axis={axis!r} keeps.").format(shape=np.shape(mean), axis=axis))
        self.input_mean = None if mean is None else np.asarray(mean, np.float64)
        self.input_variance = None if variance is None else np.asarray(variance, np.float64)
        self.invert = bool(invert)

    # -- building -------------------------------------------------------------------
    def build(self, input_shape):
        ndim = len(input_shape) + 1  # with the batch axis
        if any(not -ndim <= a < ndim for a in self.axis) or any(a % ndim == 0 for a in self.axis):
            raise InputError(
                _("Normalization layer {name!r}: axis={axis} must name axes 1..{value} "
                  "(or -1..-{value}) of inputs shaped (batch, {shape}); axis 0 is the "
                  "batch.").format(
                      name=self.name, axis=self.axis, value=ndim - 1,
                      shape=", ".join(map(str, input_shape)))
            )
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._bcast = tuple(input_shape[d - 1] if d in self._keep else 1 for d in range(ndim))
        shape = tuple(input_shape[d - 1] for d in self._keep)
        if self.input_mean is None:
            self.add_weight("mean", shape, "zeros", trainable=False)
            self.add_weight("variance", shape, "ones", trainable=False)
            self.add_weight("count", (), "zeros", trainable=False)  # kept 0, as Keras 3
        else:
            for what, value in (("mean", self.input_mean), ("variance", self.input_variance)):
                try:
                    np.broadcast_to(value, shape)
                except ValueError:
                    raise InputError(
                        _("Normalization layer {name!r}: {what} of shape {shape} does "
                          "not broadcast to {kept}, the kept axes {axis} of inputs "
                          "shaped (batch, {inputs}).").format(
                              name=self.name, what=what, shape=value.shape, kept=shape,
                              axis=self.axis, inputs=", ".join(map(str, input_shape)))
                    ) from None
        super().build(input_shape)

    def _statistics(self, dtype) -> tuple[np.ndarray, np.ndarray]:
        """``mean`` and ``max(√variance, ε)``, shaped to broadcast against a batch."""
        if self.input_mean is None:
            mean, variance = self.state["mean"], self.state["variance"]
        else:
            mean, variance = self.input_mean, self.input_variance
        kept = [self._bcast[d] for d in self._keep]  # Keras aligns them right to left
        mean = np.broadcast_to(mean, kept).reshape(self._bcast)
        variance = np.broadcast_to(variance, kept).reshape(self._bcast)
        std = np.maximum(np.sqrt(variance), EPSILON)
        return mean.astype(dtype), std.astype(dtype)

    @property
    def mean(self) -> np.ndarray:
        """The mean subtracted, shaped to broadcast against a batch as in Keras (``(1, 9)``
        for 9 features): ``print(normalizer.mean)`` after ``adapt`` shows what it learnt."""
        return self._statistics(np.float32)[0] if self.built else None

    @property
    def variance(self) -> np.ndarray:
        """The variance, shaped like ``mean`` (before the ``ε`` floor of the formula)."""
        if not self.built:
            return None
        kept = [self._bcast[d] for d in self._keep]
        variance = (self.state["variance"] if self.input_variance is None
                    else self.input_variance)
        return np.broadcast_to(variance, kept).reshape(self._bcast).astype(np.float32)

    # -- adapt ----------------------------------------------------------------------
    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Set ``mean`` and ``variance`` from ``data`` (an array, or an iterable of batches).

        Batches are combined exactly (the count-weighted means, and the within- plus
        between-batch variance), so the result equals ``np.mean``/``np.var`` of all of them.
        ``batch_size`` and ``steps`` (Keras 2's arguments) are accepted and not needed.
        """
        if hasattr(data, "shape") or (isinstance(data, (list, tuple)) and data
                                      and not hasattr(data[0], "shape")):
            batches = [data]  # one array (or nested lists of numbers)
        else:
            batches = list(data)  # batches, or (x, y) pairs as a dataset yields
        if not batches:
            raise ValueError(_("Normalization.adapt received no data: pass an array of "
                               "samples, e.g. layer.adapt(x_train)."))
        batches = [np.asarray(b[0] if isinstance(b, tuple) else b, np.float64) for b in batches]
        first = batches[0]
        if first.ndim == 1:  # one feature per sample: (n,) -> (n, 1), as the model reads x
            batches = [b.reshape(-1, 1) if b.ndim == 1 else b for b in batches]
            first = batches[0]
        if self.input_mean is not None:
            raise ValueError(_("Normalization layer {name!r} was given mean and "
                               "variance; it cannot also adapt.").format(name=self.name))
        if not self.built:
            self.build(first.shape[1:])
        mean = variance = None
        count = 0
        for b in batches:
            if b.shape[1:] != self.input_shape:
                raise InputError(
                    _("Normalization layer {name!r} was built for inputs of shape "
                      "(batch, {inputs}), but adapt got a batch of shape {shape}.").format(
                          name=self.name, inputs=", ".join(map(str, self.input_shape)),
                          shape=b.shape)
                )
            m = int(np.prod([b.shape[d] for d in self._reduce]))
            b_mean = b.mean(axis=self._reduce)
            b_var = b.var(axis=self._reduce)
            if mean is None:
                mean, variance, count = b_mean, b_var, m
                continue
            total = count + m
            new_mean = mean + (b_mean - mean) * (m / total)
            variance = ((variance + (mean - new_mean) ** 2) * (count / total)
                        + (b_var + (b_mean - new_mean) ** 2) * (m / total))
            mean, count = new_mean, total
        self.state["mean"][...] = mean
        self.state["variance"][...] = variance

    # -- the two passes ---------------------------------------------------------------
    def forward(self, x, training=False):
        mean, self.std = self._statistics(x.dtype)
        if self.invert:
            return mean + x * self.std
        return (x - mean) / self.std

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy * self.std if self.invert else dy / self.std

    def get_config(self) -> dict[str, Any]:
        def listed(v):
            return None if v is None else v.tolist()

        axis: Any = None if not self.axis else (self.axis[0] if len(self.axis) == 1
                                                else list(self.axis))
        return {**super().get_config(), "axis": axis, "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}
