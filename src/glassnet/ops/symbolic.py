"""Ops on symbolic tensors: ``tf.reduce_sum(x)`` on a ``KerasTensor`` becomes a layer.

In the functional API, tutorials apply TensorFlow ops straight to the tensors that layers
return (Keras 2 calls the layer it makes a ``TFOpLambda``)::

    x1 = layers.Dense(64, activation="relu")(inputs)
    model.add_loss(tf.reduce_sum(x1) * 0.1)         # two ops on a symbolic tensor
    kl = -0.5 * tf.reduce_mean(z_log_var - tf.square(z_mean) - tf.exp(z_log_var) + 1)

``dispatch(namespace)`` wraps every op function of a module so that a call whose
arguments hold a ``KerasTensor`` records an ``OpLambda`` node in the graph (see
``layers/op_lambda.py``) instead of computing numbers; with tensors or arrays the op runs
as before. The node's ``call`` is the op itself on real tensors, so its gradient comes
from the tape, like any layer written with ``call``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..graph import KerasTensor

_MAYBE_SYMBOLIC = frozenset({KerasTensor, list, tuple})


def has_symbolic(args: tuple, kwargs: dict) -> bool:
    """Whether an argument (or an item of a list/tuple argument) is a ``KerasTensor``."""
    for a in args:
        t = type(a)
        if t is KerasTensor or (t is list or t is tuple) and any(
                type(v) is KerasTensor for v in a):
            return True
    return bool(kwargs) and has_symbolic(tuple(kwargs.values()), {})


def wrap(op: Callable) -> Callable:
    """``op`` that records an ``OpLambda`` node when given symbolic tensors."""

    def symbolic_or_eager(*args, **kwargs):
        for a in args:  # the common case, tensors and numbers only, costs one loop
            if type(a) in _MAYBE_SYMBOLIC:
                break
        else:
            if not kwargs:
                return op(*args)
        if has_symbolic(args, kwargs):
            from ..layers.op_lambda import op_node

            return op_node(op, args, kwargs)
        return op(*args, **kwargs)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(symbolic_or_eager, attr, getattr(op, attr))
    symbolic_or_eager.__wrapped__ = op  # inspect.signature shows op's arguments
    symbolic_or_eager.symbolic_dispatch = True
    return symbolic_or_eager


def dispatch(namespace: dict, skip: tuple[str, ...] = ()) -> None:
    """Wrap the public functions defined in the module whose globals are ``namespace``
    (called at the end of each op module: ``dispatch(globals())``), except those in
    ``skip`` (they read a symbolic tensor's static shape: ``K.int_shape``)."""
    module = namespace["__name__"]
    for name, f in list(namespace.items()):
        if (not name.startswith("_") and name not in skip and type(f).__name__ == "function"
                and f.__module__ == module and not getattr(f, "symbolic_dispatch", False)):
            namespace[name] = wrap(f)
