"""Loss functions ``L(y, ŷ)``, each with its gradient ``dL/dŷ``.

Every loss is averaged over the batch (Keras's ``sum_over_batch_size``), so each
gradient carries a ``1/n``. Shapes: ``ŷ (batch, k)``; ``y`` the same, or
``(batch,)`` integer classes for the sparse loss.

Cross-entropy after softmax (or sigmoid) is *fused*: the model hands the loss the
pre-activation ``z`` and the output ``a``, and the gradient of the pair is simply

    dL/dz = (a - y) / n

which is exact, cheap, and never divides by a probability that rounded to 0.
The loss value itself is computed from ``z`` with log-softmax, so it stays finite
for saturated outputs. The same formulas serve ``from_logits=True``.
"""

from __future__ import annotations

import numpy as np

from . import legacy
from .activations import row_max
from .errors import unknown_name
from .i18n import _
from .tape import record
from .tensor import Tensor, to_array

EPSILON = 1e-7  # Keras's backend.epsilon(): probabilities are clipped to [ε, 1 - ε]


def _match(y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Let ``y`` of shape (n,) stand for (n, 1), as Keras does for one output unit."""
    if y.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y.reshape(y_pred.shape)
    return y


def _log_softmax(z: np.ndarray) -> np.ndarray:
    """``log softmax(z) = z - max - log Σ e^(z - max)``."""
    shifted = z - row_max(z)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - row_max(z))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _options(loss: Loss, **defaults) -> dict:
    """``get_config``: the name and each option that differs from its default (so a
    model file stays readable by older glassnet versions when the defaults are used)."""
    config = {"name": loss.name}
    for key, default in defaults.items():
        value = getattr(loss, key)
        if key == "from_logits" or value != default:
            config[key] = value
    return config


class _Reduction:
    """Keras 2's ``keras.losses.Reduction`` names (Keras 3 takes the strings). glassnet
    averages over the batch: ``AUTO`` and ``SUM_OVER_BATCH_SIZE``."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"


# keras.losses.Reduction: Keras 2's, read with one warning naming Keras 3's strings
__getattr__ = legacy.old_names(__name__, "keras.losses", {
    "Reduction": (_Reduction, "reduction='sum_over_batch_size' (a string)")})


def weights_like(sample_weight, values: np.ndarray) -> np.ndarray:
    """``sample_weight`` (one per sample, or one per sample and step) broadcast to the shape
    of ``values``: a trailing axis of 1 is dropped, missing trailing axes are added."""
    w = np.asarray(sample_weight, dtype=np.float64)
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    w = w.reshape(w.shape + (1,) * (values.ndim - w.ndim))
    return np.broadcast_to(w, values.shape)


class Loss:
    """Base class: ``forward(y, ŷ)`` is the mean loss, ``backward(y, ŷ)`` is ``dL/dŷ``.

    Losses that pair with an output activation set ``fuses_with`` and also define
    ``forward_fused(y, z)`` and ``backward_fused(y, a)``, both in terms of the
    pre-activation ``z`` (the logits) and the activation's output ``a``.
    """

    name = "loss"
    fuses_with: str | None = None
    sparse = False  # True when y holds class indices
    from_logits = False
    #: what ``loss(y, ŷ)`` returns: the mean over the samples, their sum, or one value per
    #: sample (``"none"``: ``fit`` still minimises the mean)
    reduction = "sum_over_batch_size"

    def __init__(self, name: str | None = None, reduction: str = "sum_over_batch_size",
                 dtype=None) -> None:
        """For losses of your own, as Keras's ``super().__init__(name="custom_mse")``."""
        if name is not None:
            self.name = name
        if reduction not in ("sum_over_batch_size", "auto", "sum", "none", None):
            raise ValueError(_("reduction={reduction!r} is not one Keras has: use "
                               "'sum_over_batch_size' (the mean, the default), 'sum' or "
                               "'none' (one loss per sample).").format(reduction=reduction))
        self.reduction = "none" if reduction is None else (
            "sum_over_batch_size" if reduction == "auto" else reduction)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The mean loss as a scalar tensor, as Keras gives (``loss_fn(y, pred).numpy()``).

        With ``sample_weight`` (one weight per sample): ``L = mean_i w_i L_i``, Keras's
        "sum over batch size" (divided by the number of samples, not by the weights' sum);
        its gradient is each sample's row of ``dL/dŷ`` times ``w_i``, since ``L_i``
        depends on row ``i`` only.

        Computed in float64 and returned in ``y_pred``'s float type. On a ``GradientTape``
        it is one op whose derivative is ``backward``, the hand-written ``dL/dŷ``.
        """
        if self.reduction in ("none", "sum"):  # TensorFlow's masked losses: L_i, masked
            values = _per_sample(self, y_true, y_pred, self.sparse)
            values = values if isinstance(values, Tensor) else Tensor(np.asarray(values))
            if sample_weight is not None:
                w = weights_like(to_array(sample_weight), values.array)
                values = values * Tensor(w.astype(values.dtype))
            if self.reduction == "none":
                return values
            from .ops.math import reduce_sum  # the ops import this module: not at the top

            return reduce_sum(values)
        pred = y_pred if isinstance(y_pred, Tensor) else Tensor(to_array(y_pred))
        a = pred.array.astype(np.float64)
        y = np.asarray(to_array(y_true), dtype=np.int64 if self.sparse else np.float64)
        dtype = pred.dtype if pred.dtype.kind == "f" else np.dtype(np.float64)
        if sample_weight is None:
            value = Tensor(np.asarray(self.forward(y, a), dtype))
            return record(value, [pred], lambda dL: [dL * self.backward(y, a)],
                          type(self).__name__)
        per = np.asarray(to_array(self.call(match_dtype_and_rank(y, a), a)), np.float64)
        w = weights_like(to_array(sample_weight), per)
        value = Tensor(np.asarray(np.mean(per * w), dtype))
        w_rows = w.reshape(w.shape + (1,) * (a.ndim - w.ndim))
        return record(value, [pred], lambda dL: [dL * self.backward(y, a) * w_rows],
                      type(self).__name__)

    def call(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """One loss per sample, shape ``(batch,)`` (Keras's ``Loss.call``); ``forward`` is
        their mean."""
        raise NotImplementedError

    def forward(self, y: np.ndarray, y_pred: np.ndarray) -> float:
        return np.mean(self.call(match_dtype_and_rank(y, y_pred), y_pred))

    def backward(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``dL/dŷ`` of ``L = mean(call(y, ŷ))``. Built-in losses write it out; a loss of your
        own whose ``call`` uses glassnet ops (``tf.square``, ``tf.reduce_mean``...) gets it
        from a ``GradientTape``."""
        from .tape import GradientTape

        pred = Tensor(np.asarray(y_pred))
        with GradientTape() as tape:
            tape.watch(pred)
            per_sample = self.call(match_dtype_and_rank(y, pred.array), pred)
            if not isinstance(per_sample, Tensor):
                raise TypeError(_(
                    "Loss {name!r}: call returned {type}; compute it "
                    "with glassnet ops (tf.square, tf.reduce_mean, ...) so that its gradient "
                    "can be found, or write backward(y, y_pred) yourself.").format(
                    name=self.name, type=type(per_sample).__name__))
            mean = _mean(per_sample)
        grad = tape.gradient(mean, pred)
        return np.zeros_like(pred.array) if grad is None else grad.array

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    """``L = mean((ŷ - y)²)``; ``dL/dŷ = 2(ŷ - y) / (n·k)``."""

    name = "mean_squared_error"

    def call(self, y, y_pred):
        return np.mean(np.square(y_pred - _match(y, y_pred)), axis=-1)

    def forward(self, y, y_pred):
        y = _match(y, y_pred)
        return np.mean(np.square(y_pred - y))

    def backward(self, y, y_pred):
        y = _match(y, y_pred)
        return (2.0 / y_pred.size) * (y_pred - y)


class MeanAbsoluteError(Loss):
    """``L = mean(|ŷ - y|)``; ``dL/dŷ = sign(ŷ - y) / (n·k)``."""

    name = "mean_absolute_error"

    def call(self, y, y_pred):
        return np.mean(np.abs(y_pred - _match(y, y_pred)), axis=-1)

    def forward(self, y, y_pred):
        y = _match(y, y_pred)
        return np.mean(np.abs(y_pred - y))

    def backward(self, y, y_pred):
        y = _match(y, y_pred)
        return np.sign(y_pred - y) / y_pred.size


class BinaryCrossentropy(Loss):
    """``L = -mean(y log p + (1 - y) log(1 - p))`` for ``p = P(y = 1 | x)``.

    From logits ``z`` (``p = sigmoid(z)``) it is computed as
    ``max(z, 0) - z·y + log(1 + e^-|z|)``, finite for any ``z``, and
    ``dL/dz = (sigmoid(z) - y) / (n·k)``. From probabilities, ``p`` is clipped to
    ``[ε, 1 - ε]`` and ``dL/dp = (p - y) / (p (1 - p)) / (n·k)``.
    """

    name = "binary_crossentropy"
    fuses_with = "sigmoid"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str = "sum_over_batch_size", name: str | None = None) -> None:
        Loss.__init__(self, name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def _target(self, y, like):
        """``y`` shaped like the output; with label smoothing ``s``: ``y (1 - s) + s / 2``."""
        y = _match(y, like)
        s = self.label_smoothing
        return y * (1 - s) + 0.5 * s if s else y

    def _elementwise(self, y, y_pred):
        if self.from_logits:
            z = y_pred
            return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    def call(self, y, y_pred):
        return np.mean(self._elementwise(self._target(y, y_pred), y_pred), axis=-1)

    def forward(self, y, y_pred):
        return np.mean(self._elementwise(self._target(y, y_pred), y_pred))

    def backward(self, y, y_pred):
        if self.from_logits:
            return self.backward_fused(y, _sigmoid(y_pred))
        y = self._target(y, y_pred)
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return inside * (p - y) / (p * (1 - p)) / y_pred.size

    def forward_fused(self, y, z):
        y = self._target(y, z)
        return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))

    def backward_fused(self, y, a):
        return (a - self._target(y, a)) / a.size

    def get_config(self):
        return _options(self, from_logits=False, label_smoothing=0.0)


class CategoricalCrossentropy(Loss):
    """``L = -mean_batch Σ_classes y log p`` for one-hot (or soft) labels ``y``.

    From logits, ``log p = log_softmax(z)`` and ``dL/dz = (softmax(z) - y) / n``.
    From probabilities (an output that is not a softmax layer), ``p`` is first
    normalised to sum to 1 and clipped to ``[ε, 1 - ε]``, as Keras does.
    """

    name = "categorical_crossentropy"
    fuses_with = "softmax"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str = "sum_over_batch_size", name: str | None = None) -> None:
        Loss.__init__(self, name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def _onehot(self, y, like):
        """The target distribution; with label smoothing ``s``: ``y (1 - s) + s / k``."""
        s = self.label_smoothing
        return y * (1 - s) + s / like.shape[-1] if s else y

    def call(self, y, y_pred):
        y = self._onehot(y, y_pred)
        if self.from_logits:
            return -np.sum(y * _log_softmax(y_pred), axis=-1)
        p = np.clip(y_pred / y_pred.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
        return -np.sum(y * np.log(p), axis=-1)

    def forward(self, y, y_pred):
        if self.from_logits:
            return self.forward_fused(y, y_pred)
        return np.mean(self.call(y, y_pred))

    def backward(self, y, y_pred):
        if self.from_logits:
            return self.backward_fused(y, _softmax(y_pred))
        y = self._onehot(y, y_pred)
        s = y_pred.sum(axis=-1, keepdims=True)
        q = y_pred / s
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        g = -(inside * y) / np.clip(q, EPSILON, 1 - EPSILON)  # dL/dq per sample
        # through q = p / Σp: dL/dp_j = (g_j - Σ_i g_i q_i) / Σp
        return (g - (g * q).sum(axis=-1, keepdims=True)) / s / y_pred.shape[0]

    def forward_fused(self, y, z):
        y = self._onehot(y, z)
        return -np.mean(np.sum(y * _log_softmax(z), axis=-1))

    def backward_fused(self, y, a):
        return (a - self._onehot(y, a)) / a.shape[0]

    def get_config(self):
        return _options(self, from_logits=False, label_smoothing=0.0)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels: ``L = -mean log p[y]``.

    ``y`` holds class indices ``0 ≤ y < k`` (shape ``(batch,)``), so no one-hot
    matrix is needed: the fused gradient is ``a`` with 1 taken off at ``[i, y_i]``.
    """

    name = "sparse_categorical_crossentropy"
    sparse = True

    def __init__(self, from_logits: bool = False, reduction: str = "sum_over_batch_size",
                 name: str | None = None) -> None:
        super().__init__(from_logits, reduction=reduction, name=name)

    def _onehot(self, y, like):
        onehot = np.zeros(like.shape, like.dtype)
        onehot[np.arange(like.shape[0]), y.reshape(-1)] = 1
        return onehot

    def forward_fused(self, y, z):
        # L_i = log Σ_j e^(z_ij) - z_i,y_i, with the row maximum taken out of the exponent
        n = z.shape[0]
        zmax = row_max(z)
        lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=-1))
        return (lse - z[np.arange(n), y.reshape(-1)]).sum() / n

    def backward_fused(self, y, a):
        n = a.shape[0]
        dz = a * (1 / n)
        dz[np.arange(n), y.reshape(-1)] -= 1 / n
        return dz


class ElementwiseLoss(Loss):
    """A loss that is a function ``ℓ(y, ŷ)`` of each output entry on its own.

    Per sample (``call``, Keras's function form) it is the mean of ``ℓ`` over the last
    axis (``reduce = "mean"``) or its sum (``"sum"``, KL divergence); ``forward`` is the
    mean over the samples, and ``backward`` is ``ℓ'(y, ŷ)`` times the matching ``1/(n·k)``
    (or ``1/n``). Subclasses write ``elementwise`` (``ℓ``) and ``derivative`` (``dℓ/dŷ``)
    next to each other.
    """

    reduce = "mean"

    def elementwise(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _scale(self, y_pred) -> float:
        """``forward = scale · mean(ℓ)``: 1 for a mean over entries, ``k`` for a sum."""
        return 1.0 if self.reduce == "mean" else float(y_pred.shape[-1])

    def call(self, y, y_pred):
        values = self.elementwise(_match(y, y_pred), y_pred)
        return values.mean(axis=-1) if self.reduce == "mean" else values.sum(axis=-1)

    def forward(self, y, y_pred):
        return self._scale(y_pred) * np.mean(self.elementwise(_match(y, y_pred), y_pred))

    def backward(self, y, y_pred):
        return self.derivative(_match(y, y_pred), y_pred) * (self._scale(y_pred) / y_pred.size)


class MeanAbsolutePercentageError(ElementwiseLoss):
    """``ℓ = 100 |y - ŷ| / max(|y|, ε)``; ``dℓ/dŷ = 100 sign(ŷ - y) / max(|y|, ε)``."""

    name = "mean_absolute_percentage_error"

    def elementwise(self, y, y_pred):
        return 100.0 * np.abs(y - y_pred) / np.maximum(np.abs(y), EPSILON)

    def derivative(self, y, y_pred):
        return 100.0 * np.sign(y_pred - y) / np.maximum(np.abs(y), EPSILON)


class MeanSquaredLogarithmicError(ElementwiseLoss):
    """``ℓ = (log(1 + ŷ⁺) - log(1 + y⁺))²`` with ``v⁺ = max(v, ε)``;
    ``dℓ/dŷ = 2 (log(1 + ŷ⁺) - log(1 + y⁺)) / (1 + ŷ)`` where ``ŷ > ε``, else 0."""

    name = "mean_squared_logarithmic_error"

    def _diff(self, y, y_pred):
        return np.log1p(np.maximum(y_pred, EPSILON)) - np.log1p(np.maximum(y, EPSILON))

    def elementwise(self, y, y_pred):
        return np.square(self._diff(y, y_pred))

    def derivative(self, y, y_pred):
        return 2 * self._diff(y, y_pred) * (y_pred > EPSILON) / (1 + np.maximum(y_pred, EPSILON))


class Huber(ElementwiseLoss):
    """With ``e = ŷ - y``: ``ℓ = ½ e²`` where ``|e| ≤ δ``, else ``δ |e| - ½ δ²``
    (squared error near the target, absolute error far from it: robust to outliers);
    ``dℓ/dŷ = clip(e, -δ, δ)``.

    Keras's example: ``y = [[0, 1], [0, 0]]``, ``ŷ = [[0.6, 0.4], [0.4, 0.6]]`` gives 0.155.
    """

    name = "huber_loss"

    def __init__(self, delta: float = 1.0, reduction: str = "sum_over_batch_size",
                 name: str | None = None) -> None:
        Loss.__init__(self, name, reduction)
        self.delta = float(delta)

    def elementwise(self, y, y_pred):
        e = np.abs(y_pred - y)
        d = self.delta
        return np.where(e <= d, 0.5 * np.square(e), d * e - 0.5 * d * d)

    def derivative(self, y, y_pred):
        return np.clip(y_pred - y, -self.delta, self.delta)

    def get_config(self):
        return _options(self, delta=1.0)


class LogCosh(ElementwiseLoss):
    """``ℓ = log cosh(ŷ - y)``, computed as ``x + softplus(-2x) - log 2`` (no overflow);
    ``dℓ/dŷ = tanh(ŷ - y)``. About ``x²/2`` near 0 and ``|x| - log 2`` far from it."""

    name = "log_cosh"

    def elementwise(self, y, y_pred):
        x = y_pred - y
        return x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0)

    def derivative(self, y, y_pred):
        return np.tanh(y_pred - y)


def _hinge_labels(y: np.ndarray) -> np.ndarray:
    """Labels 0 and 1 become -1 and 1 (when all labels of the batch are 0 or 1, as Keras)."""
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


class Hinge(ElementwiseLoss):
    """``ℓ = max(1 - y ŷ, 0)`` for labels ``y ∈ {-1, 1}`` (0/1 are converted);
    ``dℓ/dŷ = -y`` where ``1 - y ŷ > 0``, else 0."""

    name = "hinge"

    def elementwise(self, y, y_pred):
        return np.maximum(1.0 - _hinge_labels(y) * y_pred, 0.0)

    def derivative(self, y, y_pred):
        y = _hinge_labels(y)
        return -y * (1.0 - y * y_pred > 0)


class SquaredHinge(ElementwiseLoss):
    """``ℓ = max(1 - y ŷ, 0)²``; ``dℓ/dŷ = -2 y max(1 - y ŷ, 0)``."""

    name = "squared_hinge"

    def elementwise(self, y, y_pred):
        return np.square(np.maximum(1.0 - _hinge_labels(y) * y_pred, 0.0))

    def derivative(self, y, y_pred):
        y = _hinge_labels(y)
        return -2.0 * y * np.maximum(1.0 - y * y_pred, 0.0)


class Poisson(ElementwiseLoss):
    """``ℓ = ŷ - y log(ŷ + ε)`` (for counts); ``dℓ/dŷ = 1 - y / (ŷ + ε)``."""

    name = "poisson"

    def elementwise(self, y, y_pred):
        return y_pred - y * np.log(y_pred + EPSILON)

    def derivative(self, y, y_pred):
        return 1.0 - y / (y_pred + EPSILON)


class KLDivergence(ElementwiseLoss):
    """``L_i = Σ_classes y log(y / ŷ)``, both clipped to ``[ε, 1]``, summed over the last
    axis; ``dℓ/dŷ = -y / ŷ`` inside the clip range, else 0."""

    name = "kl_divergence"
    reduce = "sum"

    def elementwise(self, y, y_pred):
        y = np.clip(y, EPSILON, 1)
        return y * np.log(y / np.clip(y_pred, EPSILON, 1))

    def derivative(self, y, y_pred):
        inside = (y_pred >= EPSILON) & (y_pred <= 1)
        return -np.clip(y, EPSILON, 1) / np.clip(y_pred, EPSILON, 1) * inside


class CategoricalHinge(Loss):
    """``L_i = max(neg - pos + 1, 0)`` with ``pos = Σ y ŷ`` and ``neg = max((1 - y) ŷ)``
    (the best wrong class against the right one). Where ``L_i > 0``:
    ``dL_i/dŷ = (1 - y) · onehot(argmax((1 - y) ŷ)) - y``."""

    name = "categorical_hinge"

    def call(self, y, y_pred):
        y = _match(y, y_pred)
        pos = np.sum(y * y_pred, axis=-1)
        neg = np.max((1.0 - y) * y_pred, axis=-1)
        return np.maximum(neg - pos + 1.0, 0.0)

    def backward(self, y, y_pred):
        y = _match(y, y_pred)
        wrong = (1.0 - y) * y_pred
        top = np.zeros_like(y_pred)
        np.put_along_axis(top, wrong.argmax(axis=-1)[..., None], 1.0, axis=-1)
        active = (self.call(y, y_pred) > 0)[..., None]
        return active * ((1.0 - y) * top - y) / len(y_pred)


class CosineSimilarity(Loss):
    """``L_i = -cos(y_i, ŷ_i) = -Σ u·v`` with ``u = ŷ/‖ŷ‖``, ``v = y/‖y‖`` along ``axis``
    (norms at least 1e-6, as Keras's ``l2_normalize``): -1 when ``ŷ`` points like ``y``, so
    minimising it aligns them. Backward, for the mean over the ``m`` vectors of the batch:
    ``dL/dŷ = -(v - u·cos) / (‖ŷ‖·m)`` (only ``ŷ``'s direction matters, so the gradient is
    orthogonal to ``ŷ``)."""

    name = "cosine_similarity"

    def __init__(self, axis: int = -1, name: str | None = None,
                 reduction: str = "sum_over_batch_size", dtype=None) -> None:
        super().__init__(name, reduction, dtype)
        self.axis = int(axis)

    def _parts(self, y, y_pred):
        y = _match(y, y_pred)
        norm = np.sqrt(np.maximum(np.sum(y_pred * y_pred, axis=self.axis, keepdims=True),
                                  1e-12))
        u = y_pred / norm
        v = y / np.sqrt(np.maximum(np.sum(y * y, axis=self.axis, keepdims=True), 1e-12))
        return u, v, norm

    def call(self, y, y_pred):
        u, v, _norm = self._parts(y, y_pred)
        return -np.sum(u * v, axis=self.axis)

    def backward(self, y, y_pred):
        u, v, norm = self._parts(y, y_pred)
        cos = np.sum(u * v, axis=self.axis, keepdims=True)
        m = y_pred.size // y_pred.shape[self.axis]
        return -(v - u * cos) / (norm * m)

    def get_config(self) -> dict:
        return _options(self, axis=-1)


def _mean(t: Tensor) -> Tensor:
    from . import ops

    return ops.reduce_mean(t)


class LossFunctionWrapper(Loss):
    """A loss written as a function ``fn(y_true, y_pred)`` with glassnet ops (Keras accepts
    any such function in ``compile``): its values are ``fn``'s, its gradient comes from a
    ``GradientTape`` (``Loss.backward``)."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.name = getattr(fn, "__name__", "loss")

    def call(self, y, y_pred):
        pred = y_pred if isinstance(y_pred, Tensor) else Tensor(np.asarray(y_pred))
        return self.fn(Tensor(match_dtype_and_rank(np.asarray(y), pred.array)), pred)

    def forward(self, y, y_pred):
        return float(np.mean(np.asarray(self.call(y, y_pred))))

    def get_config(self) -> dict:
        raise TypeError(_("The loss {name!r} is a function of your own: a model file "
                          "cannot hold code. Save with model.save_weights, or compile again "
                          "after load_model(..., compile=False).").format(name=self.name))


def match_dtype_and_rank(y, y_pred: np.ndarray) -> np.ndarray:
    """What Keras 2 does to ``y`` before a loss function of yours sees it
    (``compile_utils.match_dtype_and_rank``): labels of shape ``(batch,)`` against outputs
    ``(batch, k)`` become a column ``(batch, 1)``, and take ``ŷ``'s dtype when both are
    floats or both integers. So ``y_true - y_pred`` broadcasts to ``(batch, k)``."""
    y = np.asarray(y)
    if y.ndim == 1 and y_pred.ndim == 2:
        y = y[:, None]
    if y.dtype.kind == y_pred.dtype.kind == "f" or (y.dtype.kind in "iu" and
                                                     y_pred.dtype.kind in "iu"):
        y = y.astype(y_pred.dtype, copy=False)
    return y


# -- Keras's function forms: one loss per sample, shape (batch,) ----------------------------
def _arrays(y_true, y_pred, sparse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    y_pred = np.asarray(y_pred, dtype=np.float64 if np.asarray(y_pred).dtype == np.float64
                        else np.float32)
    y_true = np.asarray(y_true, dtype=np.int64 if sparse else y_pred.dtype)
    return y_true, y_pred


def _per_sample(loss: Loss, y_true, y_pred, sparse: bool = False):
    """``loss`` per sample, ``L_i``; for a tensor ``ŷ`` (in a ``GradientTape`` loop) a
    tensor recorded as one op. ``L_i`` depends on row ``i`` only, so its derivative is row
    ``i`` of the batch-mean's gradient times the batch size: ``dŷ_i = n · dL/dŷ_i · g_i``."""
    y, a = _arrays(y_true, y_pred, sparse)
    lead = a.shape[:-1]  # (batch,), or (batch, T) for a sequence: one loss per step
    if a.ndim > 2:  # each step a row, as in fit (step_outputs)
        a = a.reshape(-1, a.shape[-1])
        y = y.reshape(-1) if sparse or y.size == len(a) else y.reshape(len(a), -1)
    values = loss.call(y, a)
    if np.ndim(values):
        values = np.reshape(values, lead)
    if not isinstance(y_pred, Tensor):
        return values
    n = len(a)
    if np.ndim(values) == 0:  # 1-D ŷ: Keras reduces the last axis, which is the only one,
        n = 1                 # so L is the mean itself and dŷ = dL/dŷ · g

    def vjp(g):
        g = np.asarray(g).reshape(n, *([1] * (a.ndim - 1))) if n > 1 else np.asarray(g)
        d = (n * loss.backward(y, a) * g).astype(a.dtype, copy=False)
        return [d.reshape(y_pred.shape)]
    return record(Tensor(np.asarray(values, a.dtype)), [y_pred], vjp, name=loss.name)


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """``mean((y - ŷ)², axis=-1)``."""
    return _per_sample(MeanSquaredError(), y_true, y_pred)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """``mean(|y - ŷ|, axis=-1)``."""
    return _per_sample(MeanAbsoluteError(), y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """``100 · mean(|y - ŷ| / max(|y|, ε), axis=-1)``."""
    return _per_sample(MeanAbsolutePercentageError(), y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """``mean((log(1 + ŷ) - log(1 + y))², axis=-1)``."""
    return _per_sample(MeanSquaredLogarithmicError(), y_true, y_pred)


def huber(y_true, y_pred, delta: float = 1.0) -> np.ndarray:
    """Huber loss per sample (see ``Huber``)."""
    return _per_sample(Huber(delta), y_true, y_pred)


def log_cosh(y_true, y_pred) -> np.ndarray:
    """``mean(log cosh(ŷ - y), axis=-1)``."""
    return _per_sample(LogCosh(), y_true, y_pred)


def hinge(y_true, y_pred) -> np.ndarray:
    """``mean(max(1 - y ŷ, 0), axis=-1)``, labels 0/1 read as -1/1."""
    return _per_sample(Hinge(), y_true, y_pred)


def squared_hinge(y_true, y_pred) -> np.ndarray:
    """``mean(max(1 - y ŷ, 0)², axis=-1)``."""
    return _per_sample(SquaredHinge(), y_true, y_pred)


def categorical_hinge(y_true, y_pred) -> np.ndarray:
    """``max(max((1 - y) ŷ) - Σ y ŷ + 1, 0)``."""
    return _per_sample(CategoricalHinge(), y_true, y_pred)


def poisson(y_true, y_pred) -> np.ndarray:
    """``mean(ŷ - y log(ŷ + ε), axis=-1)``."""
    return _per_sample(Poisson(), y_true, y_pred)


def kl_divergence(y_true, y_pred) -> np.ndarray:
    """``Σ y log(y / ŷ)`` over the last axis, both clipped to ``[ε, 1]``."""
    return _per_sample(KLDivergence(), y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> np.ndarray:
    """``-Σ (y/‖y‖)(ŷ/‖ŷ‖)`` over ``axis``: -1 for vectors pointing the same way."""
    return _per_sample(CosineSimilarity(axis), y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False,
                        label_smoothing: float = 0.0) -> np.ndarray:
    """``mean(-(y log p + (1 - y) log(1 - p)), axis=-1)``."""
    return _per_sample(BinaryCrossentropy(from_logits, label_smoothing), y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> np.ndarray:
    """``-Σ y log p`` over the last axis (one-hot ``y``)."""
    return _per_sample(CategoricalCrossentropy(from_logits, label_smoothing), y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> np.ndarray:
    """``-log p[y]`` for integer labels ``y``."""
    return _per_sample(SparseCategoricalCrossentropy(from_logits), y_true, y_pred, sparse=True)


# Keras 2's short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

_CLASS_LIST = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
               MeanSquaredLogarithmicError, Huber, LogCosh, Hinge, SquaredHinge,
               CategoricalHinge, Poisson, KLDivergence, BinaryCrossentropy,
               CategoricalCrossentropy, SparseCategoricalCrossentropy, CosineSimilarity)
_CLASSES = {cls.name: cls for cls in _CLASS_LIST}
#: each function form -> the Loss class that has the same values and a written-out backward
FUNCTIONS = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber,
    log_cosh: LogCosh, hinge: Hinge, squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge, poisson: Poisson, kl_divergence: KLDivergence,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    cosine_similarity: CosineSimilarity,
}
_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "huber": "huber_loss", "logcosh": "log_cosh", "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    **{cls.__name__.lower(): name for name, cls in _CLASSES.items()},
}


def get(identifier: str | Loss | type | dict) -> Loss:
    """Resolve a loss name (``"mse"``, ``"huber"``, ``"sparse_categorical_crossentropy"``, a
    class name), a ``Loss`` object or class, a saved config dict, or one of the function
    forms (``losses.mean_squared_error``): a function becomes its ``Loss`` class, which has
    the written-out gradient and the fused softmax/sigmoid fast path."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):  # from a model file: {"name": ..., "from_logits": ...}
        config = dict(identifier)
        cls = type(get(config.pop("name", None)))
        try:
            return cls(**config)
        except TypeError:
            raise ValueError(_("Unknown option among {options} for loss {name!r}.").format(
                options=sorted(config), name=cls.name)) from None
    if isinstance(identifier, str):
        key = identifier.lower()
        key = _ALIASES.get(key, key)
        if key in _CLASSES:
            return _CLASSES[key]()
        short = [k for k in _ALIASES if "_" in k or len(k) <= 7]  # not "meansquarederror"
        raise unknown_name("loss", identifier, [*_CLASSES, *short])
    if callable(identifier) and identifier in FUNCTIONS:
        return FUNCTIONS[identifier]()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(_("loss must be a name such as 'mse' or a glassnet.losses object, "
                      "got {value!r}.").format(value=identifier))
