"""The errors glassnet raises. Each message names the problem and the fix."""

from __future__ import annotations

import warnings
from collections.abc import Iterable


class GlassnetError(Exception):
    """Base class of every error glassnet raises on purpose."""


class InputError(GlassnetError, ValueError):
    """Data given to ``fit``/``evaluate``/``predict`` that the model cannot use."""


class InputTypeError(GlassnetError, TypeError):
    """Data of a type glassnet cannot turn into a float array."""


class NotCompiledError(GlassnetError, ValueError, RuntimeError):
    """``fit`` or ``evaluate`` called before ``compile``.

    A ``ValueError`` as in Keras 3, and a ``RuntimeError`` as in tf.keras.
    """


class InvalidArgumentError(GlassnetError, ValueError):
    """An op given operands it cannot use (shapes that do not fit): TensorFlow's
    ``tf.errors.InvalidArgumentError``, and a ``ValueError`` as NumPy and Keras 3 raise."""


class ModelFileError(GlassnetError, ValueError):
    """A model file that is truncated, corrupted, hostile or of an unknown format."""


class ModelNotFoundError(GlassnetError, FileNotFoundError):
    """``load_model`` of a file that does not exist; the message names the nearest model
    file in that folder ("did you mean model.glassnet?"). Made like Python's own,
    ``ModelNotFoundError(errno.ENOENT, message, path)``; its text is the message alone."""

    def __str__(self) -> str:
        return str(self.strerror)


class DownloadError(GlassnetError, OSError):
    """A file that could not be downloaded: offline, an HTTP error, or a download cut short.

    The message names the URL and the exact cache path where the file can be placed by hand.
    """


class DataFileError(GlassnetError, OSError, ValueError):
    """A data file that is corrupted, truncated, of the wrong format or unsafe to open.

    An ``OSError`` like a bad file, and a ``ValueError`` like Keras's checksum error.
    """


class TrainingInterrupted(KeyboardInterrupt):
    """``fit`` stopped by Ctrl-C (or a ``KeyboardInterrupt`` from a callback), cleanly.

    Raised after the step in progress has finished, so the weights are consistent.
    ``history`` holds the epochs completed before the interrupt (also in
    ``model.history``); ``epoch`` and ``batch`` (from 0) say where it stopped.
    A ``KeyboardInterrupt``, so a script still stops and ``except Exception`` does
    not swallow it.
    """

    def __init__(self, message: str, history=None, epoch: int | None = None,
                 batch: int | None = None) -> None:
        super().__init__(message)
        self.history, self.epoch, self.batch = history, epoch, batch


class NonFiniteLossWarning(RuntimeWarning):
    """``fit`` stopped because a batch's loss was NaN or infinite (``terminate_on_nan``)."""


# Shown every time, not once per place: a notebook cell that is run again must warn again.
warnings.filterwarnings("always", category=NonFiniteLossWarning, append=True)


class UnknownNameError(GlassnetError, ValueError):
    """An optimizer, loss, metric, activation, layer or initializer name glassnet lacks."""


def unknown_name(kind: str, name: object, valid: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown ``kind`` name, listing the valid ones and the closest."""
    valid = sorted(set(valid))
    key = str(name).lower()
    import difflib  # only on this error path: `import glassnet` stays fast

    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
    # of the close names, the fewest typing slips away ("adma" is "adam", not "adamax")
    close = sorted(close, key=lambda v: _edits(key, v))[:1]
    if not close and len(key) >= 3:  # a part of a long name: "sparse", "crossentropy"
        close = [v for v in valid if key in v][:3]
    from .i18n import _

    hint = (_(" Did you mean {name!r}?").format(name=close[0]) if len(close) == 1 else
            _(" Did you mean one of {names}?").format(names=", ".join(map(repr, close)))
            if close else "")
    return UnknownNameError(_(
        "Unknown {kind} {name!r}.{hint} Valid {kind} names: {valid}."
    ).format(kind=kind, name=name, hint=hint, valid=", ".join(valid)))


def _edits(a: str, b: str) -> int:
    """Edits from ``a`` to ``b``: insertions, deletions, substitutions, and swaps of two
    neighbouring letters (Damerau-Levenshtein, optimal string alignment)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]
