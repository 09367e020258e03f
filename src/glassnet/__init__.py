"""glassnet: your first neural network, Keras on the outside, plain NumPy inside.

    import glassnet as tf          # the tutorial's code runs unchanged after this line
    model = tf.keras.Sequential([tf.keras.layers.Dense(128, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
"""

from __future__ import annotations

import sys

import numpy as _np

from . import layers
from ._lazy import alias_package, attach
from .errors import GlassnetError, InputError, ModelFileError
from .model import Model, Sequential

__version__ = "0.1.0"

#: Everything else is imported on first use (PEP 562): ``import glassnet`` reads only what the
#: tutorial's program needs, and ``glassnet.datasets.imdb``, ``glassnet.GradientTape`` or
#: ``gn.inspect.explain`` import their module when a program first names them. The optional
#: modules (cli, export, imaging, inspect, report, sklearn) import matplotlib, Pillow or
#: scikit-learn only then.
_SUBMODULES = (
    "activations", "backend", "callbacks", "cli", "constraints", "datasets", "export",
    "filetype", "imaging", "initializers", "inspect", "losses", "metrics", "models", "ops",
    "optimizers", "preprocessing", "random", "regularizers", "report", "saved_model", "saving",
    "sklearn", "train", "applications",
    "utils",
)
_OPS_ARRAY = (
    "boolean_mask", "broadcast_to", "cast", "clip_by_value", "gather_nd", "scatter_nd",
    "timestamp", "concat", "pad", "meshgrid", "tensor_scatter_nd_update",
    "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_min",
    "tensor_scatter_nd_max", "constant", "convert_to_tensor", "expand_dims", "eye",
    "fill", "gather", "identity", "is_tensor", "linspace", "one_hot", "ones", "ones_like",
    "range", "rank",
    "reshape", "shape", "size", "split", "squeeze", "stack", "stop_gradient", "tile",
    "transpose", "unstack", "where", "zeros", "zeros_like",
)
# `tf.constant`, `tf.reduce_mean`, `tf.math.*`, `tf.nn.*`, `tf.keras.ops.*` (keras is this
# module, so keras.ops is glassnet.ops), `tf.GradientTape`, `tf.Variable` (issue 12)
_OPS_MATH = (
    "abs", "add", "add_n", "clip_by_norm", "clip_by_global_norm", "truediv", "einsum",
    "argmax", "argmin", "ceil", "cos", "cumsum", "divide", "equal", "exp",
    "floor", "floordiv", "greater", "greater_equal", "less", "less_equal", "log", "logical_and",
    "logical_not", "logical_or", "matmul", "maximum", "minimum", "multiply", "negative", "norm",
    "not_equal", "pow", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum", "reduce_variance",
    "round", "sigmoid", "sign", "sin", "sqrt", "square", "subtract", "tanh",
)
__getattr__, __dir__ = attach(__name__, {
    **{name: "." + name for name in _SUBMODULES},
    **{name: (".ops.array", name) for name in _OPS_ARRAY},
    **{name: (".ops.math", name) for name in _OPS_MATH},
    "math": ".ops.math", "nn": ".ops.nn", "linalg": (".ops", "linalg"),
    "GradientTape": ".tape", "UnconnectedGradients": ".tape",
    "Tensor": ".tensor", "Variable": ".tensor",
    "Input": ".layers.input", "load_model": ".saving",
    "Module": ".module", "TensorSpec": ".tensor_spec",
    "TensorShape": ".tensor_shape",
    "slice": (".ops.array", "slice_"),
    "map_fn": ".ops.functional", "foldl": ".ops.functional", "foldr": ".ops.functional",
    "broadcast_static_shape": ".ops.array", "broadcast_dynamic_shape": ".ops.array",
    # TensorFlow's own names for Keras's initializers: w_init = tf.random_normal_initializer()
    "random_normal_initializer": (".initializers", "RandomNormal"),
    "random_uniform_initializer": (".initializers", "RandomUniform"),
    "zeros_initializer": (".initializers", "Zeros"),
    "ones_initializer": (".initializers", "Ones"),
    "constant_initializer": (".initializers", "Constant"),
    # TensorFlow's boilerplate: devices, logging, eager mode, tf.print (see devices, compat)
    **{name: ".devices" for name in ("config", "device", "distribute", "executing_eagerly",
                                     "test")},
    "compat": ".compat", "get_logger": ".compat", "autograph": ".compat",
    "mixed_precision": ".mixed_precision", "print": (".printing", "tf_print"),
    "image": ".image", "wrappers": ".wrappers",
    # tf.strings and tf.ragged basics (clock helpers, splitting text), see ops/strings.py
    "strings": ".ops.strings", "ragged": ".ops.ragged", "RaggedTensor": ".ops.ragged",
    "train": ".train",  # tf.train.Checkpoint, CheckpointManager
    "as_string": (".ops.strings", "as_string"),
    "sparse": ".ops.sparse", "SparseTensor": ".ops.sparse", "io": ".io",
    "summary": ".ops.summary", "profiler": ".compat",  # tf.summary.scalar, TensorBoard
    # graph-building helpers run eagerly: tf.cond, tf.while_loop, ... (ops/control.py)
    **{name: ".ops.control" for name in ("cond", "while_loop", "TensorArray",
                                         "custom_gradient", "name_scope", "nest")},
})

float16, float32, float64 = _np.float16, _np.float32, _np.float64
half, double = float16, float64  # TensorFlow's other names
int8, int16, int32, int64, uint8 = _np.int8, _np.int16, _np.int32, _np.int64, _np.uint8
uint16, uint32, uint64 = _np.uint16, _np.uint32, _np.uint64
complex64, complex128 = _np.complex64, _np.complex128
bool = _np.bool_  # tf.bool
string = _np.str_  # tf.string: text tensors hold NumPy str arrays (see ops/strings.py)
newaxis = None


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

# `import glassnet as tf; tf.keras.Sequential` and `import glassnet as keras` both work, and
# `from glassnet.keras.layers import Dense` (from `from tensorflow.keras.layers import ...`)
# finds the same modules, not second copies with their own classes.
keras = sys.modules[__name__]
sys.modules[__name__ + ".keras"] = keras
alias_package(__name__ + ".keras", __name__)

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
