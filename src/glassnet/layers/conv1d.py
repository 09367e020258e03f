"""``Conv1D``: a filter slid along a sequence, as ``Conv2D`` over an image one pixel high."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..errors import InputError
from ..i18n import _
from ._spatial import check_data_format, output_length
from .base import KernelLayer
from .conv import Conv2D
from .pooling1d import _positive_int


class Conv1D(KernelLayer):
    """1-D convolution over ``(batch, steps, C)``: ``z = conv(x, W) + b``, ``a = f(z)``::

        z[n, t, f] = b[f] + Σ_{p, c} x[n, t·s + p, c] · W[p, c, f]

    Shapes: kernel ``W (k, C, F)`` (Keras's layout), ``b (F,)``, ``z, a (batch, T, F)``
    with ``T`` from ``padding``: ``valid`` ``(steps - k) // s + 1``, ``same``
    ``ceil(steps / s)``, ``causal`` (zeros added before the sequence only, so ``z[t]``
    sees no step after ``t``) ``(steps - 1) // s + 1``.

    A sequence is an image one pixel high, ``x (batch, 1, steps, C)``, and ``W`` is a
    ``1 x k`` kernel ``(1, k, C, F)``: the layer runs ``Conv2D``'s im2col forward and its
    backward (``dW = im2col(x)ᵀ·dz``, ``db = Σ dz``, ``dx = col2im(dz·Wᵀ)``) on that view,
    without copying ``x`` or ``W``; see ``conv.py`` for the arithmetic.

    Example: ``x = [1, 2, 3, 4]`` (one channel), ``W = [1, -1]`` (``k = 2``), ``b = 0``,
    ``valid``: ``z = [1 - 2, 2 - 3, 3 - 4] = [-1, -1, -1]``.
    """

    formula = "z[t] = b + Σ_p x[t·s + p] · W[p],  a = f(z)"
    backward_formula = "dz = da·f'(z);  dW = im2col(x)ᵀ·dz;  db = Σ dz;  dx = col2im(dz·Wᵀ)"
    splits_batch = True  # Conv2D shares the batch between the cores (see _parallel.py)
    handles_variable_length = True  # sequences of any length: the Conv2D follows each batch

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        strides: int = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int = 1,
        groups: int = 1,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        kind = f"Conv1D {self.name!r}"
        self.filters = _positive_int(filters, "filters", kind)
        self.kernel_size = _positive_int(kernel_size, "kernel_size", kind)
        self.strides = _positive_int(strides, "strides", kind)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same", "causal"):
            raise ValueError(_("{kind} padding must be 'valid', 'same' or 'causal', got "
                               "{padding!r}.").format(kind=kind, padding=padding))
        self.padding = padding.lower()
        self.data_format = check_data_format(data_format, kind)
        if isinstance(dilation_rate, (tuple, list)) and len(dilation_rate) == 1:
            dilation_rate = dilation_rate[0]  # Keras stores it as a 1-tuple
        self.dilation_rate = _positive_int(dilation_rate, "dilation_rate", kind)
        if _positive_int(groups, "groups", kind) != 1:
            raise ValueError(_("{kind}: groups other than 1 are not implemented, got "
                               "{groups!r}.").format(kind=kind, groups=groups))
        if self.dilation_rate > 1 and self.strides > 1:
            raise ValueError(_("{kind}: strides > 1 and dilation_rate > 1 cannot be used "
                               "together (as in Keras), got strides={strides} and "
                               "dilation_rate={d}.").format(kind=kind, strides=self.strides,
                                                            d=self.dilation_rate))
        # the 2-D convolution that does the work; its own weights are replaced in forward
        # by views of this layer's (k, C, F) kernel as (1, k, C, F). Dilated, it runs on
        # the d interleaved sub-sequences, padded here (see _dilated_forward)
        dilated = self.dilation_rate > 1
        self.conv2d = Conv2D(self.filters, (1, self.kernel_size), (1, self.strides),
                             "valid" if self.padding == "causal" or dilated else self.padding,
                             activation=self.activation, use_bias=self.use_bias,
                             kernel_initializer="zeros", name=f"{self.name}_2d")

    @property
    def _causal_pad(self) -> int:
        return self.kernel_size - 1 if self.padding == "causal" else 0

    def _dilated_pads(self) -> tuple[int, int]:
        """Zeros ``(before, after)`` the sequence for a dilated kernel, which spans
        ``(k - 1)·d + 1`` steps: causal all before, same split as Keras does."""
        span = (self.kernel_size - 1) * self.dilation_rate
        if self.padding == "causal":
            return span, 0
        if self.padding == "same":
            return span // 2, span - span // 2
        return 0, 0

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise InputError(
                _("Conv1D layer {name!r} expects inputs of shape (batch, steps, "
                  "channels), got (batch, {shape}). For one feature per step add the "
                  "channel axis: x = x[..., np.newaxis].").format(
                      name=self.name, shape=", ".join(map(str, input_shape)))
            )
        steps, C = input_shape
        if steps is not None and steps + self._causal_pad < self.kernel_size \
                and self.padding != "same":
            raise InputError(
                _("Conv1D layer {name!r}: its kernel of {kernel_size} steps does not fit "
                  "in sequences of {steps} steps with padding='valid'. Use a smaller "
                  "kernel_size or padding='same'.").format(
                      name=self.name, kernel_size=self.kernel_size, steps=steps)
            )
        self.add_kernel((self.kernel_size, C, self.filters))
        if self.dilation_rate > 1:
            self.conv2d.build((1, None, C))
        else:
            self.conv2d.build((1, None if steps is None else steps + self._causal_pad, C))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if self.dilation_rate > 1:
            steps = input_shape[0]
            span = (self.kernel_size - 1) * self.dilation_rate
            return (None if steps is None else steps + sum(self._dilated_pads()) - span,
                    self.filters)
        steps = None if input_shape[0] is None else input_shape[0] + self._causal_pad
        padding = "valid" if self.padding == "causal" else self.padding
        return (output_length(steps, self.kernel_size, self.strides, padding), self.filters)

    def _link(self) -> None:
        """Point the 2-D convolution at this layer's weights and gradients (views, no copies:
        the model may have moved them into its flat vectors since the last call)."""
        conv, shape = self.conv2d, (1, *self.W.shape)
        conv.params["kernel"], conv.grads["kernel"] = self.W.reshape(shape), self.dW.reshape(shape)
        if self.use_bias:
            conv.params["bias"], conv.grads["bias"] = self.b, self.db
        conv.need_input_grad = self.need_input_grad

    def forward(self, x, training=False):
        self._link()
        if self.dilation_rate > 1:
            return self._dilated_forward(x, training)
        n, steps, C = x.shape
        if self._causal_pad:
            x = np.concatenate([np.zeros((n, self._causal_pad, C), x.dtype), x], axis=1)
        a = self.conv2d.forward(x.reshape(n, 1, -1, C), training)
        shape = self.conv2d.output_shape[1:]  # (steps out, filters) of this batch
        self.z = self.conv2d.z.reshape(n, *shape)
        self.a = a.reshape(n, *shape)
        return self.a

    def _dilated_forward(self, x, training):
        """Dilation ``d``: ``z[t] = b + Σ_p x[t + p·d] · W[p]`` reads only steps ``t, t + d,
        t + 2d...``, so it is an ordinary convolution on each of the ``d`` interleaved
        sub-sequences ``x[r], x[r + d], x[r + 2d]...`` (TensorFlow's space-to-batch): the
        padded sequence, lengthened to a multiple of ``d``, is reshaped to ``d`` times as
        many sequences ``d`` times shorter, convolved, and interleaved back."""
        n, steps, C = x.shape
        d = self.dilation_rate
        before, after = self._dilated_pads()
        length = steps + before + after
        self._length = -(-length // d) * d
        x = np.pad(x, ((0, 0), (before, self._length - steps - before), (0, 0)))
        x = x.reshape(n, -1, d, C).transpose(0, 2, 1, 3).reshape(n * d, 1, -1, C)
        a = self.conv2d.forward(x, training)
        self._steps, self._out = steps, length - (self.kernel_size - 1) * d
        self.z, self.a = self._interleave(self.conv2d.z, n), self._interleave(a, n)
        return self.a

    def _interleave(self, v, n):
        """``(n·d, 1, J, F)`` results of the sub-sequences back to ``(n, T, F)``."""
        d = self.dilation_rate
        v = v.reshape(n, d, -1, v.shape[-1]).transpose(0, 2, 1, 3).reshape(n, -1, v.shape[-1])
        return v[:, :self._out]

    def _dilated_backward(self, da):
        n, _, F = da.shape
        d = self.dilation_rate
        full = np.zeros((n, self._length - (self.kernel_size - 1) * d, F), da.dtype)
        full[:, :self._out] = da
        dx = self.conv2d.backward(
            full.reshape(n, -1, d, F).transpose(0, 2, 1, 3).reshape(n * d, 1, -1, F))
        if dx is None:
            return None
        C = dx.shape[-1]
        dx = dx.reshape(n, d, -1, C).transpose(0, 2, 1, 3).reshape(n, -1, C)
        before = self._dilated_pads()[0]
        return np.ascontiguousarray(dx[:, before:before + self._steps])

    def backward(self, da):
        n = len(da)
        self._link()
        if self.dilation_rate > 1:
            return self._dilated_backward(da)
        dx = self.conv2d.backward(da.reshape(n, 1, *da.shape[1:]))
        if dx is None:
            return None
        return dx.reshape(n, -1, dx.shape[-1])[:, self._causal_pad:]

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
            **self.kernel_config(),
        }
