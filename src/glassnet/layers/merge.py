"""Merge layers: several tensors in, one out (``Add``, ``Concatenate``, ...).

They are called on a list, ``Add()([a, b])``, so ``forward`` receives a list of arrays
and ``backward`` returns one gradient per input. For ``y = f(x₁, ..., xₙ)``:

=============  ==========================  ==================================
layer          y                           dL/dxᵢ
=============  ==========================  ==================================
Add            Σᵢ xᵢ                       dy
Subtract       x₁ - x₂                     dy, -dy
Multiply       Πᵢ xᵢ                       dy · Π_{j≠i} xⱼ
Average        (1/n) Σᵢ xᵢ                 dy / n
Maximum        maxᵢ xᵢ (elementwise)       dy where xᵢ is the (first) maximum, else 0
Minimum        minᵢ xᵢ                     dy where xᵢ is the (first) minimum, else 0
Concatenate    [x₁ | x₂ | ...] on ``axis``  the slice of dy that xᵢ filled
=============  ==========================  ==================================

A residual block is ``Add()([x, f(x)])``: the gradient reaches ``x`` twice, straight
through the addition and through ``f``, and the graph adds the two.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import _
from .base import Layer


class Merge(Layer):
    """Base class: elementwise merges of inputs of one shape."""

    handles_variable_length = True  # any number of time steps (see Layer)

    min_inputs = 2
    max_inputs: int | None = None

    def build(self, input_shape):
        shapes = self._check_list(input_shape)
        first = shapes[0]
        for i, shape in enumerate(shapes[1:], 1):
            if shape != first:
                raise InputError(
                    _("{kind} layer {name!r} needs inputs of one shape, but input 0 has "
                      "shape {value} and input {i} has shape {value2}. Make them agree, "
                      "e.g. with a Dense layer of {first} units on input {i}, or use "
                      "Concatenate to join them instead.").format(
                          kind=type(self).__name__, name=self.name, value=(None, *first), i=i,
                          value2=(None, *shape), first=first[-1]))
        super().build(input_shape)

    def _check_list(self, input_shape) -> list[tuple]:
        if not isinstance(input_shape, list) or len(input_shape) < self.min_inputs or (
                self.max_inputs is not None and len(input_shape) > self.max_inputs):
            count = (f"exactly {self.max_inputs}" if self.max_inputs == self.min_inputs
                     else f"at least {self.min_inputs}")
            raise InputError(_("{kind} layer {name!r} is called on a list of {count} "
                               "tensors, e.g. {kind}()([a, b]).").format(
                                   kind=type(self).__name__, name=self.name, count=count))
        return [tuple(s) for s in input_shape]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    #: whether the output's positions are the inputs' (an elementwise merge), so that their
    #: masks combine; Dot and Concatenate along the steps leave the output unmasked
    merges_masks = True

    def compute_mask(self, inputs, mask=None):
        """Keras 3's mask of a merge: the positions that count in any input (the OR of
        their masks), or None when an input has no mask."""
        if not mask or any(m is None for m in mask) or not self.merges_masks:
            return None
        out = np.asarray(mask[0], bool)
        for m in mask[1:]:
            out = out | np.asarray(m, bool)
        return out

    def connect_mask(self, inputs):
        """In a model: the inputs' masks combined as ``compute_mask`` does
        (``Add()([x, attention(x)])`` after ``Embedding(mask_zero=True)`` keeps the padding
        masked)."""
        sources = [t.mask_source for t in inputs]
        if not self.merges_masks or all(s is None for s in sources):
            return None
        if len({id(s) for s in sources}) == 1:
            return sources[0]
        return MergedMask(sources, self)

    def output_shapes(self, input_shape):
        return [self.compute_output_shape(input_shape)]

    def __call__(self, inputs, training: bool | None = None):
        if not isinstance(inputs, (list, tuple)):
            raise InputError(_("{kind} layer {name!r} is called on a list of tensors, "
                               "e.g. {kind}()([a, b]); got one {kind2}.").format(
                                   kind=type(self).__name__, name=self.name,
                                   kind2=type(inputs).__name__))
        # on tensors (a layer's call), as every layer: recorded on a GradientTape, whose
        # derivative is this layer's backward
        return super().__call__(list(inputs), training)


class Add(Merge):
    """``y = x₁ + x₂ + ...``; each input's gradient is ``dy`` itself."""

    def forward(self, xs, training=False):
        y = xs[0] + xs[1]
        for x in xs[2:]:
            y += x
        self.n = len(xs)
        return y

    def backward(self, dy):
        return [dy] * self.n


class Subtract(Merge):
    """``y = x₁ - x₂``: gradients ``dy`` and ``-dy``."""

    max_inputs = 2

    def forward(self, xs, training=False):
        return xs[0] - xs[1]

    def backward(self, dy):
        return [dy, -dy]


class Multiply(Merge):
    """``y = x₁ · x₂ · ...`` elementwise: ``dL/dxᵢ = dy · Π_{j≠i} xⱼ``."""

    def forward(self, xs, training=False):
        self.xs = xs
        y = xs[0] * xs[1]
        for x in xs[2:]:
            y = y * x
        return y

    def backward(self, dy):
        dxs = []
        for i in range(len(self.xs)):
            d = dy
            for j, x in enumerate(self.xs):
                if j != i:
                    d = d * x
            dxs.append(d)
        return dxs


class Average(Merge):
    """``y = (x₁ + ... + xₙ) / n``: each input's gradient is ``dy / n``."""

    def forward(self, xs, training=False):
        self.n = len(xs)
        return sum(xs[1:], xs[0]) / self.n

    def backward(self, dy):
        d = dy / self.n
        return [d] * self.n


class _Extremum(Merge):
    """Elementwise max or min: the gradient goes to the input that was chosen (the first,
    on a tie), as ``np.argmax`` picks it."""

    pick = staticmethod(np.argmax)

    def forward(self, xs, training=False):
        stacked = np.stack(xs)
        self.choice = self.pick(stacked, axis=0)
        self.n = len(xs)
        return np.take_along_axis(stacked, self.choice[np.newaxis], axis=0)[0]

    def backward(self, dy):
        return [np.where(self.choice == i, dy, 0).astype(dy.dtype, copy=False)
                for i in range(self.n)]


class Maximum(_Extremum):
    """``y = max(x₁, x₂, ...)`` elementwise."""

    pick = staticmethod(np.argmax)


class Minimum(_Extremum):
    """``y = min(x₁, x₂, ...)`` elementwise."""

    pick = staticmethod(np.argmin)


class Concatenate(Merge):
    """Join inputs along ``axis`` (default the last, the features): shapes must agree on
    every other axis. ``backward`` hands each input its own slice of ``dy``."""

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    @property
    def merges_masks(self) -> bool:
        """Joined along the features (the last axis), the steps stay the inputs'."""
        shapes = self.input_shape
        return shapes is not None and self._sample_axis(len(shapes[0])) == len(shapes[0]) - 1

    def compute_mask(self, inputs, mask=None):
        """Keras's mask of features joined: a step counts where it counts in every masked
        input (an unmasked input counts everywhere); None along other axes."""
        masks = [np.asarray(m, bool) for m in (mask or []) if m is not None]
        if not masks or not self.merges_masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out

    def _sample_axis(self, ndim: int) -> int:
        """``axis`` among one sample's axes (Keras counts the batch axis as 0)."""
        axis = self.axis if self.axis < 0 else self.axis - 1
        if not -ndim <= axis < ndim:
            raise InputError(_("Concatenate axis={axis} is out of range for inputs with "
                               "{value} dimensions (batch included).").format(
                                   axis=self.axis, value=ndim + 1))
        return axis % ndim

    def build(self, input_shape):
        shapes = self._check_list(input_shape)
        axis = self._sample_axis(len(shapes[0]))
        for i, shape in enumerate(shapes[1:], 1):
            if len(shape) != len(shapes[0]) or any(
                    a != b for k, (a, b) in enumerate(zip(shape, shapes[0])) if k != axis):
                raise InputError(
                    _("Concatenate layer {name!r} joins inputs along axis {axis}, so "
                      "their other axes must agree, but input 0 has shape {value} and "
                      "input {i} has shape {value2}. Reshape or Flatten them first.").format(
                          name=self.name, axis=self.axis, value=(None, *shapes[0]), i=i,
                          value2=(None, *shape)))
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        axis = self._sample_axis(len(shapes[0]))
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        return tuple(out)

    def forward(self, xs, training=False):
        axis = self._sample_axis(xs[0].ndim - 1) + 1
        self.sizes = [x.shape[axis] for x in xs]
        return np.concatenate(xs, axis=axis)

    def backward(self, dy):
        axis = self._sample_axis(dy.ndim - 1) + 1
        return np.split(dy, np.cumsum(self.sizes)[:-1], axis=axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    """``layers.add([a, b])``: ``Add()([a, b])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """``layers.concatenate([a, b], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


class MergedMask:
    """The mask of a merge of inputs with different masks: ``output_mask`` is
    ``merge.compute_mask`` of theirs (None for an unmasked input), read after each forward
    pass."""

    def __init__(self, sources: list, merge: Merge) -> None:
        self.sources, self.merge = sources, merge

    @property
    def output_mask(self):
        return self.merge.compute_mask(
            None, [None if s is None else s.output_mask for s in self.sources])
