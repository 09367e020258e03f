"""``RNN``: what ``SimpleRNN``, ``LSTM`` and ``GRU`` share — the loop over the time steps,
masks, ``go_backwards``, dropout, and backpropagation through time (BPTT).

A recurrent layer reads a sequence ``x`` of shape ``(batch, T, features)`` one step at a
time and carries a state ``h`` of shape ``(batch, units)`` (LSTM also a cell state ``c``)
from step to step, starting from zeros::

    zx_t = x_t W + b_x            every step at once: one product (batch·T, features) @ W
    zh_t = h_{t-1} U (+ b_h)      the recurrent part, one step at a time
    h_t, c_t = cell(zx_t, zh_t, h_{t-1}, c_{t-1})

``W`` (features, G·units) is Keras's ``kernel`` and ``U`` (units, G·units) its
``recurrent_kernel``; their columns are G blocks of ``units``, one per gate (SimpleRNN 1;
LSTM 4: i, f, c, o; GRU 3: z, r, h), in Keras's order, so Keras's weights load unchanged.
The output is ``h_T`` (the last step), or every ``h_t`` with ``return_sequences=True``.

Backward (BPTT) is the chain rule over the unrolled loop, from the last step to the first.
At step t the cell (``step_backward``) turns ``dL/dh_t`` (from the output at t plus what
step t+1 sent back) into ``dL/dzx_t``, ``dL/dzh_t`` and the direct part of ``dL/dh_{t-1}``;
the recurrent product adds ``dL/dh_{t-1} += dL/dzh_t Uᵀ``. After the loop each weight's
gradient is a sum over the steps, computed as one matrix product::

    dW = Σ_t x_tᵀ dzx_t     dU = Σ_t h_{t-1}ᵀ dzh_t     db_x = Σ_t dzx_t     dx_t = dzx_t Wᵀ

Masks (``Embedding(mask_zero=True)`` before the layer): at a masked step the states are
carried over, ``h_t = h_{t-1}``, as Keras does, so padding changes nothing; backward, the
gradient of such a step flows straight to ``h_{t-1}``. The output at a masked step is that
carried ``h_t``, or 0 with ``zero_output_for_mask`` (set by ``Bidirectional``).

``go_backwards=True`` reads the steps last to first; with ``return_sequences`` the outputs
stay in that reversed order, as in Keras. ``dropout`` drops input features and
``recurrent_dropout`` drops the entries of ``h_{t-1}`` that enter ``U`` during training, one
random mask per sequence for all its steps (Keras 3's ``DropoutRNNCell``).

Shapes of the sequence: ``Input(shape=(None, features))`` takes any number of steps (one
per batch).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .. import activations, initializers
from .. import random as grandom
from ..errors import InputError
from ..graph import symbolic
from ..i18n import _
from .base import Layer


class RNN(Layer):
    """The time loop of a recurrent layer; subclasses define the cell: ``gates`` (blocks of
    ``units`` in ``W`` and ``U``), ``step`` and ``step_backward``."""

    gates = 1
    n_states = 1  # h; LSTM: h and c
    separate_recurrent_bias = False  # GRU(reset_after=True): b_h beside b_x
    handles_variable_length = True
    supports_masking = True

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, seed: int | None = None,
                 **kwargs) -> None:
        for keras_only in ("implementation", "use_cudnn", "time_major"):
            kwargs.pop(keras_only, None)  # how Keras runs the loop: same results
        super().__init__(**kwargs)
        cls = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(_("{cls} units must be a positive integer, got {value!r}.").format(
                cls=cls, value=units))
        given = {"kernel_regularizer": kernel_regularizer,
                 "recurrent_regularizer": recurrent_regularizer,
                 "bias_regularizer": bias_regularizer,
                 "activity_regularizer": activity_regularizer,
                 "kernel_constraint": kernel_constraint,
                 "recurrent_constraint": recurrent_constraint, "bias_constraint": bias_constraint}
        unsupported = sorted(k for k, v in given.items() if v is not None)
        if stateful:
            unsupported.append("stateful=True")
        if unsupported:
            raise NotImplementedError(_(
                "{cls}: glassnet's recurrent layers do not support {names} yet. Leave them "
                "out (a Dropout layer or dropout= regularizes instead).").format(
                cls=cls, names=", ".join(unsupported)))
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= float(rate) < 1:
                raise ValueError(_("{cls} {name} must be in [0, 1), got {value!r}.").format(
                    cls=cls, name=name, value=rate))
        for init in (kernel_initializer, recurrent_initializer, bias_initializer):
            initializers.get(init)  # an unknown name fails here, not at build
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.mask_source: Layer | None = None  # whose output_mask masks the input steps

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape):
        if len(input_shape) != 2:
            raise InputError(_(
                "{cls} layer {name!r} reads sequences of shape (batch, steps, features), but "
                "its input has shape {shape}. For token ids put an Embedding layer before "
                "it; for one number per step add the feature axis, e.g. "
                "Reshape(({steps}, 1)) or x[..., None].").format(
                cls=type(self).__name__, name=self.name, shape=(None, *input_shape),
                steps=input_shape[0] if input_shape else "T"))
        G, u = self.gates, self.units
        self.add_weight("kernel", (input_shape[-1], G * u), self.kernel_initializer)
        self.add_weight("recurrent_kernel", (u, G * u), self.recurrent_initializer)
        if self.use_bias:
            shape = (2, G * u) if self.separate_recurrent_bias else (G * u,)
            self.add_weight("bias", shape, self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def output_shapes(self, input_shape) -> list[tuple]:
        """The output, then with ``return_state`` the final states ``h`` (and ``c``)."""
        shapes = super().output_shapes(input_shape)
        return shapes + [(self.units,)] * self.n_states if self.return_state else shapes

    def connect_mask(self, inputs):
        """Use the input's mask (``Embedding(mask_zero=True)``); pass it on with the
        sequences (``return_sequences``)."""
        source = inputs[0].mask_source
        if self.inbound_nodes and source is not self.mask_source:
            raise NotImplementedError(_(
                "{cls} layer {name!r} is called on two inputs with different masks; glassnet "
                "masks a shared recurrent layer with one mask only. Use two layers.").format(
                cls=type(self).__name__, name=self.name))
        self.mask_source = source
        return source if self.return_sequences else None

    def __call__(self, inputs, training: bool = False, mask=None, **kwargs):
        """``layer(x)``. In a model the mask comes from the graph (``connect_mask``); called
        on arrays or tensors, it is the ``mask=`` given, as in Keras (e.g.
        ``lstm(h, mask=embedding.compute_mask(tokens))`` in a model of your own), or none."""
        if symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        with given_mask([self], mask):
            return super().__call__(inputs, training, **kwargs)

    # -- the cell (subclasses) --------------------------------------------------------
    def step(self, zx, zh, h, c):
        """One step: ``(h_t, c_t, cache)`` from ``zx_t``, ``zh_t`` and the states."""
        raise NotImplementedError

    def step_backward(self, dh, dc, cache):
        """``(dzx_t, dzh_t, dh_{t-1} direct part, dc_{t-1})`` from ``dh_t``, ``dc_t``."""
        raise NotImplementedError

    # -- forward: the loop over time -----------------------------------------------------
    def forward(self, x, training=False):
        B, T, d = x.shape
        u, dtype = self.units, x.dtype
        mask = None if self.mask_source is None else self.mask_source.output_mask
        if mask is not None and mask.shape != (B, T):
            raise InputError(_("{cls} layer {name!r}: the mask has shape {mask}, but the "
                               "sequences have shape {shape}.").format(
                cls=type(self).__name__, name=self.name, mask=mask.shape, shape=x.shape))
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        self.x_keep = self._dropout_mask((B, d), self.dropout, dtype) if training else None
        self.h_keep = self._dropout_mask((B, u), self.recurrent_dropout, dtype) \
            if training else None
        if self.x_keep is not None:
            x = x * self.x_keep[:, None, :]
        self.x, self.mask = x, mask
        W, U = self.params["kernel"], self.params["recurrent_kernel"]
        b = self.params.get("bias")
        b_x, b_h = (b[0], b[1]) if b is not None and self.separate_recurrent_bias else (b, None)
        zx = (x.reshape(B * T, d) @ W).reshape(B, T, -1)  # the input part of every step
        if b_x is not None:
            zx += b_x
        H = np.zeros((B, T + 1, u), dtype)  # H[:, t + 1] = h_t; H[:, 0] = 0, the start
        C = np.zeros((B, T + 1, u), dtype) if self.n_states == 2 else None
        self.caches = []
        for t in range(T):
            h_prev = H[:, t]
            c_prev = None if C is None else C[:, t]
            zh = (h_prev if self.h_keep is None else h_prev * self.h_keep) @ U
            if b_h is not None:
                zh += b_h
            h, c, cache = self.step(zx[:, t], zh, h_prev, c_prev)
            if mask is not None:  # a masked step carries the states over
                m = mask[:, t, None]
                h = np.where(m, h, h_prev)
                c = None if c is None else np.where(m, c, c_prev)
            H[:, t + 1] = h
            if C is not None:
                C[:, t + 1] = c
            self.caches.append(cache)
        self.H, self.C = H, C
        Y = H[:, 1:]
        if self.zero_output_for_mask and mask is not None:
            Y = Y * mask[:, :, None]
        y = Y if self.return_sequences else Y[:, -1]
        if not self.return_state:
            return y
        return [y, H[:, -1]] + ([] if C is None else [C[:, -1]])

    def _dropout_mask(self, shape, rate: float, dtype) -> np.ndarray | None:
        """``keep / (1 - rate)`` with ``keep ~ Bernoulli(1 - rate)``: inverted dropout."""
        if rate == 0:
            return None
        rng = self._rng or grandom.rng()
        keep = rng.random(shape, dtype=np.float32) >= rate
        return keep.astype(dtype) * dtype.type(1 / (1 - rate))

    # -- backward: backpropagation through time ------------------------------------------
    def backward(self, dy):
        dstates = [None] * self.n_states
        if self.return_state:
            dy, *dstates = dy
        x, H, mask = self.x, self.H, self.mask
        B, T, d = x.shape
        U = self.params["recurrent_kernel"]
        if not self.return_sequences:  # only the last step's output was used
            dY = np.zeros((B, T, self.units), dy.dtype)
            dY[:, -1] = dy
        else:
            dY = dy
        if self.zero_output_for_mask and mask is not None:
            dY = dY * mask[:, :, None]
        dh = np.zeros((B, self.units), dy.dtype) if dstates[0] is None else dstates[0].copy()
        dc = None
        if self.n_states == 2:
            dc = np.zeros_like(dh) if dstates[1] is None else dstates[1].copy()
        dzx = np.empty((B, T, U.shape[1]), dy.dtype)
        dzh = np.empty_like(dzx) if self.separate_recurrent_bias else dzx
        for t in range(T - 1, -1, -1):
            dh = dh + dY[:, t]  # dL/dh_t: this step's output and step t+1
            carry_h = carry_c = None
            if mask is not None:  # a masked step passed h_{t-1} (and c) through
                m = mask[:, t, None]
                carry_h, dh = np.where(m, 0, dh), np.where(m, dh, 0)
                if dc is not None:
                    carry_c, dc = np.where(m, 0, dc), np.where(m, dc, 0)
            dzx_t, dzh_t, dh_prev, dc_prev = self.step_backward(dh, dc, self.caches[t])
            dzx[:, t] = dzx_t
            if dzh is not dzx:
                dzh[:, t] = dzh_t
            dh_rec = dzh_t @ U.T
            if self.h_keep is not None:
                dh_rec *= self.h_keep
            dh = dh_prev + dh_rec if carry_h is None else dh_prev + dh_rec + carry_h
            dc = dc_prev if carry_c is None else dc_prev + carry_c
        h_in = H[:, :-1] if self.h_keep is None else H[:, :-1] * self.h_keep[:, None, :]
        G = U.shape[1]
        self.grads["kernel"][...] = x.reshape(B * T, d).T @ dzx.reshape(B * T, G)
        self.grads["recurrent_kernel"][...] = \
            h_in.reshape(B * T, self.units).T @ dzh.reshape(B * T, G)
        if self.use_bias:
            if self.separate_recurrent_bias:
                self.grads["bias"][0] = dzx.sum(axis=(0, 1))
                self.grads["bias"][1] = dzh.sum(axis=(0, 1))
            else:
                self.grads["bias"][...] = dzx.sum(axis=(0, 1))
        if not self.need_input_grad:
            return None
        dx = (dzx.reshape(B * T, G) @ self.params["kernel"].T).reshape(B, T, d)
        if self.x_keep is not None:
            dx *= self.x_keep[:, None, :]
        return dx[:, ::-1] if self.go_backwards else dx

    # -- saving -----------------------------------------------------------------------
    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Where Keras 3 keeps this layer's weights in a ``.weights.h5``: in its cell."""
        return [("cell/vars", self)]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "seed": self.seed}


class GivenMask:
    """A mask passed as ``layer(x, mask=m)``: ``(batch, T)``, True where a step counts."""

    def __init__(self, mask) -> None:
        self.output_mask = np.asarray(mask, bool)


@contextmanager
def given_mask(layers: list[RNN], mask):
    """For one eager call: ``layers`` read ``mask`` (None: no mask) instead of the graph's."""
    saved = [layer.mask_source for layer in layers]
    for layer in layers:
        layer.mask_source = None if mask is None else GivenMask(mask)
    try:
        yield
    finally:
        for layer, source in zip(layers, saved):
            layer.mask_source = source
