"""Keras 2.2-2.5's ``keras.layers.experimental.preprocessing.X``, now ``keras.layers.X``:
the same classes, with one warning per name naming the current spelling.

A real module (so ``from ...experimental.preprocessing import Rescaling`` works) whose
``__getattr__`` (PEP 562) hands out ``glassnet.layers``'s classes.
"""

from __future__ import annotations

from typing import Any

from ... import layers
from ...i18n import _
from ...legacy import warn_once

NAMES = ("Normalization", "Rescaling", "RandomFlip", "RandomRotation", "RandomTranslation",
         "RandomZoom", "RandomContrast", "Resizing", "CenterCrop", "TextVectorization",
         "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing", "Discretization")


def __getattr__(name: str) -> Any:
    if name not in NAMES:
        raise AttributeError(_("module 'keras.layers.experimental.preprocessing' has no "
                               "attribute {name!r} in glassnet; it has {names}.").format(
                                   name=name, names=", ".join(NAMES)))
    warn_once(f"keras.layers.experimental.preprocessing.{name}", f"keras.layers.{name}")
    return getattr(layers, name)


def __dir__() -> list[str]:
    return sorted(NAMES)
