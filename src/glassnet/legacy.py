"""Keras 2 module paths that Keras 3 removed, kept working with one warning each.

``from keras.utils.np_utils import to_categorical`` (Keras 2) is ``from keras.utils import
to_categorical`` in Keras 3; ``keras.layers.experimental.preprocessing.Rescaling`` is
``keras.layers.Rescaling``. A ``LegacyModule`` hands out the current object under the old
path and warns once per name, naming the current spelling.
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

from .i18n import _

_WARNED: set[str] = set()


def warn_once_as(key: str, message: str, stacklevel: int = 2) -> None:
    """``message`` as a ``UserWarning``, the first time in this process that ``key`` is
    met (``stacklevel`` counts from the caller, as for ``warnings.warn``)."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def warn_once(old: str, new: str) -> None:
    """One ``UserWarning`` per process for the old spelling ``old``, naming ``new``."""
    if old not in _WARNED:  # (the message is translated only when it is shown)
        warn_once_as(old, _("{old} is Keras 2's spelling, removed in Keras 3; glassnet "
                            "accepts it. The current one is {new}.").format(old=old, new=new),
                     stacklevel=3)


class LegacyModule(types.ModuleType):
    """A module under an old path: ``names`` maps each attribute to ``(object, current
    spelling)``; reading one warns once and returns the object."""

    def __init__(self, name: str, old_path: str, names: dict[str, tuple[Any, str]]) -> None:
        super().__init__(name, f"Keras 2's {old_path} (removed in Keras 3).")
        self._old_path = old_path
        self._names = names

    def __getattr__(self, attr: str) -> Any:
        names = self.__dict__.get("_names", {})
        if attr not in names:
            raise AttributeError(_("module {old_path!r} has no attribute {attr!r}").format(
                                       old_path=self._old_path, attr=attr))
        obj, current = names[attr]
        warn_once(f"{self._old_path}.{attr}", current)
        return obj

    def __dir__(self) -> list[str]:
        return sorted([*super().__dir__(), *self._names])


def register(module: LegacyModule) -> LegacyModule:
    """Make ``import``/``from ... import`` find ``module`` under its name."""
    sys.modules[module.__name__] = module
    return module


def old_names(module: str, old_path: str, names: dict[str, tuple[Any, str]]):
    """A module's ``__getattr__`` for Keras 2 names it keeps beside the current ones
    (``keras.losses.Reduction``): ``names`` maps each to ``(object, current spelling)``;
    reading one warns once and returns the object."""
    def __getattr__(attr: str) -> Any:
        if attr not in names:
            raise AttributeError(f"module {module!r} has no attribute {attr!r}")
        obj, current = names[attr]
        warn_once(f"{old_path}.{attr}", current)
        return obj
    return __getattr__
