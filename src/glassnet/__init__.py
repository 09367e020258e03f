"""glassnet: your first neural network, Keras on the outside, plain NumPy inside.

    import glassnet as tf          # the tutorial's code runs unchanged after this line
    model = tf.keras.Sequential([tf.keras.layers.Dense(128, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
"""

from __future__ import annotations

import sys

from . import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    random,
    regularizers,
    utils,
)
from .errors import GlassnetError, InputError, ModelFileError
from .layers import Input
from .model import Model, Sequential
from .saving import load_model

__version__ = "0.1.0"

# -- tensors, the TensorFlow-named ops and GradientTape (issue 12) -----------------------
# `tf.constant`, `tf.reduce_mean`, `tf.math.*`, `tf.nn.*`, `tf.keras.ops.*` (keras is this
# module, so keras.ops is glassnet.ops), `tf.GradientTape`, `tf.Variable`, dtype names.
import numpy as _np  # noqa: E402

from . import ops  # noqa: E402
from .module import Module  # noqa: E402
from .ops import math, nn  # noqa: E402
from .ops.array import (  # noqa: E402
    cast,
    clip_by_value,
    concat,
    constant,
    convert_to_tensor,
    expand_dims,
    eye,
    fill,
    gather,
    identity,
    linspace,
    one_hot,
    ones,
    ones_like,
    range,
    rank,
    reshape,
    shape,
    size,
    split,
    squeeze,
    stack,
    stop_gradient,
    tile,
    transpose,
    unstack,
    where,
    zeros,
    zeros_like,
)
from .ops.math import (  # noqa: E402
    abs,
    add,
    argmax,
    argmin,
    ceil,
    cos,
    cumsum,
    divide,
    equal,
    exp,
    floor,
    floordiv,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    norm,
    not_equal,
    pow,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
)
from .tape import GradientTape, UnconnectedGradients  # noqa: E402
from .tensor import Tensor, TensorShape, Variable  # noqa: E402

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64, uint8 = _np.int8, _np.int16, _np.int32, _np.int64, _np.uint8
bool = _np.bool_  # tf.bool
newaxis = None
# TensorFlow's own names for Keras's initializers: w_init = tf.random_normal_initializer()
random_normal_initializer = initializers.RandomNormal
random_uniform_initializer = initializers.RandomUniform
zeros_initializer = initializers.Zeros
ones_initializer = initializers.Ones
constant_initializer = initializers.Constant


class linalg:  # noqa: N801  (tf.linalg.matmul)
    matmul = staticmethod(matmul)
    eye = staticmethod(eye)
    norm = staticmethod(norm)


def function(func=None, **options):
    """``@tf.function``: TensorFlow compiles the function into a graph; glassnet runs
    everything eagerly, so the function is returned unchanged (``@tf.function`` and
    ``@tf.function(jit_compile=True)`` both work)."""
    return (lambda f: f) if func is None else func


class _Version(str):
    """glassnet's version as both spellings read it: ``tf.version.VERSION`` and
    ``keras.version()``."""

    @property
    def VERSION(self) -> str:  # noqa: N802  (TensorFlow's name)
        return str(self)

    def __call__(self) -> str:
        return str(self)


version = _Version(__version__)

# `import glassnet as tf; tf.keras.Sequential` and `import glassnet as keras` both work.
keras = sys.modules[__name__]
sys.modules[__name__ + ".keras"] = keras
# `from glassnet.keras.layers import Dense` (from `from tensorflow.keras.layers import ...`)
# must find the same modules, not import second copies with their own classes.
for _name, _module in list(sys.modules.items()):
    if _name.startswith(__name__ + ".") and not _name.startswith(__name__ + ".keras"):
        sys.modules.setdefault(__name__ + ".keras" + _name[len(__name__):], _module)

#: Optional modules, imported on first use (PEP 562), as NumPy and SciPy do with theirs:
#: ``import glassnet as gn; gn.inspect.explain(model, x)`` works, and ``import glassnet``
#: stays as fast as before (they import matplotlib, Pillow, scikit-learn only when used).
_LAZY = ("cli", "config", "export", "filetype", "imaging", "inspect", "report", "saved_model",
         "sklearn")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        sys.modules.setdefault(f"{__name__}.keras.{name}", module)
        return module  # the import also set it as an attribute: no second call
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "GlassnetError", "Input", "InputError", "Model", "ModelFileError", "Sequential",
    "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "keras",
    "layers", "load_model", "losses", "metrics", "models", "optimizers", "preprocessing",
    "random", "regularizers", "utils", "version",
]

# issue 12: tensors and ops
__all__ += [
    "GradientTape", "Module", "Tensor", "TensorShape", "UnconnectedGradients", "Variable",
    "abs", "add",
    "argmax",
    "argmin", "bool", "cast", "ceil", "clip_by_value", "concat", "constant",
    "convert_to_tensor", "cos", "cumsum", "divide", "equal", "exp", "expand_dims", "eye",
    "fill", "float16", "float32", "float64", "floor", "floordiv", "function", "gather",
    "greater", "greater_equal", "identity", "int16", "int32", "int64", "int8", "less",
    "less_equal", "linalg", "linspace", "log", "logical_and", "logical_not", "logical_or",
    "math", "matmul", "maximum", "minimum", "multiply", "negative", "newaxis", "nn", "norm",
    "not_equal", "one_hot", "ones", "ones_like", "ops", "pow", "range", "rank", "reduce_all",
    "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod",
    "reduce_std", "reduce_sum", "reduce_variance", "reshape", "round", "shape", "sigmoid",
    "sign", "sin", "size", "split", "sqrt", "square", "squeeze", "stack", "stop_gradient",
    "subtract", "tanh", "tile", "transpose", "uint8", "unstack", "version", "where", "zeros",
    "zeros_like", "random_normal_initializer", "random_uniform_initializer",
    "zeros_initializer", "ones_initializer", "constant_initializer",
]
