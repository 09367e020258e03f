"""Helpers with Keras's names: ``to_categorical``, ``normalize``, ``set_random_seed``,
``get_file``, ``pad_sequences``, and ``plot_model`` (which draws nothing, see
``visualization``)."""

from __future__ import annotations

import numpy as np

from .batches import PyDataset, Sequence
from .custom_objects import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)
from .downloads import get_file
from .i18n import _
from .legacy import LegacyModule, register
from .preprocessing.from_directory import image_dataset_from_directory
from .preprocessing.image import array_to_img, img_to_array, load_img, save_img
from .preprocessing.sequence import pad_sequences
from .preprocessing.text_from_directory import text_dataset_from_directory
from .preprocessing.timeseries import timeseries_dataset_from_array
from .random import set_seed
from .visualization import model_to_dot, plot_model

__all__ = ["CustomObjectScope", "PyDataset", "Sequence", "array_to_img",
           "custom_object_scope", "get_custom_objects",
           "get_file", "image_dataset_from_directory", "img_to_array", "load_img",
           "model_to_dot", "normalize", "pad_sequences",
           "plot_model", "register_keras_serializable", "save_img", "set_random_seed",
           "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical"]


def set_random_seed(seed: int) -> None:
    """Make weight initialisation, shuffling and dropout repeatable, bit for bit."""
    set_seed(seed)


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """One-hot encode integer labels: ``3`` becomes ``[0, 0, 0, 1, 0, ...]``."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if y.size and (not np.all(y == np.round(y)) or y.min() < 0):
        raise ValueError(_("to_categorical needs non-negative integer labels."))
    y = y.astype(np.intp)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(_("Label {max} does not fit num_classes={num_classes}: labels "
                           "must be in [0, {num_classes}).").format(
                               max=int(y.max()), num_classes=num_classes))
    out = np.zeros((*y.shape, num_classes), dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """``x`` divided by its ``order``-norm along ``axis`` (rows of norm 0 left as they are),
    as ``keras.utils.normalize``: ``normalize([[3, 4]])`` is ``[[0.6, 0.8]]``."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


# Keras 2's keras.utils.np_utils (removed in Keras 3): the same functions, one warning each
np_utils = register(LegacyModule(__name__ + ".np_utils", "keras.utils.np_utils", {
    "to_categorical": (to_categorical, "keras.utils.to_categorical"),
    "normalize": (normalize, "keras.utils.normalize"),
}))
