"""``keras.wrappers``: Keras 2's ``keras.wrappers.scikit_learn`` (``KerasClassifier``,
``KerasRegressor``), imported on first use (it imports scikit-learn)."""

from __future__ import annotations

from .._lazy import attach

__getattr__, __dir__ = attach(__name__, {"scikit_learn": ".scikit_learn"})
