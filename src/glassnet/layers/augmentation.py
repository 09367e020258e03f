"""Image augmentation: ``RandomFlip``, ``RandomRotation``, ``RandomTranslation``,
``RandomZoom`` and ``RandomContrast``, with Keras 3's arguments and formulas, and
glassnet's own ``RandomStrokeWidth`` (thicker or thinner strokes), ``RandomLowResolution``
(a coarse scan enlarged again) and ``RandomAffineChain`` (several of the affine layers as
one warp); Keras has none of the three.

Each layer changes every training image by its own random amount, so the network sees a
slightly different picture each epoch, and is the identity at inference (``predict``,
``evaluate``, or a call with ``training=False``). Images are channels-last,
``(batch, H, W, C)``. No weights.

Randomness comes from ``glassnet.random`` (``set_seed`` makes a run repeatable), or from
the layer's own generator when it is given ``seed=``.

These layers usually come first in a model, where ``fit`` never calls their ``backward``
(nothing below them has weights). Where one sits above a layer with weights, ``backward``
sends ``dy`` back through the same transform (each is linear in the image for its drawn
amounts), so training still works.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import random as grandom
from ..i18n import N_, _
from ._affine import FILL_MODES, INTERPOLATIONS, Warp
from ._spatial import check_data_format, check_image_shape
from .base import Layer


def _factor_range(factor, what: str, layer: str, low: float, high: float,
                  low_open: bool = False, each: bool = True) -> tuple[float, float]:
    """Keras's ``factor``: a number ``f`` in ``[low, high]`` gives ``(max(-|f|, low), |f|)``;
    a pair gives ``(min, max)``. With ``each`` (RandomTranslation, RandomZoom) both numbers
    of a pair must lie in ``[low, high]`` (``(low, high]`` with ``low_open``); otherwise
    (RandomRotation, RandomContrast: Keras's ``_set_factor``) only ``pair[0] <= high`` and
    ``pair[1] >= low`` are required."""
    def number(v):
        return isinstance(v, (int, float, np.number)) and not isinstance(v, bool)

    def inside(v):
        return (low < v if low_open else low <= v) and v <= high

    if isinstance(factor, (list, tuple)) and len(factor) == 2 and all(map(number, factor)):
        if all(map(inside, factor)) if each else (factor[0] <= high and factor[1] >= low):
            lower, upper = sorted(float(v) for v in factor)
            return lower, upper
    elif number(factor) and inside(factor):
        f = abs(float(factor))
        return max(-f, low), f
    bracket = "(" if low_open else "["
    raise ValueError(_("{layer} {what} must be a number or a pair of numbers in "
                       "{bracket}{low:g}, {high:g}], got {factor!r}.").format(
                           layer=layer, what=what, bracket=bracket, low=low, high=high,
                           factor=factor))


def _listed(value):
    """A pair as a list (JSON has no tuples), so that ``get_config`` round-trips."""
    return list(value) if isinstance(value, tuple) else value


class _RandomImageLayer(Layer):
    """What the augmentation layers share: the generator, the image check, identity at
    inference, and ``get_config``."""

    def __init__(self, seed: int | None = None, data_format: str | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.data_format = check_data_format(data_format, f"{type(self).__name__} {self.name!r}")
        self.active = False  # whether the last forward changed its input

    def rng(self) -> np.random.Generator:
        return self._rng or grandom.rng()

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, type(self).__name__)
        super().build(input_shape)

    def forward(self, x, training=False):
        self.active = bool(training)
        return self.transform(x) if self.active else x

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return self.transform_backward(dy) if self.active else dy

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def transform_backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomFlip(_RandomImageLayer):
    """Mirror each image with probability 1/2: ``"horizontal"`` (left-right),
    ``"vertical"`` (top-bottom) or ``"horizontal_and_vertical"`` (both, on one coin per
    image, as Keras 3). Backward: the flip is its own inverse and adjoint, ``dx = flip(dy)``.
    """

    formula = N_("y = x mirrored (each image with probability 1/2)")
    backward_formula = N_("dx = dy mirrored the same way")
    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(seed, **kwargs)
        if mode not in self.MODES:
            raise ValueError(_("RandomFlip mode must be one of {choices}, got {mode!r}.").format(
                                   choices=", ".join(map(repr, self.MODES)), mode=mode))
        self.mode = mode

    def transform(self, x):
        self.flips = self.rng().uniform(size=len(x)) <= 0.5  # Keras: uniform(0, 1) <= 0.5
        return self._flip(x)

    def _flip(self, x):
        y = x.copy()
        chosen = self.flips
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            y[chosen] = y[chosen][:, :, ::-1]
        if self.mode in ("vertical", "horizontal_and_vertical"):
            y[chosen] = y[chosen][:, ::-1]
        return y

    transform_backward = _flip

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _RandomAffine(_RandomImageLayer):
    """Layers that warp each image by a random affine map (``_affine.Warp``)."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        kind = f"{type(self).__name__} {self.name!r}"
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(_("{kind}: unknown fill_mode {fill_mode!r}; "
                                        "expected one of {choices}.").format(
                                            kind=kind, fill_mode=fill_mode,
                                            choices=", ".join(map(repr, FILL_MODES))))
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(_("{kind}: unknown interpolation "
                                        "{interpolation!r}; expected one of {choices}.").format(
                                            kind=kind, interpolation=interpolation,
                                            choices=", ".join(map(repr, INTERPOLATIONS))))
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)

    def matrices(self, n: int, H: int, W: int) -> np.ndarray:
        """``(n, 8)`` Keras transforms ``[a0, a1, a2, b0, b1, b2, 0, 0]``, one per image."""
        raise NotImplementedError

    def transform(self, x):
        n, H, W, _ = x.shape
        self.warp = Warp(self.matrices(n, H, W), H, W, self.interpolation, self.fill_mode)
        return self.warp.apply(x, self.fill_value)

    def transform_backward(self, dy):
        return self.warp.adjoint(dy)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomRotation(_RandomAffine):
    """Rotate each image about its centre by a random angle ``θ`` drawn uniformly from
    ``[lower·360°, upper·360°]`` (``factor=0.1``: up to ±36°; a pair sets the bounds).

    Keras's map from output ``(x, y)`` to input, with the centre ``cx = (W-1)/2``,
    ``cy = (H-1)/2``::

        x_in = cos θ·x - sin θ·y + cx - cx·cos θ + cy·sin θ
        y_in = sin θ·x + cos θ·y + cy - cx·sin θ - cy·cos θ
    """

    formula = N_("y = x rotated by a random angle about the image centre")
    backward_formula = N_("dx = adjoint of the same warp applied to dy")

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = _listed(factor)
        self.lower, self.upper = _factor_range(factor, "factor", "RandomRotation", -1, 1,
                                                each=False)

    def matrices(self, n, H, W):
        angle = np.deg2rad(self.rng().uniform(self.lower * 360.0, self.upper * 360.0, n))
        cx, cy = 0.5 * (W - 1), 0.5 * (H - 1)
        cos, sin = np.cos(angle), np.sin(angle)
        a0, a1 = cos, -sin
        b0, b1 = sin, cos
        zero = np.zeros(n)
        return np.stack([a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1,
                         zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomTranslation(_RandomAffine):
    """Shift each image by ``dy = u·H`` rows and ``dx = v·W`` columns, ``u`` drawn from
    ``height_factor``'s range and ``v`` from ``width_factor``'s (``0.1``: up to ±10%).
    Output pixel ``(x, y)`` reads input ``(x - dx, y - dy)``.
    """

    formula = N_("y = x shifted by a random fraction of its height and width")
    backward_formula = N_("dx = adjoint of the same warp applied to dy")

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = _listed(height_factor), _listed(width_factor)
        self.height_range = _factor_range(height_factor, "height_factor", "RandomTranslation",
                                          -1, 1)
        self.width_range = _factor_range(width_factor, "width_factor", "RandomTranslation", -1, 1)

    def matrices(self, n, H, W):
        rng = self.rng()
        shift_y = rng.uniform(*self.height_range, n) * H  # Keras draws the height first
        shift_x = rng.uniform(*self.width_range, n) * W
        one, zero = np.ones(n), np.zeros(n)
        return np.stack([one, zero, -shift_x, zero, one, -shift_y, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomZoom(_RandomAffine):
    """Zoom each image about its centre: output ``(x, y)`` reads input
    ``(zx·x + (W-1)/2·(1 - zx), zy·y + (H-1)/2·(1 - zy))``, with ``zy = 1 + u``, ``u`` drawn
    from ``height_factor``'s range (``zx`` likewise from ``width_factor``, or ``zx = zy``
    when it is None). A negative factor (``z < 1``) zooms in, a positive one zooms out,
    as in Keras (``height_factor=0.2``: ``z`` in ``[0.8, 1.2]``).
    """

    formula = N_("y = x zoomed by a random factor about the image centre")
    backward_formula = N_("dx = adjoint of the same warp applied to dy")

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = _listed(height_factor), _listed(width_factor)
        self.height_range = _factor_range(height_factor, "height_factor", "RandomZoom", -1, 1,
                                          low_open=True)
        self.width_range = None if width_factor is None else _factor_range(
            width_factor, "width_factor", "RandomZoom", -1, 1, low_open=True)

    def matrices(self, n, H, W):
        rng = self.rng()
        zy = rng.uniform(1 + self.height_range[0], 1 + self.height_range[1], n)
        zx = zy if self.width_range is None else \
            rng.uniform(1 + self.width_range[0], 1 + self.width_range[1], n)
        zero = np.zeros(n)
        return np.stack([zx, zero, (W - 1) / 2 * (1 - zx), zero, zy, (H - 1) / 2 * (1 - zy),
                         zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomContrast(_RandomImageLayer):
    """``y = clip((x - μ)·f + μ, low, high)``, ``μ`` the mean of each image's channel over
    its pixels, ``f`` drawn per image from ``[1 - lower, 1 + upper]`` and ``(low, high) =
    value_range``.

    ``(lower, upper)`` is Keras 3's reading of ``factor`` (``_set_factor`` with bounds
    ``[0, 1]``): a pair is sorted and taken as is; a single number ``a`` gives ``(0, a)``,
    so ``f`` in ``[1, 1 + a]``: Keras 3's code does this, although its docstring says
    ``[1 - a, 1 + a]``. Pass ``factor=(a, a)`` for the symmetric range; ``(-a, a)`` gives
    the fixed contrast ``f = 1 + a``.

    Backward, with ``m`` the mask of values inside ``value_range`` and ``P = H·W``:
    ``g = dy·m``, ``dx = f·g + (1 - f)/P · Σ_pixels g``.
    """

    formula = "y = clip((x - mean)·f + mean, value_range)"
    backward_formula = N_("g = dy·[inside range];  dx = f·g + (1-f)·mean(g)")

    def __init__(self, factor, value_range=(0, 255), seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.factor = _listed(factor)
        self.lower, self.upper = _factor_range(factor, "factor", "RandomContrast", 0, 1,
                                                each=False)
        low, high = (float(v) for v in value_range)
        if not low < high:
            raise ValueError(_("RandomContrast value_range must be (low, high) with low "
                               "< high, got {value_range!r}.").format(value_range=value_range))
        self.value_range = (low, high)

    def transform(self, x):
        n = len(x)
        f = self.rng().uniform(1 - self.lower, 1 + self.upper, n).astype(x.dtype)
        self.f = f.reshape(n, 1, 1, 1)
        mean = x.mean(axis=(1, 2), keepdims=True)
        y = (x - mean) * self.f + mean
        low, high = self.value_range
        self.inside = (y >= low) & (y <= high)
        return np.clip(y, low, high)

    def transform_backward(self, dy):
        g = dy * self.inside
        P = math.prod(dy.shape[1:3])
        return self.f * g + (1 - self.f) * g.sum(axis=(1, 2), keepdims=True) / dy.dtype.type(P)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": list(self.value_range)}


class RandomStrokeWidth(_RandomImageLayer):
    """Thicken or thin each image's strokes by a random amount: glassnet's own layer (Keras
    has none), for handwriting written with pens of other widths than the training set's.

    Each image gets ``t`` drawn uniformly from ``[lower, upper]`` (``factor=0.5``: ``t`` in
    ``[-0.5, 0.5]``; a pair sets the bounds; ``-1 ≤ t ≤ 1``). With ``D(x)`` the grey
    dilation (each pixel takes the largest value of its 3x3 window, so bright strokes
    grow by a pixel on every side) and ``E(x)`` the grey erosion (the smallest value)::

        y = x + t·(D(x) - x)     for t ≥ 0   (t = 1: one pixel thicker all round)
        y = x + |t|·(E(x) - x)   for t < 0   (t = -1: one pixel thinner all round)

    Strokes are bright on a dark background, as in MNIST. The window ignores what lies
    outside the image. Backward: ``D`` passes each ``dy`` to the pixel its window took
    (the argmax; ``E`` likewise the argmin), so ``dx = (1 - |t|)·dy + |t|·Σ dy`` over the
    outputs whose window took that pixel.
    """

    formula = "y = x + t·(dilate(x) - x), t ≥ 0;  y = x + |t|·(erode(x) - x), t < 0"
    backward_formula = "dx = (1 - |t|)·dy + |t|·dy sent to each window's max (min) pixel"
    SHIFTS = tuple((i, j) for i in range(3) for j in range(3))  # the 3x3 window's offsets

    def __init__(self, factor, seed: int | None = None, **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.factor = _listed(factor)
        self.lower, self.upper = _factor_range(factor, "factor", "RandomStrokeWidth", -1, 1)

    def transform(self, x):
        n, H, W, C = x.shape
        t = self.rng().uniform(self.lower, self.upper, n).astype(x.dtype).reshape(n, 1, 1, 1)
        sign = np.where(t >= 0, 1, -1).astype(x.dtype)  # erosion is dilation of -x
        self.padded = np.full((n, H + 2, W + 2, C), -np.inf, dtype=x.dtype)
        self.padded[:, 1:-1, 1:-1] = sign * x
        extreme = self.padded[:, 1:-1, 1:-1].copy()
        for i, j in self.SHIFTS:
            np.maximum(extreme, self.padded[:, i:i + H, j:j + W], out=extreme)
        self.t = np.abs(t)
        return x + self.t * (sign * extreme - x)

    def transform_backward(self, dy):
        n, H, W, C = dy.shape
        windows = np.stack([self.padded[:, i:i + H, j:j + W] for i, j in self.SHIFTS])
        pick = windows.argmax(axis=0)  # which neighbour each output pixel took
        d_extreme = self.t * dy
        dpadded = np.zeros((n, H + 2, W + 2, C), dtype=dy.dtype)
        for k, (i, j) in enumerate(self.SHIFTS):
            dpadded[:, i:i + H, j:j + W] += np.where(pick == k, d_extreme, 0)
        return (1 - self.t) * dy + dpadded[:, 1:-1, 1:-1]

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomAffineChain(_RandomAffine):
    """Several random affine layers (``RandomZoom``, ``RandomRotation``,
    ``RandomTranslation``) applied as one warp: glassnet's own layer (Keras has none).

    In a model, ``RandomZoom -> RandomRotation -> RandomTranslation`` resamples the image
    three times, and each bilinear resampling blurs it a little. Each layer's map, from an
    output pixel ``p`` to the point it reads (homogeneous 3x3 matrices ``M``), composes::

        y(p) = x(M_1 · M_2 · … · M_k · p)     (layers listed first to last)

    so this layer draws each layer's amounts as that layer would (its ``matrices``, in
    order), multiplies the maps, and interpolates once: the same random transforms at a
    third of the cost, and sharper. Interpolation and filling are the chain's own
    (``fill_mode``, ``interpolation``, ``fill_value``), not the listed layers'.
    """

    formula = "y = x warped by the product of the listed layers' random affine maps"
    backward_formula = "dx = adjoint of the same warp applied to dy"

    def __init__(self, layers, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, **kwargs) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        if isinstance(layers, dict):
            layers = [layers]
        from . import deserialize

        self.layers = [deserialize(layer) if isinstance(layer, dict) else layer
                       for layer in layers]
        for layer in self.layers:
            if not isinstance(layer, _RandomAffine) or isinstance(layer, RandomAffineChain):
                raise TypeError(_("RandomAffineChain takes RandomRotation, RandomTranslation "
                                  "and RandomZoom layers, got {layer!r}.").format(layer=layer))

    def matrices(self, n, H, W):
        M = np.broadcast_to(np.eye(3), (n, 3, 3))
        for layer in self.layers:
            m = layer.matrices(n, H, W)  # (n, 8): [a0, a1, a2, b0, b1, b2, 0, 0]
            step = np.zeros((n, 3, 3))
            step[:, :2] = m[:, :6].reshape(n, 2, 3)
            step[:, 2, 2] = 1.0
            M = M @ step
        return np.concatenate([M[:, :2].reshape(n, 6), np.zeros((n, 2))], axis=1)

    def get_config(self):
        from . import serialize

        return {**super().get_config(), "layers": [serialize(layer) for layer in self.layers]}


@functools.cache
def _resample_matrix(n: int, s: int) -> np.ndarray:
    """``(n, n)`` matrix ``B·A`` that takes a line of ``n`` pixels down to ``s`` (``A``: box
    averaging, each of the ``s`` cells the mean of the ``n/s`` pixels it covers, partly
    covered pixels weighted by their share) and back up to ``n`` (``B``: linear
    interpolation between cell centres, half-pixel aligned, the edge cells held)."""
    edges = np.arange(s + 1) * (n / s)
    left, right = edges[:-1, None], edges[1:, None]
    pixel = np.arange(n)[None, :]
    A = np.clip(np.minimum(right, pixel + 1) - np.maximum(left, pixel), 0, None) * (s / n)
    at = np.clip((np.arange(n) + 0.5) * (s / n) - 0.5, 0, s - 1)  # each pixel, in cells
    below = np.floor(at).astype(int)
    above = np.minimum(below + 1, s - 1)
    B = np.zeros((n, s))
    np.add.at(B, (np.arange(n), below), 1 - (at - below))
    np.add.at(B, (np.arange(n), above), at - below)
    M = B @ A
    M.flags.writeable = False  # shared by every call (cached)
    return M


def _resamplers(n: int, sizes: np.ndarray, dtype) -> np.ndarray:
    """``(len(sizes), n, n)``: ``_resample_matrix(n, s)`` for each size (``n``: identity)."""
    return np.stack([_resample_matrix(n, int(s)) for s in sizes]).astype(dtype)


class RandomLowResolution(_RandomImageLayer):
    """Make each image look like a low-resolution scan enlarged again: glassnet's own layer
    (Keras has none), for digits that reach the model from a coarse picture (a small
    photo, an 8x8 scan) and are blurrier and blockier than the training set's.

    Each image is chosen with probability ``rate``; a chosen one gets ``f`` drawn uniformly
    from ``factor = (lower, upper)`` (``0 < f ≤ 1``; one number ``f``: exactly ``f``), is
    shrunk to ``round(f·H)`` by ``round(f·W)`` pixels by box averaging (``A``) and
    enlarged back by linear interpolation (``B``): ``z = M_H · x · M_Wᵀ`` with
    ``M = B·A``, per channel. Then its brightest value is restored, as
    ``glassnet.imaging.load_digit`` stretches a digit to full contrast::

        y = z · max(x) / max(z)          (y = z where max(z) ≤ 0)

    Backward, with ``c = max(x) / max(z)``, ``g = Σ dy·z / max(z)`` and ``e_x``, ``e_z`` the
    positions of the two maxima: ``dx = M_Hᵀ · (c·dy − c·g·e_z) · M_W + g·e_x``.
    """

    formula = "y = B·A·x·(B·A)ᵀ · max(x)/max(B·A·x·(B·A)ᵀ), A: shrink, B: enlarge"
    backward_formula = "dx = (B·A)ᵀ·(c·dy − c·g·e_z)·(B·A) + g·e_x"

    def __init__(self, factor=(0.3, 0.6), rate: float = 1.0, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(seed, **kwargs)
        self.factor = _listed(factor)
        self.lower, self.upper = _factor_range(factor, "factor", "RandomLowResolution", 0, 1,
                                               low_open=True)
        if isinstance(factor, (int, float)):
            self.lower = self.upper  # one number f: exactly that scale
        if not 0.0 <= rate <= 1.0:
            raise ValueError(_("RandomLowResolution rate must be between 0 and 1, got "
                               "{rate!r}.").format(rate=rate))
        self.rate = float(rate)

    def transform(self, x):
        n, H, W, C = x.shape
        rng = self.rng()
        chosen = rng.uniform(size=n) < self.rate
        f = rng.uniform(self.lower, self.upper, n)
        sh = np.where(chosen, np.maximum(1, np.round(f * H)), H)
        sw = np.where(chosen, np.maximum(1, np.round(f * W)), W)
        self.MH = _resamplers(H, sh, x.dtype)[:, None]  # (n, 1, H, H)
        self.MW = _resamplers(W, sw, x.dtype)[:, None]
        planes = np.moveaxis(x, 3, 1)  # (n, C, H, W)
        z = np.moveaxis(self.MH @ planes @ np.swapaxes(self.MW, -1, -2), 1, 3)
        peak_x = x.max(axis=(1, 2), keepdims=True)
        peak_z = z.max(axis=(1, 2), keepdims=True)
        self.c = np.where(chosen[:, None, None, None] & (peak_z > 0),
                          peak_x / np.where(peak_z > 0, peak_z, 1), 1).astype(x.dtype)
        self.x, self.z, self.peak_z, self.chosen = x, z, peak_z, chosen
        return z * self.c

    def transform_backward(self, dy):
        n, H, W, C = dy.shape
        scaled = np.where(self.chosen[:, None, None, None] & (self.peak_z > 0), 1, 0)
        g = (dy * self.z).sum(axis=(1, 2), keepdims=True) / np.where(
            self.peak_z > 0, self.peak_z, 1) * scaled  # Σ dy·z / max(z)
        dz = self.c * dy
        flat = dz.reshape(n, H * W, C)  # − c·g at each image's (and channel's) max of z
        np.add.at(flat, (np.arange(n)[:, None], self.z.reshape(n, H * W, C).argmax(axis=1),
                         np.arange(C)[None, :]), -(self.c * g).reshape(n, C))
        planes = np.moveaxis(dz, 3, 1)
        dx = np.moveaxis(np.swapaxes(self.MH, -1, -2) @ planes @ self.MW, 1, 3).copy()
        flat = dx.reshape(n, H * W, C)  # + g at the max of x
        np.add.at(flat, (np.arange(n)[:, None], self.x.reshape(n, H * W, C).argmax(axis=1),
                         np.arange(C)[None, :]), g.reshape(n, C))
        return dx

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "rate": self.rate}
