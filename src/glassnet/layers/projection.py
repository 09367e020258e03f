"""``Projection``: a Dense layer over several axes at once, for the heads of attention."""

from __future__ import annotations

import math

import numpy as np

from .. import initializers
from .base import Layer


class Projection(Layer):
    """Contract the last ``n_in`` axes of ``x`` with the first ``n_in`` axes of ``W``:
    ``y[..., o] = Σ_i x[..., i] W[i, o] + b[o]``, with ``i`` and ``o`` multi-indices.

    This is the part of Keras's ``EinsumDense`` that ``MultiHeadAttention`` uses (Keras names
    the four of it ``query``, ``key``, ``value`` and ``attention_output``):

    * ``query``: ``x (batch, T, D)``, ``W (D, heads, key_dim)``, ``b (heads, key_dim)``,
      ``y (batch, T, heads, key_dim)``: one projection per head, in one matrix product;
    * ``attention_output``: ``x (batch, T, heads, value_dim)``, ``W (heads, value_dim, D)``,
      ``b (D,)``: the heads' outputs concatenated and mixed back to ``D`` features.

    Seen as matrices (``x`` as ``(N, Π in)``, ``W`` as ``(Π in, Π out)``) this is ``Dense``:
    ``y = xW + b``, and backward is ``dW = xᵀ·dy``, ``db = Σ_N dy``, ``dx = dy·Wᵀ``.
    """

    handles_variable_length = True

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs) -> None:
        super().__init__(**kwargs)
        self.in_shape = tuple(int(d) for d in in_shape)
        self.out_shape = tuple(int(d) for d in out_shape)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def build(self, input_shape=None):
        self.add_weight("kernel", (*self.in_shape, *self.out_shape),
                        _fan_initializer(self.kernel_initializer, self.in_shape,
                                         self.out_shape))
        if self.use_bias:
            self.add_weight("bias", self.out_shape, self.bias_initializer)
        super().build(tuple(input_shape or self.in_shape))

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:len(input_shape) - len(self.in_shape)], *self.out_shape)

    def forward(self, x, training=False):
        lead = x.shape[:x.ndim - len(self.in_shape)]
        n_in, n_out = math.prod(self.in_shape), math.prod(self.out_shape)
        self.x = x.reshape(-1, n_in)  # (N, Π in)
        z = self.x @ self.params["kernel"].reshape(n_in, n_out)
        if self.use_bias:
            z += self.params["bias"].reshape(n_out)
        return z.reshape(*lead, *self.out_shape)

    def backward(self, dy):
        n_in, n_out = math.prod(self.in_shape), math.prod(self.out_shape)
        dz = dy.reshape(-1, n_out)
        W = self.params["kernel"].reshape(n_in, n_out)
        np.matmul(self.x.T, dz, out=self.grads["kernel"].reshape(n_in, n_out))  # dW = xᵀ·dz
        if self.use_bias:
            self.grads["bias"].reshape(n_out)[...] = dz.sum(axis=0)  # db = Σ dz
        if not self.need_input_grad:
            return None
        lead = dy.shape[:dy.ndim - len(self.out_shape)]
        return (dz @ W.T).reshape(*lead, *self.in_shape)  # dx = dz·Wᵀ


def _fan_initializer(initializer, in_shape, out_shape):
    """Keras's EinsumDense computes the fans of ``W`` from its input and output axes
    (``fan_in = Π in``, ``fan_out = Π out``), not from its last two axes as for a
    convolution kernel: the initializer sees ``W`` as the matrix ``(Π in, Π out)``."""
    init = initializers.get(initializer)

    def draw(shape, dtype):
        matrix = init((math.prod(in_shape), math.prod(out_shape)), dtype)
        return np.asarray(matrix).reshape(shape)

    return draw
