"""``Attention`` (Luong's dot-product attention) and ``AdditiveAttention`` (Bahdanau's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as grandom
from ..errors import InputError
from ..i18n import N_, _
from .attention_call import AttentionCall
from .masked_softmax import LARGE_NEGATIVE, masked_softmax, masked_softmax_backward


class Attention(AttentionCall):
    """Dot-product attention (Luong et al., 2015) without weights of its own (but a scale)::

        Z = s · Q·Kᵀ                      (batch, Tq, Tv)   score_mode="dot"
        Z = c · Σ_d tanh(s·(q_i + k_j))                     score_mode="concat"
        P = softmax(Z - 10⁹·(1 - mask))   over Tv (the value mask, and the causal mask)
        y = dropout(P)·V                  (batch, Tq, dim), 0 at masked query positions

    ``Q (batch, Tq, dim)``, ``V (batch, Tv, dim)``, ``K`` defaults to ``V``. ``s`` is a
    trainable scalar ``scale`` with ``use_scale=True`` (else 1), ``c`` the trainable scalar
    ``concat_score_weight`` of ``score_mode="concat"`` (Keras's weights, both start at 1).
    Called as ``attention([query, value])`` or ``([query, value, key])``, with
    ``mask=[query_mask, value_mask]`` (or the inputs' own masks), ``use_causal_mask`` and
    ``return_attention_scores`` (then ``(y, dropout(P))``).

    **Backpropagation**::

        dP = dy·Vᵀ (· keep/(1-rate)),   dV = dropout(P)ᵀ·dy
        dZ = P · (dP - Σ_j dP·P)              the softmax's Jacobian
        dot:    dQ = s·dZ·K,  dK = s·dZᵀ·Q,  ds = Σ dZ · Q·Kᵀ
        concat: dA = c·dZ·(1 - tanh²(A)), A = s·(q_i + k_j):
                dq_i = s·Σ_j dA,  dk_j = s·Σ_i dA,  ds = Σ dA·(q_i + k_j),
                dc = Σ dZ · Σ_d tanh(A)
    """

    formula = "y = softmax(score(Q, K) + mask) V"
    backward_formula = N_("dZ = P·(dP - Σ dP·P);  dV = Pᵀ·dy;  dQ, dK from the score")

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, causal: bool | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(_("Invalid value for argument score_mode. Expected one of "
                               "{{'dot', 'concat'}}. Received: score_mode={mode!r}.").format(
                mode=score_mode))
        if not 0 <= float(dropout) < 1:
            raise ValueError(_("{cls} dropout must be in [0, 1), got {rate!r}.").format(
                cls=type(self).__name__, rate=dropout))
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        if causal is not None:  # Keras 2.x's constructor argument
            from ..legacy import warn_once as warn_keras2

            warn_keras2(f"{type(self).__name__}(causal=...)",
                        "layer(inputs, use_causal_mask=True)")
        self.causal = bool(causal)

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) else []
        if not 2 <= len(shapes) <= 3:
            raise InputError(_("{cls} layer {name!r} must be called on a list of inputs, "
                               "namely [query, value] or [query, value, key].").format(
                cls=type(self).__name__, name=self.name))
        q_shape, v_shape = shapes[0], shapes[1]
        k_shape = shapes[2] if len(shapes) > 2 else v_shape
        if len(q_shape) != 2 or len(v_shape) != 2 or q_shape[-1] != k_shape[-1]:
            raise InputError(_(
                "{cls} layer {name!r} takes query (batch, Tq, dim) and value/key (batch, Tv, "
                "dim) with the same dim for query and key; got query {q}, value {v}, key "
                "{k}.").format(cls=type(self).__name__, name=self.name, q=(None, *q_shape),
                               v=(None, *v_shape), k=(None, *k_shape)))
        self.add_score_weights(q_shape[-1])
        super().build(input_shape)

    def add_score_weights(self, dim: int) -> None:
        if self.use_scale:
            self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.add_weight("concat_score_weight", (), "ones")

    def compute_output_shape(self, input_shape):
        q_shape, v_shape = tuple(input_shape[0]), tuple(input_shape[1])
        return (*q_shape[:-1], v_shape[-1])

    def output_shapes(self, input_shape) -> list[tuple]:
        shapes = super().output_shapes(input_shape)
        if self.options["return_attention_scores"]:
            shapes.append((input_shape[0][0], input_shape[1][0]))
        return shapes

    # -- calling ----------------------------------------------------------------------
    def __call__(self, inputs, mask=None, training=None, return_attention_scores: bool = False,
                 use_causal_mask: bool = False, **kwargs):
        """``attention([query, value])`` or ``([query, value, key])``, as in Keras."""
        if kwargs:
            raise TypeError(_("{cls} got unexpected arguments {names}.").format(
                cls=type(self).__name__, names=sorted(kwargs)))
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(_("{cls} layer must be called on a list of inputs, namely "
                               "[query, value] or [query, value, key].").format(
                cls=type(self).__name__))
        inputs = list(inputs)
        options = {"key": len(inputs) == 3, "attention_mask": False,
                   "use_causal_mask": bool(use_causal_mask) or self.causal,
                   "return_attention_scores": bool(return_attention_scores)}
        if mask is not None and (not isinstance(mask, (list, tuple)) or len(mask) < 2):
            raise ValueError(_("{cls} layer mask must be a list, namely [query_mask, "
                               "value_mask].").format(cls=type(self).__name__))
        masks = list(mask[:2]) if mask is not None else [
            getattr(t, "_keras_mask", None) for t in inputs[:2]]
        return self.run_with(inputs, options, [*masks, None], training)

    @property
    def call_kwargs(self) -> dict[str, bool]:
        """The options a model file records (the key is the list's third input)."""
        return {k: True for k in ("use_causal_mask", "return_attention_scores")
                if self.options[k]}

    def keras_call(self, tensors: list, kwargs: dict) -> tuple[list, dict]:
        """Keras's record of the call: ``attention([query, value, key?], ...)``."""
        return [tensors], dict(kwargs)

    @classmethod
    def from_keras_call(cls, args: list, kwargs: dict) -> tuple[list, dict]:
        """The inputs and options of a call recorded in a Keras file (the masks are wired
        from the graph)."""
        inputs = args[0] if args else kwargs.get("inputs")
        if not isinstance(inputs, list) or not 2 <= len(inputs) <= 3:
            raise ValueError(_("an {cls} call in the file is not on [query, value] or "
                               "[query, value, key].").format(cls=cls.__name__))
        return inputs, {k: True for k in ("use_causal_mask", "return_attention_scores")
                        if kwargs.get(k)}

    # -- forward ----------------------------------------------------------------------
    def forward(self, xs, training=False):
        q, v, *rest = xs
        k = rest[0] if rest else v
        self.q, self.v, self.k = q, v, k
        Z = self.scores(q, k)  # (batch, Tq, Tv)
        q_mask, v_mask, _k = self.input_masks()
        mask = None if v_mask is None else np.asarray(v_mask, bool)[:, None, :]
        if self.options["use_causal_mask"]:
            causal = np.tri(Z.shape[1], Z.shape[2], dtype=bool)[None]
            mask = causal if mask is None else mask & causal
        if mask is not None:  # Keras subtracts 10⁹ from the masked scores
            Z = Z - Z.dtype.type(-LARGE_NEGATIVE) * ~mask
        self.P = masked_softmax(Z, None)
        self.keep = None
        if training and self.dropout > 0:
            rng = self._rng or grandom.rng()
            keep = rng.random(self.P.shape, dtype=np.float32) >= self.dropout
            self.keep = keep.astype(Z.dtype) * Z.dtype.type(1 / (1 - self.dropout))
        self.P_used = self.P if self.keep is None else self.P * self.keep
        y = self.P_used @ v
        self.q_keep = None if q_mask is None else np.asarray(q_mask, bool)[:, :, None]
        if self.q_keep is not None:
            y = np.where(self.q_keep, y, 0).astype(y.dtype)
        if self.options["return_attention_scores"]:
            return [y, self.P_used]
        return y

    def scores(self, q: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``Z (batch, Tq, Tv)``: ``s·Q·Kᵀ``, or the concat score."""
        s = self.params["scale"] if self.use_scale else q.dtype.type(1)
        if self.score_mode == "dot":
            self.QK = q @ k.transpose(0, 2, 1)
            return self.QK * s
        self.qk = q[:, :, None, :] + k[:, None, :, :]  # (batch, Tq, Tv, dim)
        self.tanh = np.tanh(self.qk * s)
        self.tanh_sum = self.tanh.sum(axis=-1)
        return self.params["concat_score_weight"] * self.tanh_sum

    # -- backward ---------------------------------------------------------------------
    def backward(self, dy):
        dscores = None
        if isinstance(dy, list):
            dy, dscores = dy
        if self.q_keep is not None:
            dy = np.where(self.q_keep, dy, 0).astype(dy.dtype)
        dv = self.P_used.transpose(0, 2, 1) @ dy  # dV = dropout(P)ᵀ·dy
        dP = dy @ self.v.transpose(0, 2, 1)
        if dscores is not None:
            dP += dscores
        if self.keep is not None:
            dP *= self.keep
        dZ = masked_softmax_backward(dP, self.P, None)
        dq, dk = self.scores_backward(dZ)
        if not self.need_input_grad:
            return None
        if not self.options["key"]:  # key is value: both paths reach it
            return [dq, dv + dk]
        return [dq, dv, dk]

    def scores_backward(self, dZ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``dQ, dK`` from ``dZ``, filling the gradients of ``scale`` and
        ``concat_score_weight``."""
        q, k = self.q, self.k
        s = self.params["scale"] if self.use_scale else q.dtype.type(1)
        if self.score_mode == "dot":
            if self.use_scale:  # ds = Σ dZ · Q·Kᵀ
                self.grads["scale"][...] = np.sum(dZ * self.QK)
            return (dZ @ k) * s, (dZ.transpose(0, 2, 1) @ q) * s
        c = self.params["concat_score_weight"]
        self.grads["concat_score_weight"][...] = np.sum(dZ * self.tanh_sum)
        dA = (c * dZ)[..., None] * (1 - self.tanh ** 2)  # (batch, Tq, Tv, dim)
        if self.use_scale:  # ds = Σ dA · (q_i + k_j)
            self.grads["scale"][...] = np.sum(dA * self.qk)
        return dA.sum(axis=2) * s, dA.sum(axis=1) * s

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau et al., 2015): the score is a small network of ``q`` and
    ``k`` instead of their dot product::

        Z[i, j] = Σ_d s_d · tanh(q_i + k_j)_d       s (dim,), trainable (use_scale=True)

    and then as ``Attention``: ``P = softmax(Z + mask)``, ``y = dropout(P)·V``.
    Backward: ``dA = dZ · s · (1 - tanh²(q_i + k_j))``, ``dq_i = Σ_j dA``,
    ``dk_j = Σ_i dA``, ``ds = Σ dZ · tanh(q_i + k_j)``.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs) -> None:
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def add_score_weights(self, dim: int) -> None:
        if self.use_scale:  # Keras: glorot_uniform on a vector
            self.add_weight("scale", (dim,), "glorot_uniform")

    def scores(self, q, k):
        self.tanh = np.tanh(q[:, :, None, :] + k[:, None, :, :])  # (batch, Tq, Tv, dim)
        return self.tanh @ self.params["scale"] if self.use_scale else self.tanh.sum(-1)

    def scores_backward(self, dZ):
        if self.use_scale:  # ds = Σ dZ · tanh
            self.grads["scale"][...] = np.einsum("bij,bijd->d", dZ, self.tanh)
            dT = dZ[..., None] * self.params["scale"]
        else:
            dT = np.repeat(dZ[..., None], self.tanh.shape[-1], axis=-1)
        dA = dT * (1 - self.tanh ** 2)
        return dA.sum(axis=2), dA.sum(axis=1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config
