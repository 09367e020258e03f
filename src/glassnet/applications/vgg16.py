"""``keras.applications.vgg16``: ``VGG16`` (see ``vgg``) and its preprocessing
('caffe': RGB -> BGR, minus ImageNet's mean pixel)."""

from __future__ import annotations

from . import imagenet_utils, vgg


def VGG16(include_top: bool = True, weights: str | None = "imagenet", input_tensor=None,
          input_shape: tuple | None = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation="softmax", name: str = "vgg16"):
    """Keras's VGG16: 13 convolutions in five blocks (2, 2, 3, 3, 3), then ``fc1``,
    ``fc2``, ``predictions`` (with ``include_top``, input 224x224x3 for ImageNet weights)
    or ``pooling`` None/'avg'/'max' (any input of at least 32x32). ``weights``: None,
    'imagenet' (Keras's file, downloaded once into ~/.keras/models) or a weights file."""
    return vgg.vgg(16, include_top, weights, input_tensor, input_shape, pooling, classes,
                   classifier_activation, name)


def preprocess_input(x, data_format: str | None = None):
    """RGB [0, 255] -> BGR minus ImageNet's mean pixel (``imagenet_utils``'s 'caffe')."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
