"""``tf.compat.v1``, ``tf.get_logger`` and ``tf.autograph``: the logging and eager-mode lines
that open TensorFlow 2 tutorials, and a clear stop at TensorFlow 1's graphs.

    tf.get_logger().setLevel("ERROR")                              # a logging.Logger
    tf.autograph.set_verbosity(0)                                  # accepted
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR) # sets that logger's level
    tf.compat.v1.enable_eager_execution()                          # glassnet is always eager

glassnet is TensorFlow 2 style only: ``tf.compat.v1.Session``, ``placeholder`` and the other
graph-building names raise ``NotImplementedError`` naming the TensorFlow 2 way (call the model
or the function on NumPy arrays; ``tf.GradientTape`` for gradients).
"""

from __future__ import annotations

import logging as _logging
import types
import warnings

from .i18n import _


def get_logger() -> _logging.Logger:
    """``tf.get_logger()``: the ``"tensorflow"`` logger of Python's ``logging``."""
    return _logging.getLogger("tensorflow")


def _set_verbosity(level) -> None:
    get_logger().setLevel(level)


logging = types.SimpleNamespace(
    DEBUG=_logging.DEBUG, INFO=_logging.INFO, WARN=_logging.WARNING, WARNING=_logging.WARNING,
    ERROR=_logging.ERROR, FATAL=_logging.FATAL, set_verbosity=_set_verbosity,
    get_verbosity=lambda: get_logger().getEffectiveLevel())

autograph = types.SimpleNamespace(set_verbosity=lambda level, alsologtostdout=False: None,
                                  get_verbosity=lambda: 0,
                                  experimental=types.SimpleNamespace(
                                      do_not_convert=lambda func=None: (
                                          (lambda f: f) if func is None else func)))


# tf.profiler.experimental.start(logdir) / stop(): glassnet has no profiler; nothing is recorded
profiler = types.SimpleNamespace(experimental=types.SimpleNamespace(
    start=lambda logdir=None, options=None: None, stop=lambda save=True: None))


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Accepted: glassnet always executes eagerly."""


def enable_v2_behavior() -> None:
    """Accepted: glassnet behaves as TensorFlow 2."""


def _always_eager(what: str) -> None:
    warnings.warn(_("tf.compat.v1.{what}() is ignored: glassnet always runs eagerly, as "
                    "TensorFlow 2 does, so each line computes its values at once.").format(
                        what=what), UserWarning, stacklevel=3)


def disable_eager_execution() -> None:
    """Warns: glassnet cannot build TensorFlow 1 graphs and stays eager."""
    _always_eager("disable_eager_execution")


def disable_v2_behavior() -> None:
    _always_eager("disable_v2_behavior")


def _graph_only(name: str):
    def refuse(*args, **kwargs):
        raise NotImplementedError(_(
            "tf.compat.v1.{name} belongs to TensorFlow 1's graphs and sessions, which "
            "glassnet does not emulate. Write TensorFlow 2 style: pass NumPy arrays to the "
            "model or function directly (no placeholder, no Session.run), use "
            "tf.GradientTape for gradients, and delete GPU session setup "
            "(ConfigProto, set_session): glassnet runs on the CPU.").format(name=name))
    refuse.__name__ = name
    refuse.__doc__ = f"``tf.compat.v1.{name}``: raises, naming the TensorFlow 2 way."
    return refuse


_GRAPH_NAMES = ("Session", "InteractiveSession", "placeholder", "get_default_graph",
                "global_variables_initializer", "reset_default_graph", "ConfigProto",
                "GPUOptions", "variable_scope", "get_variable")

v1 = types.SimpleNamespace(
    logging=logging, enable_eager_execution=enable_eager_execution,
    disable_eager_execution=disable_eager_execution, enable_v2_behavior=enable_v2_behavior,
    disable_v2_behavior=disable_v2_behavior, executing_eagerly=lambda: True,
    get_logger=get_logger, **{name: _graph_only(name) for name in _GRAPH_NAMES})
