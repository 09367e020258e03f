"""What every ``keras.applications`` network does around its own layers: check the
arguments, make the input, put the classifier or the pooling on top, build the functional
model and load its weights (Keras's own HDF5 files, downloaded once into ~/.keras/models)."""

from __future__ import annotations

import os

from ..i18n import _
from . import imagenet_utils

#: where Keras keeps its pretrained weights
KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_weights(weights, include_top: bool, classes: int) -> None:
    """``weights`` is None, ``"imagenet"``, or the path of an existing weights file;
    ImageNet weights with the classifier mean 1000 classes."""
    if not (weights in ("imagenet", None) or os.path.exists(str(weights))):
        raise ValueError(_("weights={weights!r}: use None (random initialization), "
                           "'imagenet' (weights trained on ImageNet, downloaded once) or the "
                           "path of a weights file that exists.").format(weights=weights))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(_("With weights='imagenet' and include_top=True, classes is 1000 "
                           "(the ImageNet classifier); got classes={classes}. For another "
                           "number of classes use include_top=False and add your own "
                           "Dense layer.").format(classes=classes))


def source_inputs(tensor) -> list:
    """The ``Input`` tensors that ``tensor`` is computed from (Keras's
    ``get_source_inputs``)."""
    out, todo, seen = [], [tensor], set()
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.node is None or not t.node.inputs:
            out.append(t)
        else:
            todo.extend(t.node.inputs)
    return out


def make_input(input_tensor, input_shape: tuple):
    """``Input(shape=input_shape)``, or the user's symbolic ``input_tensor``."""
    from ..graph import KerasTensor
    from ..layers.input import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise TypeError(_("input_tensor must be a symbolic tensor from Input(...) or a layer "
                          "called on one; got {kind}.").format(kind=type(input_tensor).__name__))
    return input_tensor


def predictions(x, classes: int, classifier_activation, weights):
    """The classifier's last layer, ``Dense(classes)`` named ``predictions``."""
    from .. import layers

    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def pool(x, pooling, names: tuple[str | None, str | None] = (None, None)):
    """Without the classifier: the 4-D feature maps (``pooling=None``), or their mean
    (``'avg'``) or maximum (``'max'``) over height and width, one vector per image."""
    from .. import layers

    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=names[1])(x)
    if pooling is not None:
        raise ValueError(_("pooling={pooling!r}: use None (the 4-D feature maps), 'avg' or "
                           "'max'.").format(pooling=pooling))
    return x


def finish(img_input, input_tensor, x, name: str, weights, imagenet_file: str | None,
           file_hash: str | None = None):
    """The model from the input(s) to ``x``, with ``weights`` loaded: ``"imagenet"``
    downloads ``KERAS_WEIGHTS_URL + imagenet_file`` (checked against its MD5 ``file_hash``)
    once into ~/.keras/models; a path is read as it is (Keras 2 ``.h5`` or Keras 3
    ``.weights.h5``)."""
    from ..model import Model

    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        from ..downloads import get_file

        fname = imagenet_file.rpartition("/")[2]
        weights = get_file(fname, KERAS_WEIGHTS_URL + imagenet_file, cache_subdir="models",
                           file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model
