"""Weight initialisers with Keras's names, defaults and formulas.

An initialiser is called as ``init(shape, dtype)`` and returns a new array. Use it by
name (``kernel_initializer="he_normal"``) or as an object (``initializers.HeNormal(seed=1)``,
``initializers.Constant(0.1)``; the lowercase names are the same classes, as in Keras).

For a weight of shape ``(..., fan_in_channels, fan_out_channels)`` the fans are
``fan_in = shape[-2] · receptive`` and ``fan_out = shape[-1] · receptive``, where
``receptive`` is the product of the leading (kernel) dimensions, 1 for ``Dense``.

Most of Keras's random initialisers are one formula, ``VarianceScaling(scale, mode,
distribution)``: with ``n`` the fan that ``mode`` picks (``fan_in``, ``fan_out`` or their
mean ``fan_avg``) the target variance is ``s = scale / n``, and

    uniform:            U[-l, l] with l = √(3 s)
    truncated_normal:   N(0, σ²) redrawn beyond 2σ, σ = √s / 0.8796256610342398
                        (0.8796... is the standard deviation of a unit normal cut at ±2,
                        so the variance after the cut is s)
    untruncated_normal: N(0, s)

    glorot_uniform = (1, fan_avg, uniform)     Keras's default kernel initialiser
    glorot_normal  = (1, fan_avg, truncated)   he_normal  = (2, fan_in, truncated)
    lecun_normal   = (1, fan_in, truncated)    he_uniform = (2, fan_in, uniform)
    lecun_uniform  = (1, fan_in, uniform)

Example: ``Dense(128)`` on 784 inputs: ``glorot_uniform`` draws from
``U[-l, l]``, ``l = √(6 / (784 + 128)) ≈ 0.0811``.

Without ``seed`` the values come from glassnet's generator (``utils.set_random_seed``);
with ``seed`` every call returns the same values, as a seeded Keras 3 initialiser does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import random as grandom
from .errors import unknown_name
from .i18n import _

TRUNCATED_STDDEV = 0.87962566103423978  # std of a unit normal truncated at ±2


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _dtype(dtype):
    if dtype is None:
        from .backend import floatx

        return floatx()
    return dtype


class Initializer:
    """Base class: ``init(shape, dtype)`` returns a new array of that shape."""

    def __call__(self, shape: tuple[int, ...], dtype=None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (Keras's default bias initialiser)."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, _dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, _dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain · I`` for a 2-D shape (rectangular: ones on the main diagonal)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(_("The Identity initializer needs a 2-D shape, got {shape}; "
                               "use it for Dense kernels.").format(shape=tuple(shape)))
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initialisers: ``seed=None`` draws from glassnet's generator,
    an integer seed gives the same values at every call."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(_("seed must be an integer or None, got seed={seed!r}.").format(
                                   seed=seed))
        self.seed = None if seed is None else int(seed)

    def rng(self) -> np.random.Generator:
        return grandom.rng() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}


def truncated_standard_normal(rng: np.random.Generator, shape) -> np.ndarray:
    """Unit normal values, each one beyond ±2 redrawn (as Keras's ``truncated_normal``)."""
    x = rng.standard_normal(shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    return x


class RandomNormal(RandomInitializer):
    """``N(mean, stddev²)``, by default ``N(0, 0.05²)``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        return self.rng().normal(self.mean, self.stddev, shape).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """``U[minval, maxval]``, by default ``U[-0.05, 0.05]``."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        return self.rng().uniform(self.minval, self.maxval, shape).astype(_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """``mean + stddev · z``, ``z`` a unit normal redrawn beyond ±2 (so every value lies
    within two standard deviations of the mean). Default ``N(0, 0.05²)``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        z = truncated_standard_normal(self.rng(), shape)
        return (self.mean + self.stddev * z).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Variance ``scale / n`` for the fan ``n`` that ``mode`` picks (see the module text)."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None:
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(_("VarianceScaling scale must be positive, got "
                               "scale={scale!r}.").format(scale=scale))
        if mode not in self.MODES:
            raise ValueError(_("VarianceScaling mode must be one of {MODES}, got "
                               "{mode!r}.").format(MODES=self.MODES, mode=mode))
        distribution = str(distribution).lower()
        if distribution == "normal":  # Keras's old name for the truncated one
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(_("VarianceScaling distribution must be one of "
                               "{DISTRIBUTIONS}, got {distribution!r}.").format(
                                   DISTRIBUTIONS=self.DISTRIBUTIONS, distribution=distribution))
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        n = max(1.0, n)  # the variance is scale / n; each formula divides once
        rng = self.rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * self.scale / n)  # U[-l, l] has variance l² / 3
            x = rng.uniform(-limit, limit, shape)
        elif self.distribution == "truncated_normal":
            x = truncated_standard_normal(rng, shape) * (math.sqrt(self.scale / n)
                                                         / TRUNCATED_STDDEV)
        else:
            x = rng.normal(0.0, math.sqrt(self.scale / n), shape)
        return x.astype(_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _Preset(VarianceScaling):
    """A named ``VarianceScaling`` (its only argument is ``seed``)."""

    preset: tuple[float, str, str]

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """``U[-l, l]``, ``l = √(6 / (fan_in + fan_out))`` (Keras's default for kernels)."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with standard deviation ``√(2 / (fan_in + fan_out))``."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with standard deviation ``√(2 / fan_in)`` (good before ReLU)."""

    preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """``U[-l, l]``, ``l = √(6 / fan_in)``."""

    preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with standard deviation ``√(1 / fan_in)`` (for SELU networks)."""

    preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """``U[-l, l]``, ``l = √(3 / fan_in)``."""

    preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times ``gain`` (rows or columns orthonormal).

    As Keras: the shape is flattened to ``(rows, cols) = (Π shape[:-1], shape[-1])``;
    a normal matrix of shape ``(max, min)`` is factored ``A = QR``; ``Q``'s columns get
    the signs of ``diag(R)`` (so ``Q`` is uniformly distributed); ``Q`` is transposed
    when there are fewer rows than columns.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(_("The Orthogonal initializer needs at least 2 dimensions, "
                               "got shape {shape}.").format(shape=tuple(shape)))
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


# Keras's lowercase names are the classes themselves: initializers.he_normal(seed=1)
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform

_CLASSES = (Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, Orthogonal, GlorotUniform, GlorotNormal, HeNormal, HeUniform,
            LecunNormal, LecunUniform)
ALL = {cls.__name__: cls for cls in _CLASSES}
_STRINGS = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "identity": Identity, "random_normal": RandomNormal, "normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "identityinitializer": Identity, "orthogonalinitializer": Orthogonal,
}


def serialize(initializer) -> str | dict:
    """A name stays a name; an object becomes ``{"class_name": ..., "config": ...}``."""
    if isinstance(initializer, str):
        return initializer
    if isinstance(initializer, dict):  # already a config (from a Keras file): checked, kept
        get(initializer)
        return initializer
    if isinstance(initializer, Initializer) and type(initializer) in ALL.values():
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    raise TypeError(_("The initializer {initializer!r} cannot be saved: use a name, one "
                      "of glassnet.initializers' classes, or register a custom layer "
                      "that writes its own get_config.").format(initializer=initializer))


def _lookup(name) -> type:
    cls = ALL.get(name) or _STRINGS.get(str(name).lower())
    if cls is None:
        raise unknown_name("initializer", name, [*_STRINGS, *ALL])
    return cls


def is_name(value) -> bool:
    """Whether ``value`` names an initializer (``"zeros"``, ``"HeNormal"``)."""
    return isinstance(value, str) and (value in ALL or value.lower() in _STRINGS)


def get(identifier):
    """Resolve a name (``"he_normal"``, ``"HeNormal"``), a config dict
    ``{"class_name": "Constant", "config": {"value": 0.1}}``, a class or an object;
    a function ``f(shape, dtype)`` is returned unchanged."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        config = identifier.get("config", {})
        if not isinstance(config, dict):
            raise ValueError(_("An initializer config must be a dict, got {config}.").format(
                                   config=str(config)[:100]))
        return _lookup(identifier.get("class_name")).from_config(config)
    if callable(identifier):
        return identifier
    raise unknown_name("initializer", identifier, [*_STRINGS, *ALL])
