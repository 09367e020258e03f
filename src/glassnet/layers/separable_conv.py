"""Depthwise convolutions: ``DepthwiseConv2D`` (each channel filtered on its own) and
``SeparableConv2D`` (that, then a 1x1 convolution mixing the channels; MobileNet's block)."""

from __future__ import annotations

import numpy as np

from .. import activations, initializers
from ..errors import InputError
from ..i18n import _
from ._spatial import (
    check_image_shape,
    output_length,
    pad_amounts,
    positive_int,
    window_args,
    window_slice,
)
from .base import Layer


class DepthwiseConv2D(Layer):
    """Filter each input channel with its own ``depth_multiplier`` kernels, without mixing
    channels::

        z[n, i, j, c·M + m] = b[c·M + m] + Σ_{p, q} x[n, i·s + p, j·s + q, c] · D[p, q, c, m]

    Shapes: ``x (batch, H, W, C)``, kernel ``D (kh, kw, C, M)`` (Keras's weight ``kernel``),
    ``b (C·M,)``, ``z, a (batch, Ho, Wo, C·M)`` (sizes from ``padding`` and ``strides``, as
    ``Conv2D``). One element-wise product per kernel offset ``(p, q)``, ``kh·kw`` in all.

    Backward, with ``dz`` seen as ``(batch, Ho, Wo, C, M)`` and ``x_pq`` the input pixels
    ``(i·s + p, j·s + q)`` of offset ``(p, q)``::

        dz = da · f'(z);   db = Σ dz
        dD[p, q, c, m] = Σ_{n, i, j} x_pq[n, i, j, c] · dz[n, i, j, c, m]
        dx at x_pq    += Σ_m dz[..., c, m] · D[p, q, c, m]

    Example: one channel, ``M = 1``, kernel ``[[1, -1]]``: ``x = [[1, 2, 4]]`` gives
    ``z = [[1 - 2, 2 - 4]] = [[-1, -2]]``.
    """

    formula = "z[.., c·M+m] = b + Σ_pq x[i·s+p, j·s+q, c] · D[p, q, c, m],  a = f(z)"
    backward_formula = ("dz = da·f'(z);  dD[p,q] = Σ x_pq·dz;  db = Σ dz;  "
                        "dx_pq += Σ_m dz·D[p,q]")
    kernel_name = "kernel"

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        depthwise_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        kind = f"{type(self).__name__} {self.name!r}"
        self.kernel_size, self.strides, self.padding, self.data_format = window_args(
            kind, kernel_size, strides, padding, data_format, dilation_rate)
        self.depth_multiplier = positive_int(depth_multiplier, f"{kind} depth_multiplier")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = depthwise_initializer
        self.bias_initializer = bias_initializer

    # -- shapes ---------------------------------------------------------------------------
    def build(self, input_shape):
        check_image_shape(input_shape, self.name, type(self).__name__)
        H, W, C = input_shape
        kh, kw = self.kernel_size
        if self.padding == "valid" and (H < kh or W < kw):
            raise InputError(
                _("{kind} layer {name!r}: its {kh}x{kw} kernel does not fit in inputs of "
                  "{H}x{W} pixels with padding='valid'. Use a smaller kernel_size or "
                  "padding='same'.").format(
                      kind=type(self).__name__, name=self.name, kh=kh, kw=kw, H=H, W=W)
            )
        self.pads = (pad_amounts(H, kh, self.strides[0], self.padding),
                     pad_amounts(W, kw, self.strides[1], self.padding))
        self.add_weight(self.kernel_name, (kh, kw, C, self.depth_multiplier),
                        self.depthwise_initializer)
        self.build_rest(C * self.depth_multiplier)
        super().build(input_shape)

    def build_rest(self, channels: int) -> None:
        """The weights after the depthwise kernel: here the bias, one per output channel."""
        if self.use_bias:
            self.add_weight("bias", (channels,), self.bias_initializer)

    def depthwise_shape(self, input_shape) -> tuple[int, int, int]:
        H, W, C = input_shape
        return (output_length(H, self.kernel_size[0], self.strides[0], self.padding),
                output_length(W, self.kernel_size[1], self.strides[1], self.padding),
                C * self.depth_multiplier)

    def compute_output_shape(self, input_shape):
        return self.depthwise_shape(input_shape)

    # -- the depthwise step, shared with SeparableConv2D ------------------------------------
    def _offsets(self, Ho: int, Wo: int):
        (sh, sw) = self.strides
        for p in range(self.kernel_size[0]):
            for q in range(self.kernel_size[1]):
                yield p, q, window_slice(p, sh, Ho), window_slice(q, sw, Wo)

    def depthwise_forward(self, x: np.ndarray) -> np.ndarray:
        """``(batch, Ho, Wo, C·M)``: each channel filtered by its own ``M`` kernels."""
        self.x = x
        (pt, pb), (pl, pr) = self.pads
        self.xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0))) if pt + pb + pl + pr else x
        Ho, Wo, _ = self.depthwise_shape(x.shape[1:])
        D = self.params[self.kernel_name]
        out = np.zeros((len(x), Ho, Wo, *D.shape[2:]), x.dtype)  # (n, Ho, Wo, C, M)
        for p, q, rows, cols in self._offsets(Ho, Wo):
            out += self.xp[:, rows, cols, :, None] * D[p, q]
        return out.reshape(len(x), Ho, Wo, -1)

    def depthwise_backward(self, dz: np.ndarray) -> np.ndarray | None:
        """Fill ``dD`` from ``dz (batch, Ho, Wo, C·M)``; return ``dx`` (None if not needed)."""
        n, Ho, Wo, _ = dz.shape
        D = self.params[self.kernel_name]
        dD = self.grads[self.kernel_name]
        dz = dz.reshape(n, Ho, Wo, *D.shape[2:])
        dxp = np.zeros_like(self.xp) if self.need_input_grad else None
        for p, q, rows, cols in self._offsets(Ho, Wo):
            x_pq = self.xp[:, rows, cols]  # (n, Ho, Wo, C)
            dD[p, q] = np.einsum("nijc,nijcm->cm", x_pq, dz)
            if dxp is not None:
                dxp[:, rows, cols] += (dz * D[p, q]).sum(axis=-1)
        if dxp is None:
            return None
        H, W, _ = self.input_shape
        (pt, _), (pl, _) = self.pads
        return dxp[:, pt:pt + H, pl:pl + W]

    # -- the two passes ---------------------------------------------------------------------
    def forward(self, x, training=False):
        self.z = self.depthwise_forward(x)
        if self.use_bias:
            self.z += self.params["bias"]
        self.a = self.activation.forward(self.z)
        return self.a

    def backward(self, da):
        dz = self.activation.backward(self.z, self.a, da)
        if self.use_bias:
            dz.sum(axis=(0, 1, 2), out=self.grads["bias"])  # dL/db = Σ dz
        return self.depthwise_backward(dz)

    def get_config(self):
        return {**super().get_config(), "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "depth_multiplier": self.depth_multiplier,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution, then a 1x1 convolution that mixes its channels::

        u = depthwise(x, D)                       (batch, Ho, Wo, C·M), see DepthwiseConv2D
        z = u · P + b,   a = f(z)                 P (1, 1, C·M, F): a Dense on every pixel

    Weights (Keras's names): ``depthwise_kernel D (kh, kw, C, M)``, ``pointwise_kernel P``,
    ``bias b (F,)``: ``kh·kw·C·M + C·M·F`` numbers instead of ``Conv2D``'s ``kh·kw·C·F``.

    Backward: Dense's, then DepthwiseConv2D's::

        dz = da · f'(z);   dP = uᵀ · dz;   db = Σ dz;   du = dz · Pᵀ;   then dD, dx from du
    """

    formula = "u = depthwise(x, D);  z = u·P + b;  a = f(z)"
    backward_formula = "dz = da·f'(z);  dP = uᵀ·dz;  db = Σ dz;  du = dz·Pᵀ;  dD, dx from du"
    kernel_name = "depthwise_kernel"

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, int] = (1, 1),
        depth_multiplier: int = 1,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        depthwise_initializer: str = "glorot_uniform",
        pointwise_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, **kwargs)
        self.filters = positive_int(filters, "SeparableConv2D filters")
        self.pointwise_initializer = pointwise_initializer

    def build_rest(self, channels: int) -> None:
        self.add_weight("pointwise_kernel", (1, 1, channels, self.filters),
                        self.pointwise_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer)

    def compute_output_shape(self, input_shape):
        return (*self.depthwise_shape(input_shape)[:2], self.filters)

    def forward(self, x, training=False):
        self.u = self.depthwise_forward(x)
        self.z = self.u @ self.params["pointwise_kernel"][0, 0]
        if self.use_bias:
            self.z += self.params["bias"]
        self.a = self.activation.forward(self.z)
        return self.a

    def backward(self, da):
        dz = self.activation.backward(self.z, self.a, da)
        P, dP = self.params["pointwise_kernel"][0, 0], self.grads["pointwise_kernel"][0, 0]
        u2, dz2 = self.u.reshape(-1, P.shape[0]), dz.reshape(-1, self.filters)
        np.matmul(u2.T, dz2, out=dP)  # dL/dP = uᵀ · dL/dz
        if self.use_bias:
            dz2.sum(axis=0, out=self.grads["bias"])  # dL/db = Σ dL/dz
        return self.depthwise_backward(dz @ P.T)  # du = dL/dz · Pᵀ; dD always, dx if needed

    def get_config(self):
        config = super().get_config()
        return {**config, "filters": self.filters,
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer)}
