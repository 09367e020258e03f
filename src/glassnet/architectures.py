"""Ready-made networks for MNIST, as ``glassnet train --model`` builds them.

Each function returns an uncompiled ``Sequential`` for ``(28, 28)`` images and 10 classes.
"""

from __future__ import annotations

from collections.abc import Sequence

from .layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, Reshape
from .model import Sequential


def mlp(hidden: Sequence[int] = (128,), activation: str = "relu",
        input_shape: tuple[int, ...] = (28, 28), classes: int = 10) -> Sequential:
    """The tutorial's network: ``Flatten``, one ``Dense(h, activation)`` per entry of
    ``hidden``, then ``Dense(classes, "softmax")``. ``mlp()`` is 784-128-10 with ReLU."""
    layers = [Input(shape=input_shape), Flatten()]
    layers += [Dense(int(units), activation=activation) for units in hidden]
    layers.append(Dense(classes, activation="softmax"))
    return Sequential(layers)


def cnn(input_shape: tuple[int, ...] = (28, 28), classes: int = 10) -> Sequential:
    """The classic small convnet (Keras's MNIST example), 34,826 weights::

        Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D
        -> Flatten -> Dropout(0.5) -> Dense(classes, softmax)

    Convolutions need a channel axis, ``(height, width, channels)``. For 2-D images such as
    MNIST's ``(28, 28)`` the model starts with ``Reshape((28, 28, 1))``, so it takes
    ``load_data()``'s arrays as they are; pass ``input_shape=(28, 28, 1)`` for data that
    already has the axis. Compiled with Adam and batch 128 it reaches about 98.8% test
    accuracy on MNIST after 5 epochs (``examples/mnist_cnn.py``).
    """
    layers = [Input(shape=input_shape)]
    if len(input_shape) == 2:
        layers.append(Reshape((*input_shape, 1)))
    layers += [
        Conv2D(32, 3, activation="relu"),
        MaxPooling2D(),
        Conv2D(64, 3, activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dropout(0.5),
        Dense(classes, activation="softmax"),
    ]
    return Sequential(layers)
