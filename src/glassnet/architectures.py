"""Ready-made networks for MNIST, as ``glassnet train --model`` builds them.

Each function returns an uncompiled ``Sequential`` for ``(28, 28)`` images and 10 classes.
"""

from __future__ import annotations

from collections.abc import Sequence

from .layers import (
    Conv2D,
    Dense,
    Deskew,
    Dropout,
    Flatten,
    Input,
    Layer,
    MaxPooling2D,
    RandomAffineChain,
    RandomRotation,
    RandomStrokeWidth,
    RandomZoom,
    Reshape,
)
from .model import Sequential
from .schedules import CosineDecay


def mlp(hidden: Sequence[int] = (128,), activation: str = "relu",
        input_shape: tuple[int, ...] = (28, 28), classes: int = 10,
        deskew: bool = False) -> Sequential:
    """The tutorial's network: ``Flatten``, one ``Dense(h, activation)`` per entry of
    ``hidden``, then ``Dense(classes, "softmax")``. ``mlp()`` is 784-128-10 with ReLU.
    ``deskew=True`` puts a ``Deskew`` layer first (``glassnet train --augment``)."""
    layers = [Input(shape=input_shape), *([Deskew()] if deskew else []), Flatten()]
    layers += [Dense(int(units), activation=activation) for units in hidden]
    layers.append(Dense(classes, activation="softmax"))
    return Sequential(layers)


def cnn(input_shape: tuple[int, ...] = (28, 28), classes: int = 10,
        deskew: bool = False) -> Sequential:
    """The classic small convnet (Keras's MNIST example), 34,826 weights::

        Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D
        -> Flatten -> Dropout(0.5) -> Dense(classes, softmax)

    Convolutions need a channel axis, ``(height, width, channels)``. For 2-D images such as
    MNIST's ``(28, 28)`` the model starts with ``Reshape((28, 28, 1))``, so it takes
    ``load_data()``'s arrays as they are; pass ``input_shape=(28, 28, 1)`` for data that
    already has the axis. Trained with Adam at the learning rate of ``cnn_learning_rate``
    in batches of 128, it reaches 99.0-99.1% test accuracy on MNIST after 5 epochs
    (``examples/mnist_cnn.py``).

    ``deskew=True`` puts a ``Deskew`` layer first, which straightens every image's slant,
    in training and in use (``glassnet train --augment``); the default network has none.
    """
    layers = [Input(shape=input_shape), *([Deskew()] if deskew else [])]
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


def cnn_learning_rate(total_steps: int) -> CosineDecay:
    """The convnet's learning rate: 0.004, brought down along half a cosine to 0 over
    ``total_steps`` updates (epochs × batches per epoch).

    Measured on MNIST, 5 epochs of batch 128 (seeds 0, 1, 2): Adam's default constant
    0.001 gave 98.84%, 98.73% and 98.74% test accuracy; this schedule gives 99.00%,
    99.12% and 99.13%. docs/convnet.md has the comparison it was picked from.
    """
    return CosineDecay(0.004, decay_steps=max(1, int(total_steps)))


def augmentation() -> list[Layer]:
    """The image augmentation of ``glassnet train --augment``, for ``(28, 28, 1)`` digits,
    white on black, in the order applied:

    * ``RandomStrokeWidth((-0.5, 1))``: strokes up to one pixel thicker all round, or half
      a pixel thinner (a full pixel would erase MNIST's thinnest strokes);
    * ``RandomZoom(0.1, 0.2)``: height scaled by 0.9-1.1 and width, independently, by
      0.8-1.2, since ``load_digit`` fixes a digit's longer side but not its proportions;
    * ``RandomRotation(0.05)``: up to ±18° (slanted writing, a tilted photo).

    The last two are applied as one warp (``RandomAffineChain``: one bilinear resampling
    instead of two), with black (``fill_mode="constant"``) where a pixel comes from outside
    the image. There are no shifts (``RandomTranslation``): ``load_digit`` centres every
    digit by its centre of mass, as MNIST's digits were centred, so a model never meets a
    shifted digit, and in short trials (20,000 images, 3 epochs, with ``Deskew``) training on
    shifted ones cost the convnet 5 points and the dense network 3 of the real handwriting
    that is not MNIST of ``docs/real_handwriting.py`` (docs/augment_trials.md).
    """
    warps = [RandomZoom(0.1, 0.2), RandomRotation(0.05)]
    return [RandomStrokeWidth((-0.5, 1.0)),
            RandomAffineChain(warps, fill_mode="constant", fill_value=0.0)]


def augmented(model: Sequential, input_shape: tuple[int, ...] = (28, 28)) -> Sequential:
    """A model for ``fit`` that trains ``model``'s own weights on augmented images:
    ``augmentation()``'s layers, then ``model`` itself as its last layer. A 2-D
    ``input_shape`` gets a channel axis for the augmentation and loses it again after.

    Compile and fit the result; ``model`` then holds the trained weights. The augmentation
    layers are active only in training, so ``model`` is what you keep: save, predict and
    export it as if it had been trained without augmentation (compile it with the
    result's optimizer first, ``model.compile(optimizer=trainer.optimizer, ...)``, to save
    the optimizer's state with it; compile ``model`` only after training: an optimizer that
    ``model`` was compiled with before does not train the weights through the result).
    """
    layers: list[Layer] = [Input(shape=input_shape)]
    flat = len(input_shape) == 2
    if flat:
        layers.append(Reshape((*input_shape, 1)))
    layers += augmentation()
    if flat:
        layers.append(Reshape(input_shape))
    return Sequential([*layers, model])
