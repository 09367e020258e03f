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

from .activations import row_max
from .errors import unknown_name
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


class Loss:
    """Base class: ``forward(y, ŷ)`` is the mean loss, ``backward(y, ŷ)`` is ``dL/dŷ``.

    Losses that pair with an output activation set ``fuses_with`` and also define
    ``forward_fused(y, z)`` and ``backward_fused(y, a)``, both in terms of the
    pre-activation ``z`` (the logits) and the activation's output ``a``.
    """

    name = "loss"
    fuses_with: str | None = None
    sparse = False  # True when y holds class indices

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The mean loss as a scalar tensor, as Keras gives (``loss_fn(y, pred).numpy()``).

        Computed in float64 and returned in ``y_pred``'s float type. On a ``GradientTape``
        it is one op whose derivative is ``backward``, the hand-written ``dL/dŷ``.
        """
        if sample_weight is not None:
            raise NotImplementedError("glassnet losses do not take sample_weight yet.")
        pred = y_pred if isinstance(y_pred, Tensor) else Tensor(to_array(y_pred))
        a = pred.array.astype(np.float64)
        y = np.asarray(y_true, dtype=np.int64 if self.sparse else np.float64)
        dtype = pred.dtype if pred.dtype.kind == "f" else np.dtype(np.float64)
        value = Tensor(np.asarray(self.forward(y, a), dtype))
        return record(value, [pred], lambda dL: [dL * self.backward(y, a)], type(self).__name__)

    def forward(self, y: np.ndarray, y_pred: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    """``L = mean((ŷ - y)²)``; ``dL/dŷ = 2(ŷ - y) / (n·k)``."""

    name = "mean_squared_error"

    def forward(self, y, y_pred):
        y = _match(y, y_pred)
        return np.mean(np.square(y_pred - y))

    def backward(self, y, y_pred):
        y = _match(y, y_pred)
        return (2.0 / y_pred.size) * (y_pred - y)


class MeanAbsoluteError(Loss):
    """``L = mean(|ŷ - y|)``; ``dL/dŷ = sign(ŷ - y) / (n·k)``."""

    name = "mean_absolute_error"

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

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    def forward(self, y, y_pred):
        if self.from_logits:
            return self.forward_fused(y, y_pred)
        y = _match(y, y_pred)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def backward(self, y, y_pred):
        if self.from_logits:
            return self.backward_fused(y, _sigmoid(y_pred))
        y = _match(y, y_pred)
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return inside * (p - y) / (p * (1 - p)) / y_pred.size

    def forward_fused(self, y, z):
        y = _match(y, z)
        return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))

    def backward_fused(self, y, a):
        y = _match(y, a)
        return (a - y) / a.size

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits}


class CategoricalCrossentropy(Loss):
    """``L = -mean_batch Σ_classes y log p`` for one-hot (or soft) labels ``y``.

    From logits, ``log p = log_softmax(z)`` and ``dL/dz = (softmax(z) - y) / n``.
    From probabilities (an output that is not a softmax layer), ``p`` is first
    normalised to sum to 1 and clipped to ``[ε, 1 - ε]``, as Keras does.
    """

    name = "categorical_crossentropy"
    fuses_with = "softmax"

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    def _onehot(self, y, like):
        return y

    def forward(self, y, y_pred):
        if self.from_logits:
            return self.forward_fused(y, y_pred)
        y = self._onehot(y, y_pred)
        s = y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(y_pred / s, EPSILON, 1 - EPSILON)
        return -np.mean(np.sum(y * np.log(p), axis=-1))

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
        return {"name": self.name, "from_logits": self.from_logits}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels: ``L = -mean log p[y]``.

    ``y`` holds class indices ``0 ≤ y < k`` (shape ``(batch,)``), so no one-hot
    matrix is needed: the fused gradient is ``a`` with 1 taken off at ``[i, y_i]``.
    """

    name = "sparse_categorical_crossentropy"
    sparse = True

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


mse = mean_squared_error = MeanSquaredError()
mae = mean_absolute_error = MeanAbsoluteError()

_CLASSES = {
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    **{cls.__name__.lower(): name for name, cls in _CLASSES.items()},
}


def get(identifier: str | Loss | type) -> Loss:
    """Resolve a loss name (``"mse"``, ``"sparse_categorical_crossentropy"``, a class name),
    a ``Loss`` object, or a ``Loss`` class."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):  # from a model file: {"name": ..., "from_logits": ...}
        config = dict(identifier)
        loss = get(config.pop("name", None))
        for key, value in config.items():
            if not hasattr(loss, key):
                raise ValueError(f"Unknown option {key!r} for loss {loss.name!r}.")
            setattr(loss, key, bool(value))
        return loss
    if isinstance(identifier, str):
        key = identifier.lower()
        key = _ALIASES.get(key, key)
        if key in _CLASSES:
            return _CLASSES[key]()
        raise unknown_name("loss", identifier, [*_CLASSES, "mse", "mae"])
    raise TypeError(f"loss must be a name such as 'mse' or a glassnet.losses object, "
                    f"got {identifier!r}.")
