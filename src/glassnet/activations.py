"""Activation functions, each beside its derivative.

An activation ``a = f(z)`` is applied element by element (softmax: row by row).
``forward(z)`` computes ``a``; ``backward(z, a, da)`` turns ``da = dL/da`` into
``dz = dL/dz = da * f'(z)`` by the chain rule. Both ``z`` and ``a`` are passed so
that each derivative uses whichever is cheaper (``sigmoid' = a(1 - a)``).

Use them by name (``Dense(128, activation="relu")``) or as objects
(``activation=glassnet.activations.relu``).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import unknown_name
from .i18n import _

_erf_ufunc = None


def erf(x: np.ndarray) -> np.ndarray:
    """The error function ``erf(x) = 2/√π ∫₀ˣ e^(-t²) dt``, element-wise, in float64.

    NumPy has no ``erf``. SciPy's compiled one is used when SciPy is installed (it comes
    with the ``sklearn`` extra); otherwise Python's ``math.erf`` is applied to each element,
    which gives the same values about 50 times more slowly. SciPy is imported on first
    use, so ``import glassnet`` stays fast.
    """
    global _erf_ufunc
    if _erf_ufunc is None:
        try:
            from scipy.special import erf as _erf_ufunc
        except ImportError:
            _erf_ufunc = np.frompyfunc(math.erf, 1, 1)
    return np.asarray(_erf_ufunc(np.asarray(x, np.float64)), np.float64)


class Activation:
    """Base class. Subclasses set ``name`` and define ``forward`` and ``backward``."""

    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, z):
        """``a = f(z)``: a tensor for a tensor (recorded on a ``GradientTape``, whose
        derivative is ``backward``), as Keras's ``keras.activations.relu(x)``; an array for
        an array."""
        from .tape import record
        from .tensor import Tensor

        if not isinstance(z, Tensor):
            return self.forward(np.asarray(z))
        x = z.array
        a = self.forward(x)
        return record(Tensor(a), [z], lambda da: [self.backward(x, a, da)], self.name)

    def __repr__(self) -> str:
        return f"<activation {self.name}>"

    def get_config(self) -> str:
        return self.name


class Linear(Activation):
    """``a = z``; ``dz = da``. What ``Dense`` does with ``activation=None``."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, z, a, da):
        return da


class ReLU(Activation):
    """Rectified linear unit: ``a = max(z, 0)``; ``f'(z) = 1 if z > 0 else 0``."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, z, a, da):
        return da * (z > 0)


class Sigmoid(Activation):
    """Logistic function ``a = 1 / (1 + e^-z)``; ``f'(z) = a (1 - a)``.

    Computed as ``(1 + tanh(z/2)) / 2``, which never overflows.
    """

    name = "sigmoid"

    def forward(self, z):
        return 0.5 * np.tanh(0.5 * z) + 0.5

    def backward(self, z, a, da):
        return da * a * (1 - a)


class Tanh(Activation):
    """Hyperbolic tangent ``a = tanh(z)``; ``f'(z) = 1 - a²``."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, da):
        return da * (1 - a * a)


class Softmax(Activation):
    """``a_i = e^(z_i) / Σ_j e^(z_j)`` over the last axis.

    The row maximum is subtracted first so ``e^z`` never overflows. Its Jacobian
    is ``diag(a) - a aᵀ``, so ``dz = a * (da - Σ_j da_j a_j)``. Followed by
    cross-entropy, the model skips this and uses the fused ``dz = a - y``.
    """

    name = "softmax"

    def forward(self, z):
        e = np.exp(z - row_max(z))
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def backward(self, z, a, da):
        return a * (da - (da * a).sum(axis=-1, keepdims=True))


def row_max(z: np.ndarray) -> np.ndarray:
    """``z.max(axis=-1, keepdims=True)``, read through ``argmax`` for a 2-D ``z``.

    Same values; NumPy's ``max`` along a short last axis (10 classes) costs about
    80 ns per row, ``argmax`` about 15 ns, which shows at batch 512.
    """
    if z.ndim != 2:
        return z.max(axis=-1, keepdims=True)
    return z[np.arange(len(z)), z.argmax(axis=-1), None]


class LeakyReLU(Activation):
    """``a = z if z > 0 else αz`` (Keras's default ``α = 0.2``); ``f' = 1`` or ``α``."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = float(negative_slope)

    def forward(self, z):
        if 0 < self.negative_slope <= 1:  # then max(z, αz) picks z above 0 and αz below:
            return np.maximum(z * self.negative_slope, z)  # 5x faster than np.where (25 MB)
        return np.where(z > 0, z, z * self.negative_slope)

    def backward(self, z, a, da):
        if 0 < self.negative_slope <= 1:  # f' = max([z > 0], α): 1 or α, exactly
            return np.maximum((z > 0).astype(np.result_type(da)), self.negative_slope) * da
        return np.where(z > 0, da, da * self.negative_slope)


class ELU(Activation):
    """``a = z if z > 0 else α(e^z - 1)``, ``α = 1``; ``f' = 1`` or ``a + α``."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, z, a, da):
        return np.where(z > 0, da, da * (a + self.alpha))


class GELU(Activation):
    """Gaussian error linear unit ``a = z Φ(z)``, ``Φ(z) = (1 + erf(z/√2)) / 2``.

    Exact (not the tanh approximation), as Keras's and PyTorch's default.
    ``f'(z) = Φ(z) + z φ(z)`` with ``φ(z) = e^(-z²/2) / √(2π)``.
    """

    name = "gelu"

    @staticmethod
    def _cdf(z):
        return (0.5 * (1.0 + erf(z * (1 / math.sqrt(2))))).astype(z.dtype)

    def forward(self, z):
        return z * self._cdf(z)

    def backward(self, z, a, da):
        pdf = np.exp(-0.5 * z * z) * (1 / math.sqrt(2 * math.pi))
        return da * (self._cdf(z) + z * pdf)


class Softplus(Activation):
    """``a = log(1 + e^z)`` (computed as ``logaddexp(0, z)``); ``f'(z) = sigmoid(z)``."""

    name = "softplus"

    def forward(self, z):
        return np.logaddexp(0, z)

    def backward(self, z, a, da):
        return da * (0.5 * np.tanh(0.5 * z) + 0.5)


class Swish(Activation):
    """Swish / SiLU ``a = z·sigmoid(z)``; ``f'(z) = s + z s (1 - s)`` with ``s = sigmoid(z)``."""

    name = "swish"

    def forward(self, z):
        return z * (0.5 * np.tanh(0.5 * z) + 0.5)

    def backward(self, z, a, da):
        s = 0.5 * np.tanh(0.5 * z) + 0.5
        return da * (s + z * s * (1 - s))


linear = Linear()
relu = ReLU()
sigmoid = Sigmoid()
tanh = Tanh()
softmax = Softmax()
leaky_relu = LeakyReLU()
elu = ELU()
gelu = GELU()
softplus = Softplus()
swish = Swish()
silu = swish  # Keras's other name for it

ALL = {a.name: a for a in (linear, relu, sigmoid, tanh, softmax,
                           leaky_relu, elu, gelu, softplus, swish)}
ALIASES = {"silu": "swish"}
CUSTOM: dict[str, object] = {}  # functions of your own by name (custom_object_scope fills it)


class FunctionActivation(Activation):
    """A function of glassnet ops used as an activation (``activation=lambda x:
    tf.nn.tanh(x) ** 2``, or a function of your own, as Keras accepts).

    ``forward`` applies the function to ``z``; ``backward`` differentiates it with a
    ``GradientTape``: it computes ``f(z)`` again on the tape and takes the vector-Jacobian
    product ``dz = (∂f/∂z)ᵀ da`` from it (one more forward pass per step, which keeps the
    activation stateless, as the built-in ones are).
    """

    def __init__(self, fn) -> None:
        self.fn = fn
        self.name = getattr(fn, "__name__", "function")

    def _apply(self, z):
        from .tensor import Tensor

        a = self.fn(z)
        if not isinstance(a, Tensor):
            raise TypeError(_(
                "The activation function {name} returned {type}, not a tensor: write it with "
                "glassnet ops (tf.nn.relu, tf.exp, tf.math.*, operators on tensors) so that "
                "its derivative can be computed.").format(name=self.name,
                                                         type=type(a).__name__))
        return a

    def forward(self, z):
        from .tape import paused
        from .tensor import Tensor

        with paused():  # the layer's own backward calls ours: no outer tape records this
            return self._apply(Tensor(z)).array.astype(z.dtype, copy=False)

    def backward(self, z, a, da):
        from .tape import GradientTape
        from .tensor import Tensor

        z_t = Tensor(z)
        with GradientTape() as tape:
            tape.watch(z_t)
            a_t = self._apply(z_t)
        dz = tape.gradient(a_t, z_t, output_gradients=da)
        return np.zeros_like(z) if dz is None else dz.array.astype(z.dtype, copy=False)

    def __repr__(self) -> str:
        return f"<activation {self.name} (a function, differentiated by the tape)>"

    def get_config(self) -> str:
        return self.name


_KNOWN_FUNCTIONS: dict[int, Activation] | None = None


def _known_function(fn) -> Activation | None:
    """The built-in activation that ``fn`` computes (``tf.nn.relu``, ``tf.sigmoid``,
    ``keras.ops.softmax``...), so that a layer keeps its hand-written derivative."""
    global _KNOWN_FUNCTIONS
    if _KNOWN_FUNCTIONS is None:
        from . import ops

        _KNOWN_FUNCTIONS = {id(f): a for f, a in (
            (ops.nn.relu, relu), (ops.sigmoid, sigmoid), (ops.tanh, tanh),
            (ops.nn.softmax, softmax), (ops.nn.elu, elu), (ops.nn.gelu, gelu),
            (ops.softplus, softplus), (ops.nn.silu, swish), (ops.nn.leaky_relu, leaky_relu))}
    return _KNOWN_FUNCTIONS.get(id(fn))


def get(identifier: str | Activation | None) -> Activation:
    """Resolve ``None``, a name such as ``"relu"``, an ``Activation`` object, or a function
    of glassnet ops (``tf.nn.relu`` maps to the built-in ``relu``; any other function is
    differentiated by the tape, see ``FunctionActivation``)."""
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        key = ALIASES.get(identifier.lower(), identifier.lower())
        if key in ALL:
            return ALL[key]
        if identifier in CUSTOM:  # a function of your own, from custom_objects
            return get(CUSTOM[identifier])
        raise unknown_name("activation", identifier, ALL)
    if callable(identifier) and not isinstance(identifier, type):
        return _known_function(identifier) or FunctionActivation(identifier)
    raise TypeError(_(
        "activation must be a name such as 'relu', a glassnet.activations object or a "
        "function of glassnet ops, got {value!r}.").format(value=identifier))


def serialize(activation: Activation) -> str:
    """The name stored in a model file (a function's own name: loading it then needs the
    function, from ``custom_objects`` or ``custom_object_scope``)."""
    if isinstance(activation, FunctionActivation):
        if not activation.name.isidentifier():
            raise ValueError(_(
                "Cannot save the activation {activation!r}: a lambda has no name to store "
                "(glassnet files hold no code). Define it with def and a name, and pass it "
                "in custom_objects when loading.").format(activation=activation))
        return activation.name
    if activation.name not in ALL or type(activation) is not type(ALL[activation.name]):
        raise ValueError(_("Cannot save the custom activation {activation!r} by name.").format(
            activation=activation))
    return activation.name
