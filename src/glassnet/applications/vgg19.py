"""``keras.applications.vgg19``: ``VGG19`` (see ``vgg``) and its preprocessing
('caffe': RGB -> BGR, minus ImageNet's mean pixel)."""

from __future__ import annotations

from . import vgg
from .vgg16 import decode_predictions, preprocess_input

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(include_top: bool = True, weights: str | None = "imagenet", input_tensor=None,
          input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation="softmax", name: str = "vgg19"):
    """Keras's VGG19: 16 convolutions in five blocks (2, 2, 4, 4, 4), then ``fc1``,
    ``fc2``, ``predictions`` (with ``include_top``, input 224x224x3 for ImageNet weights)
    or ``pooling`` None/'avg'/'max' (any input of at least 32x32). ``weights``: None,
    'imagenet' (Keras's file, downloaded once into ~/.keras/models) or a weights file."""
    return vgg.vgg(19, include_top, weights, input_tensor, input_shape, pooling, classes,
                   classifier_activation, name)
