"""``keras.preprocessing.image``: Keras 3's image helpers (``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``) and Keras 2's ``ImageDataGenerator`` with ``flow``.

``ImageDataGenerator`` (removed in Keras 3, whose replacement is the augmentation layers
``RandomFlip``, ``RandomRotation``, ... that glassnet has) follows Keras 2's
``keras_preprocessing`` 1.1: each image gets its own random rotation, shift, shear and zoom,
composed about the image centre into one map from output pixel ``(r, c)`` to the input
point it is read from::

    [r_in, c_in, 1]ᵀ = T(o) · R(θ) · S(t_r, t_c) · Sh(s) · Z(z_r, z_c) · T(-o) · [r, c, 1]ᵀ

with ``o = (h/2 + 0.5, w/2 + 0.5)`` (Keras 2's centre, half a pixel past the true one
``(h - 1)/2``: kept so that results match), read bilinearly (``interpolation_order=1``), then flips,
then ``standardize``: ``preprocessing_function``, ``rescale``, the per-image and then the
``fit``-learnt per-channel centring and scaling (``x / (std + 1e-6)``). The warp is the
augmentation layers' (``layers/_affine.py``); at the border, ``"nearest"`` and ``"reflect"``
agree with Keras 2 (SciPy's ``ndimage``), ``"constant"`` and ``"wrap"`` follow Keras 3's rule.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from .. import random as grandom
from ..i18n import _
from ..layers._affine import Warp
from ..legacy import warn_once

__all__ = ["ImageDataGenerator", "NumpyArrayIterator", "array_to_img", "img_to_array",
           "load_img", "save_img"]


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(_("Reading and writing images needs Pillow: pip install "
                            "pillow")) from None
    return Image


def img_to_array(img, data_format=None, dtype="float32") -> np.ndarray:
    """A PIL image as ``(height, width, channels)`` floats (grayscale gets channels = 1)."""
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 2:
        x = x[..., np.newaxis]
    if x.ndim != 3:
        raise ValueError(_("img_to_array: expected an image (height, width[, channels]), "
                           "got an array of shape {shape}.").format(shape=x.shape))
    return x


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """``(height, width, channels)`` values as a PIL image; with ``scale`` the values are
    first stretched to 0..255 (``x - min``, then ``· 255 / max``), as Keras does."""
    Image = _pillow()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(_("array_to_img: expected (height, width, 1, 3 or 4 channels), "
                           "got shape {shape}.").format(shape=x.shape))
    if scale:
        x = x - x.min()
        if x.max() > 0:
            x = x * (255.0 / x.max())
    x = np.clip(x, 0, 255).astype(np.uint8)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[x.shape[-1]]
    return Image.fromarray(x[..., 0] if mode == "L" else x, mode)


def load_img(path, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """An image file as a PIL image in ``color_mode`` (``"rgb"``, ``"rgba"`` or
    ``"grayscale"``), resized to ``target_size = (height, width)`` if given."""
    Image = _pillow()
    modes = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}
    if color_mode not in modes:
        raise ValueError(_("color_mode must be 'rgb', 'rgba' or 'grayscale', got "
                           "{color_mode!r}.").format(color_mode=color_mode))
    with Image.open(os.fspath(path)) as img:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        filters = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR,
                   "bicubic": Image.BICUBIC}
        if interpolation not in filters:
            raise ValueError(_("interpolation must be one of {filters}, got "
                               "{interpolation!r}.").format(
                                   filters=sorted(filters), interpolation=interpolation))
        height, width = target_size
        img = img.resize((width, height), filters[interpolation])
    return img


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Write ``(height, width, channels)`` values as an image file (see ``array_to_img``)."""
    array_to_img(x, scale=scale).save(os.fspath(path), format=file_format, **kwargs)


def _matrix(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0, h=1, w=1) -> np.ndarray:
    """Keras 2's ``apply_affine_transform`` map, output ``(row, col, 1)`` -> input point."""
    m = np.eye(3)
    if theta:
        t = np.deg2rad(theta)
        m = m @ np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx or ty:
        m = m @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    if shear:
        s = np.deg2rad(shear)
        m = m @ np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        m = m @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    o_r, o_c = h / 2 + 0.5, w / 2 + 0.5  # Keras 2's transform_matrix_offset_center
    return (np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]]) @ m
            @ np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]]))


class ImageDataGenerator:
    """Random augmentation and standardisation of image batches (Keras 2; see the module
    docstring). Images are ``(n, height, width, channels)``.

    ``rotation_range`` in degrees; ``width_shift_range``/``height_shift_range`` a fraction of
    the size (< 1), pixels (≥ 1), or a list of pixel choices; ``shear_range`` in degrees;
    ``zoom_range`` ``z`` or ``[lower, upper]`` (``z`` means ``[1 - z, 1 + z]``);
    ``channel_shift_range`` a random offset added to all channels (then clipped to the
    image's range); ``horizontal_flip``/``vertical_flip`` each with probability 1/2.
    """

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False,
                 samplewise_std_normalization: bool = False, zca_whitening: bool = False,
                 zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range: float = 0.0, zoom_range=0.0, channel_shift_range: float = 0.0,
                 fill_mode: str = "nearest", cval: float = 0.0, horizontal_flip: bool = False,
                 vertical_flip: bool = False, rescale: float | None = None,
                 preprocessing_function=None, data_format: str | None = None,
                 validation_split: float = 0.0, interpolation_order: int = 1,
                 dtype="float32") -> None:
        warn_once("keras.preprocessing.image.ImageDataGenerator",
                  _("the augmentation layers keras.layers.RandomFlip, RandomRotation, "
                    "RandomTranslation, RandomZoom at the start of the model"))
        unsupported = [name for name, value in (
            ("zca_whitening", zca_whitening), ("brightness_range", brightness_range))
            if value]
        if unsupported:
            raise NotImplementedError(_("ImageDataGenerator: {join} is not supported in "
                                        "glassnet; leave it out.").format(
                                            join=', '.join(unsupported)))
        if data_format not in (None, "channels_last"):
            raise ValueError(_("ImageDataGenerator: glassnet images are channels_last, "
                               "(n, height, width, channels)."))
        if fill_mode not in ("nearest", "reflect", "wrap", "constant"):
            raise ValueError(_("fill_mode must be 'nearest', 'reflect', 'wrap' or "
                               "'constant', got {fill_mode!r}.").format(fill_mode=fill_mode))
        if interpolation_order not in (0, 1):
            raise ValueError(_("interpolation_order must be 0 (nearest) or 1 (bilinear), "
                               "got {interpolation_order!r}.").format(
                                   interpolation_order=interpolation_order))
        if not 0 <= validation_split < 1:
            raise ValueError(_("validation_split must be in [0, 1), got "
                               "{validation_split!r}.").format(validation_split=validation_split))
        if np.isscalar(zoom_range):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) != 2:
            raise ValueError(_("zoom_range must be a number or [lower, upper], got "
                               "{zoom_range!r}.").format(zoom_range=zoom_range))
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.zoom_range = [float(z) for z in zoom_range]
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.validation_split = validation_split
        self.interpolation = "nearest" if interpolation_order == 0 else "bilinear"
        self.dtype = dtype
        self.mean = self.std = None

    # -- one image ----------------------------------------------------------------
    def _shift(self, span, size: int, rng: np.random.Generator) -> float:
        if not np.any(span):
            return 0.0
        if isinstance(span, (int, np.integer)) or not np.isscalar(span):
            choices = np.arange(span) if np.isscalar(span) else np.asarray(span)
            t = float(rng.choice(choices)) * rng.choice([-1, 1])
        else:
            t = float(rng.uniform(-span, span))
        return t * size if np.max(span) < 1 else t

    def get_random_transform(self, img_shape: tuple, seed: int | None = None) -> dict:
        """Random parameters for one image, by Keras 2's rules (see the class docstring)."""
        rng = np.random.default_rng(seed) if seed is not None else grandom.rng()
        h, w = img_shape[0], img_shape[1]
        zx, zy = ((1.0, 1.0) if self.zoom_range == [1.0, 1.0]
                  else rng.uniform(self.zoom_range[0], self.zoom_range[1], 2))
        return {
            "theta": float(rng.uniform(-self.rotation_range, self.rotation_range))
            if self.rotation_range else 0.0,
            "tx": self._shift(self.height_shift_range, h, rng),
            "ty": self._shift(self.width_shift_range, w, rng),
            "shear": float(rng.uniform(-self.shear_range, self.shear_range))
            if self.shear_range else 0.0,
            "zx": float(zx), "zy": float(zy),
            "flip_horizontal": bool(self.horizontal_flip and rng.random() < 0.5),
            "flip_vertical": bool(self.vertical_flip and rng.random() < 0.5),
            "channel_shift_intensity": float(rng.uniform(-self.channel_shift_range,
                                                         self.channel_shift_range))
            if self.channel_shift_range else None,
        }

    def apply_transform(self, x: np.ndarray, transform_parameters: dict) -> np.ndarray:
        """One image ``(height, width, channels)`` warped and flipped by the parameters
        (``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy``, ``flip_horizontal``,
        ``flip_vertical``, ``channel_shift_intensity``), as Keras 2's ``apply_transform``."""
        p = transform_parameters
        x = np.asarray(x)
        h, w = x.shape[0], x.shape[1]
        params = [p.get(k, d) for k, d in (("theta", 0), ("tx", 0), ("ty", 0), ("shear", 0),
                                            ("zx", 1), ("zy", 1))]
        if params != [0, 0, 0, 0, 1, 1]:
            m = _matrix(*params, h=h, w=w)
            # Warp's form: x_in = a0·col + a1·row + a2, y_in = b0·col + b1·row + b2
            warp = Warp(np.array([[m[1, 1], m[1, 0], m[1, 2], m[0, 1], m[0, 0], m[0, 2],
                                   0, 0]]), h, w, self.interpolation, self.fill_mode)
            x = warp.apply(x[np.newaxis].astype(np.float64), self.cval)[0].astype(x.dtype)
        if p.get("channel_shift_intensity") is not None:
            low, high = np.min(x), np.max(x)
            x = np.clip(x + p["channel_shift_intensity"], low, high)
        if p.get("flip_horizontal"):
            x = x[:, ::-1]
        if p.get("flip_vertical"):
            x = x[::-1]
        return np.ascontiguousarray(x)

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """``preprocessing_function``, ``· rescale``, per-image centring/scaling, then the
        per-channel ``mean``/``std`` learnt by ``fit``."""
        if self.preprocessing_function is not None:
            x = self.preprocessing_function(x)
        x = np.array(x, dtype=self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for flag, stat, what in ((self.featurewise_center, self.mean, "featurewise_center"),
                                 (self.featurewise_std_normalization, self.std,
                                  "featurewise_std_normalization")):
            if flag and stat is None:
                raise ValueError(_("ImageDataGenerator({what}=True) needs its "
                                   "statistics: call datagen.fit(x_train) first.").format(
                                       what=what))
        if self.featurewise_center:
            x -= self.mean
        if self.featurewise_std_normalization:
            x /= self.std + 1e-6
        return x

    def fit(self, x, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Learn the per-channel ``mean`` and ``std`` of ``x`` (after ``rescale``; with
        ``augment``, of ``rounds`` randomly transformed copies)."""
        x = np.array(x, dtype=self.dtype)
        _check_images(x, "fit")
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(seed)
            x = np.stack([self.random_transform(img, int(rng.integers(2**31)))
                          for _ in range(rounds) for img in x])
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, -1)

    def flow(self, x, y=None, batch_size: int = 32, shuffle: bool = True, sample_weight=None,
             seed: int | None = None, subset: str | None = None, **kwargs) -> NumpyArrayIterator:
        """Batches ``(x_batch, y_batch)`` (or ``x_batch`` without ``y``), transformed and
        standardised, for ever: ``len(iterator)`` batches make one pass over ``x``."""
        if kwargs.get("save_to_dir"):
            raise NotImplementedError(_("ImageDataGenerator.flow(save_to_dir=...) is not "
                                        "supported in glassnet; save images with "
                                        "save_img."))
        return NumpyArrayIterator(x, y, self, batch_size, shuffle, sample_weight, seed,
                                  subset)


def _check_images(x: np.ndarray, who: str) -> None:
    if x.ndim != 4:
        raise ValueError(_("ImageDataGenerator.{who} needs images shaped (n, height, "
                           "width, channels), got shape {shape}. For grayscale images "
                           "add the channel axis: x[..., np.newaxis].").format(
                               who=who, shape=x.shape))


class NumpyArrayIterator:
    """What ``flow`` returns: ``next(it)`` and ``for batch in it`` give batches without end,
    reshuffled (with ``shuffle``) each time the data is used up; ``it[i]`` is batch ``i`` of
    the current order and ``len(it)`` the batches in one pass."""

    def __init__(self, x, y, generator: ImageDataGenerator, batch_size: int = 32,
                 shuffle: bool = True, sample_weight=None, seed: int | None = None,
                 subset: str | None = None) -> None:
        x = np.asarray(x)
        _check_images(x, "flow")
        y = None if y is None else np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight)
        if y is not None and len(y) != len(x):
            raise ValueError(_("flow: x and y have different numbers of samples: {n_x} "
                               "and {n_y}.").format(n_x=len(x), n_y=len(y)))
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(_("subset must be 'training' or 'validation', got "
                                   "{subset!r}.").format(subset=subset))
            split = int(len(x) * generator.validation_split)
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            y = None if y is None else y[part]
            w = None if w is None else w[part]
        self.x, self.y, self.sample_weight = x, y, w
        self.generator, self.batch_size, self.shuffle = generator, int(batch_size), shuffle
        self.n = len(x)
        self._rng = np.random.default_rng(seed) if seed is not None else grandom.rng()
        self._order = np.arange(self.n)
        self._position = 0
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def on_epoch_end(self) -> None:
        self._order = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def _batch(self, index: np.ndarray):
        g = self.generator
        batch = np.stack([g.standardize(g.apply_transform(
            self.x[j].astype(g.dtype),
            g.get_random_transform(self.x[j].shape, int(self._rng.integers(2**31)))))
            for j in index]) if len(index) else np.zeros((0, *self.x.shape[1:]), g.dtype)
        out = (batch,)
        if self.y is None:
            return batch
        out += (self.y[index],)
        if self.sample_weight is not None:
            out += (self.sample_weight[index],)
        return out

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(_("batch {i} out of range: the iterator has {n_self} "
                               "batches.").format(i=i, n_self=len(self)))
        return self._batch(self._order[i * self.batch_size:(i + 1) * self.batch_size])

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        if self._position >= len(self):
            self._position = 0
            self.on_epoch_end()
        self._position += 1
        return self[self._position - 1]
