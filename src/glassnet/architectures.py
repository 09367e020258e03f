"""Ready-made networks for MNIST, as ``glassnet train --model`` builds them.

Each function returns an uncompiled ``Sequential`` for ``(28, 28)`` images and 10 classes.
"""

from __future__ import annotations

from collections.abc import Sequence

from .layers import Dense, Flatten, Input
from .model import Sequential


def mlp(hidden: Sequence[int] = (128,), activation: str = "relu",
        input_shape: tuple[int, ...] = (28, 28), classes: int = 10) -> Sequential:
    """The tutorial's network: ``Flatten``, one ``Dense(h, activation)`` per entry of
    ``hidden``, then ``Dense(classes, "softmax")``. ``mlp()`` is 784-128-10 with ReLU."""
    layers = [Input(shape=input_shape), Flatten()]
    layers += [Dense(int(units), activation=activation) for units in hidden]
    layers.append(Dense(classes, activation="softmax"))
    return Sequential(layers)
