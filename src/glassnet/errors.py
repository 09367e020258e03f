"""The errors glassnet raises. Each message names the problem and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class InputError(GlassnetError, ValueError):
    """Data given to ``fit``/``evaluate``/``predict`` that the model cannot use."""


class InputTypeError(GlassnetError, TypeError):
    """Data of a type glassnet cannot turn into a float array."""


class NotCompiledError(GlassnetError, RuntimeError):
    """``fit`` or ``evaluate`` called before ``compile``."""


class ModelFileError(GlassnetError, ValueError):
    """A model file that is truncated, corrupted, hostile or of an unknown format."""


class UnknownNameError(GlassnetError, ValueError):
    """An optimizer, loss, metric, activation, layer or initializer name glassnet lacks."""


def unknown_name(kind: str, name: object, valid: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown ``kind`` name, listing the valid ones and the closest."""
    valid = sorted(set(valid))
    close = difflib.get_close_matches(str(name).lower(), valid, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return UnknownNameError(
        f"Unknown {kind} {name!r}.{hint} Valid {kind} names: {', '.join(valid)}."
    )
