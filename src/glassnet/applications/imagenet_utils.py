"""``keras.applications.imagenet_utils``: the ImageNet networks' input preprocessing, the
decoding of their 1000 class scores, and the input-shape rules they share.

Each pretrained network expects the pixels prepared the way its weights were trained:

- ``"caffe"`` (VGG16, VGG19, ResNet50): RGB -> BGR, then subtract the ImageNet mean pixel
  per channel, no scaling: ``y[..., c] = x[..., 2 - c] - mean_bgr[c]`` with
  ``mean_bgr = (103.939, 116.779, 123.68)``;
- ``"tf"`` (MobileNetV2): ``y = x / 127.5 - 1``, pixels [0, 255] -> [-1, 1];
- ``"torch"``: ``y[..., c] = (x[..., c] / 255 - mean[c]) / std[c]`` with
  ``mean = (0.485, 0.456, 0.406)``, ``std = (0.229, 0.224, 0.225)``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from ..i18n import _

#: ImageNet's mean pixel in BGR order (Caffe's VGG and ResNet preprocessing)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
#: ImageNet's per-channel mean and standard deviation of pixels in [0, 1] (PyTorch's)
TORCH_MEAN, TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
_class_index: dict[str, list[str]] | None = None


def _affine(mode: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(scale, offset, flip)`` with ``y = x[..., ::-1 if flip] * scale + offset``."""
    if mode == "tf":
        return np.full(3, 1 / 127.5), np.full(3, -1.0), False
    if mode == "torch":
        std = np.asarray(TORCH_STD)
        return 1 / (255.0 * std), -np.asarray(TORCH_MEAN) / std, False
    return np.ones(3), -np.asarray(CAFFE_MEAN_BGR), True


def preprocess_input(x, data_format: str | None = None, mode: str = "caffe"):
    """Prepare a batch of RGB images in [0, 255] for an ImageNet network (modes above).

    ``x``: a NumPy array (3-D image or 4-D batch, channels last unless
    ``data_format="channels_first"``), or a symbolic tensor from ``Input`` (then the
    preprocessing becomes layers of the model: ``Rescaling``, and for ``"caffe"`` a channel
    reversal). Returns float32; unlike Keras, a NumPy input is never overwritten.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(_("preprocess_input(mode={mode!r}): the mode is one of 'caffe' "
                           "(VGG, ResNet), 'tf' (MobileNetV2) or 'torch'.").format(mode=mode))
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(_("preprocess_input(data_format={data_format!r}): use "
                           "'channels_last' or 'channels_first'.").format(
                               data_format=data_format))
    scale, offset, flip = _affine(mode)
    from ..graph import KerasTensor

    if isinstance(x, KerasTensor):
        return _symbolic(x, scale, offset, flip, data_format)
    first = data_format == "channels_first"
    x = np.asarray(x, dtype=np.float32)
    axis = (0 if x.ndim == 3 else 1) if first else x.ndim - 1
    if x.shape[axis] != 3:
        raise ValueError(_("preprocess_input expects 3 colour channels on axis {axis}, but "
                           "the images have shape {shape}.").format(axis=axis, shape=x.shape))
    if flip:
        x = np.flip(x, axis)
    shape = [1] * x.ndim
    shape[axis] = 3
    return (x * scale.reshape(shape) + offset.reshape(shape)).astype(np.float32)


def _symbolic(x, scale, offset, flip, data_format):
    """The preprocessing as layers on a symbolic tensor (inside a functional model)."""
    from .. import layers
    from ..ops.array import gather

    axis = 1 if data_format == "channels_first" else -1
    if flip:
        x = layers.Lambda(lambda t: gather(t, [2, 1, 0], axis=axis))(x)
    shape = (3, 1, 1) if axis == 1 else (3,)
    return layers.Rescaling(scale.reshape(shape), offset=offset.reshape(shape))(x)


def decode_predictions(preds, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """The ``top`` classes of each row of ``preds`` (shape ``(samples, 1000)``), best first,
    as ``(wordnet_id, name, score)``, e.g. ``('n02504458', 'African_elephant', 0.91)``.
    The class names come from Keras's ``imagenet_class_index.json``, downloaded once into
    ``~/.keras/models``."""
    global _class_index
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(_("decode_predictions expects the scores of a batch over "
                           "ImageNet's 1000 classes, shape (samples, 1000); got shape "
                           "{shape}.").format(shape=preds.shape))
    if _class_index is None:
        from ..downloads import get_file

        path = get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models",
                        file_hash=CLASS_INDEX_MD5)
        with open(path, encoding="utf-8") as f:
            _class_index = json.load(f)
    return [[(*_class_index[str(i)], float(row[i])) for i in np.argsort(-row, kind="stable")[:top]]
            for row in preds]


def obtain_input_shape(input_shape, default_size: int, min_size: int, require_flatten: bool,
                       weights: str | None) -> tuple:
    """Keras's input-shape rules (channels last): with a classifier top the shape is fixed
    (``(default_size, default_size, 3)`` for ImageNet weights; any static shape otherwise);
    without one, height and width are at least ``min_size``. Keras allows None there
    (any size); glassnet's convolutions need a size, so None becomes ``default_size``, with
    a warning."""
    if input_shape is not None:
        input_shape = tuple(input_shape)
    default = (default_size, default_size, 3)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in (1, 3):
            warnings.warn(_("This model usually expects 1 or 3 input channels, but "
                            "input_shape={input_shape} has {n}.").format(
                                input_shape=input_shape, n=input_shape[-1]), stacklevel=3)
        default = (default_size, default_size, input_shape[-1])
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default:
            raise ValueError(_("With include_top=True and weights='imagenet' the input shape "
                               "is {default}, the size the classifier was trained on; got "
                               "input_shape={input_shape}. Pass include_top=False to use "
                               "another size.").format(default=default,
                                                       input_shape=input_shape))
        return default
    if not input_shape:
        input_shape = default if require_flatten else (None, None, 3)
    if len(input_shape) != 3:
        raise ValueError(_("input_shape must be (height, width, channels); got "
                           "{input_shape}.").format(input_shape=input_shape))
    if input_shape[-1] != 3 and weights == "imagenet":
        raise ValueError(_("ImageNet weights need 3 input channels; got input_shape="
                           "{input_shape}.").format(input_shape=input_shape))
    if any(s is not None and s < min_size for s in input_shape[:2]):
        raise ValueError(_("Input size must be at least {m}x{m}; got input_shape="
                           "{input_shape}.").format(m=min_size, input_shape=input_shape))
    if require_flatten and None in input_shape:
        raise ValueError(_("With include_top=True the input shape must be fixed; got "
                           "input_shape={input_shape}.").format(input_shape=input_shape))
    if None in input_shape[:2]:
        fixed = (input_shape[0] or default_size, input_shape[1] or default_size,
                 input_shape[2])
        warnings.warn(_("glassnet's convolutions need a fixed image size, so "
                        "input_shape={input_shape} becomes {fixed}. Pass input_shape=(height, "
                        "width, 3) for another size.").format(input_shape=input_shape,
                                                              fixed=fixed), stacklevel=3)
        input_shape = fixed
    return input_shape


def correct_pad(size: tuple, kernel_size: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zero padding ``((top, bottom), (left, right))`` before a stride-2 ``kernel_size``
    convolution, so that it sees the input as TensorFlow's 'same' padding would: one less
    row/column on the top/left when the size is even (or unknown)."""
    k = kernel_size // 2
    adjust = [1 if s is None else 1 - s % 2 for s in size[:2]]
    return (k - adjust[0], k), (k - adjust[1], k)


def validate_activation(classifier_activation, weights) -> None:
    """ImageNet weights were trained with softmax scores: only ``"softmax"`` or ``None``
    (logits) fit them."""
    if weights is None:
        return
    if classifier_activation not in ("softmax", None):
        raise ValueError(_("With pretrained weights classifier_activation must be "
                           "'softmax' or None (logits); got {value!r}.").format(
                               value=classifier_activation))
