"""Weight penalties with Keras's names: ``kernel_regularizer=regularizers.l2(0.001)``.

A regularizer ``R`` adds a penalty ``R(W)`` to the loss, so training minimises
``L(y, ŷ) + Σ R(W)``. Its gradient ``dR/dW`` is added to the layer's ``dW`` in the
layer's own ``backward`` (``KernelLayer.add_regularization_grads``), next to ``dW``:

    L2:  R(W) = λ Σ W²       dR/dW = 2 λ W     (pulls every weight toward 0, "weight decay")
    L1:  R(W) = λ Σ |W|      dR/dW = λ sign(W) (pushes small weights to exactly 0)

Example: ``L2(0.01)`` on ``W = [[1, 2], [3, 4]]`` gives ``R = 0.01 · 30 = 0.3`` and
``dR/dW = [[0.02, 0.04], [0.06, 0.08]]``.

An ``activity_regularizer`` is the same penalty on a layer's output ``a`` instead of
its weights, divided by the batch size (as Keras does), so its weight against the
weight penalties does not change with the batch size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import unknown_name
from .i18n import _


class Regularizer:
    """Base class: ``R(W)`` (``__call__``) is the penalty, ``gradient(W)`` is ``dR/dW``.

    A custom regularizer subclasses this and writes both, plus ``get_config`` to be saved.
    """

    def __call__(self, W: np.ndarray) -> float:
        return 0.0

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """``dR/dW``, of ``W``'s shape and dtype."""
        return np.zeros_like(W)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(_("{kind} does not implement get_config().").format(
                                        kind=type(self).__name__))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _factor(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(_("The regularization factor {name} must be a non-negative "
                           "number, got {name}={value!r}; e.g. regularizers.l2(0.001).").format(
                               name=name, value=value))
    return float(value)


class L1L2(Regularizer):
    """``R(W) = l1 Σ |W| + l2 Σ W²``; ``dR/dW = l1 sign(W) + 2 l2 W``.

    ``L1L2()`` has no penalty (both factors 0, as Keras); ``l1_l2()`` and the string
    ``"l1_l2"`` use 0.01 for both.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, W):
        W = np.asarray(W)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(W).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(W).sum())
        return penalty

    def gradient(self, W):
        W = np.asarray(W)
        dW = np.zeros_like(W)
        if self.l1:
            dW += self.l1 * np.sign(W)
        if self.l2:
            dW += (2 * self.l2) * W
        return dW

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``R(W) = l1 Σ |W|``; ``dR/dW = l1 sign(W)`` (0 at ``W = 0``). Default ``l1 = 0.01``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``R(W) = l2 Σ W²``; ``dR/dW = 2 l2 W``. Default ``l2 = 0.01``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or columns of a 2-D kernel toward orthogonality.

    With ``n_i = w_i / max(‖w_i‖, ε)`` the normalised rows and ``P = N Nᵀ`` their dot
    products, ``R = factor · ½ · Σ_{i≠j} |P_ij| / (m (m - 1) / 2)`` for ``m`` rows.

    Gradient: ``dR/dN = 2c · S N`` with ``c = factor · ½ / pairs`` and ``S = sign(P)``
    off the diagonal (0 on it); then through the normalisation of each row,
    ``dw = (dn - n (n · dn)) / ‖w‖``.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(_("OrthogonalRegularizer mode must be 'rows' or 'columns', "
                               "got mode={mode!r}.").format(mode=mode))
        self.mode = mode

    def _rows(self, W) -> np.ndarray:
        W = np.asarray(W)
        if W.ndim != 2:
            raise ValueError(_("OrthogonalRegularizer needs a 2-D kernel, got shape "
                               "{shape}.").format(shape=W.shape))
        return W if self.mode == "rows" else W.T

    def __call__(self, W):
        V = self._rows(W)
        m = V.shape[0]
        if m < 2:
            return 0.0
        N = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-7)
        P = N @ N.T
        np.fill_diagonal(P, 0)
        return self.factor * 0.5 * float(np.abs(P).sum()) / (m * (m - 1) / 2)

    def gradient(self, W):
        V = self._rows(W)
        m = V.shape[0]
        if m < 2:
            return np.zeros_like(np.asarray(W))
        norms = np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-7)
        N = V / norms
        S = np.sign(N @ N.T)
        np.fill_diagonal(S, 0)
        c = self.factor * 0.5 / (m * (m - 1) / 2)
        dN = 2 * c * (S @ N)
        dV = (dN - N * (N * dN).sum(axis=1, keepdims=True)) / norms
        return dV if self.mode == "rows" else dV.T

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """``L1L2(l1, l2)`` with 0.01 for both by default, as ``tf.keras.regularizers.l1_l2``.

    (In Keras 3 ``l1_l2`` is the class itself, whose defaults are 0; the string
    ``"l1_l2"`` means 0.01 for both in Keras 2 and 3 alike.)
    """
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

ALL = {cls.__name__: cls for cls in (L1, L2, L1L2, OrthogonalRegularizer)}
_STRINGS = {"l1": L1, "l2": L2, "l1_l2": l1_l2,
            "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer: Regularizer | None) -> dict | None:
    """``{"class_name": "L2", "config": {"l2": 0.01}}``, as in a Keras layer config."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config: dict) -> Regularizer:
    """The regularizer ``serialize`` described (glassnet's own classes only)."""
    name = config.get("class_name")
    cls = ALL.get(name) or _STRINGS.get(str(name).lower())
    if cls is None or not isinstance(config.get("config", {}), dict):
        raise unknown_name("regularizer", name, [*ALL, *_STRINGS])
    return cls(**config.get("config", {}))


def get(identifier) -> Regularizer | None:
    """Resolve ``None``, a name (``"l1"``, ``"l2"``, ``"l1_l2"``, ``"L2"``), a config dict
    or a ``Regularizer`` object."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL.get(identifier) or _STRINGS.get(identifier.lower())
        if cls is None:
            raise unknown_name("regularizer", identifier, [*_STRINGS, *ALL])
        return cls()
    if callable(identifier):
        raise TypeError(
            _("The regularizer {identifier!r} is a plain function, and glassnet needs "
              "its gradient too: subclass glassnet.regularizers.Regularizer and write "
              "__call__(W) (the penalty) and gradient(W) (dR/dW), or use "
              "regularizers.l1/l2/l1_l2.").format(identifier=identifier))
    raise TypeError(_("A regularizer must be None, a name such as 'l2', or a "
                      "glassnet.regularizers object such as regularizers.l2(0.001); got "
                      "{identifier!r}.").format(identifier=identifier))
