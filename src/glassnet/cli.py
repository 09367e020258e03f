"""The ``glassnet`` command: train the tutorial's network, look inside it, try it on your digits.

    glassnet train                         784-128-10, ReLU, softmax, Adam, 5 epochs, batch 32
    glassnet train --report report/        ... and write an HTML report of what it learned
    glassnet train --model cnn --augment   a deskewed convnet trained on rotated, ... digits
    glassnet evaluate model.glassnet       test accuracy
    glassnet summary model.glassnet        the layers and their parameter counts
    glassnet report model.glassnet DIR     the report for a saved model
    glassnet predict model.glassnet my_digit.png --show seen.png
    glassnet robustness model.glassnet --eps 0.05 0.1 0.2
    glassnet export model.glassnet model.onnx
    glassnet playground                    watch a network learn, live in your browser

Also ``python -m glassnet ...``. Errors print one line to stderr and exit with status 2.
Heavy imports (matplotlib, Pillow, onnx) happen only in the commands that need them.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import warnings
from pathlib import Path

from . import textwidth
from .i18n import N_, ArgparseLanguage, _

EXIT_ERROR = 2


class CommandError(Exception):
    """A problem the user can fix, reported as one line on stderr."""


# -- shared helpers -----------------------------------------------------------------------------
def _load_model(path: str):
    from .errors import ModelFileError
    from .filetype import describe, suggest
    from .saving import load_model

    if not os.path.exists(path):  # a dangling link too
        raise CommandError(_("model file not found: {path}{suggestion} (train one with: "
                             "glassnet train --out {path})").format(path=path,
                                                                    suggestion=suggest(path)))
    problem = describe(path, "a glassnet model", images_only=True)
    if problem is not None:
        raise CommandError(problem)
    try:
        model = load_model(path)
    except ModelFileError as err:
        problem = describe(path, "a glassnet model")  # a Keras HDF5 file it cannot read
        if problem is None:
            raise
        message = f"{problem} ({err})"  # both parts already in the user's language
        raise CommandError(message) from None
    if model.loss is None:  # saved without compile settings: an MNIST classifier is assumed
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


@functools.lru_cache(maxsize=1)
def _load_mnist():
    from .datasets import mnist

    return mnist.load_data()


def _mnist(model, split: str, limit: int | None = None):
    """MNIST images scaled to [0, 1] and shaped for ``model``, with their labels."""
    import numpy as np

    from .imaging import to_model_input

    train, test = _load_mnist()
    x, y = train if split == "train" else test
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return to_model_input(model, x.astype(np.float32) / np.float32(255)), y


def _number(kind, ok, rule: str):
    """An argparse ``type``: ``text`` as a ``kind`` number, which must pass ``ok``; else the
    error ``"{rule}, got {text}"`` (``rule`` marked with ``N_``, translated when shown)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(  # --epochs 2.5: a whole number is meant
                (_("expected a whole number, got {text!r}") if kind is int else
                 _("expected a number, got {text!r}")).format(text=text)) from None
        if not ok(value):
            raise argparse.ArgumentTypeError(
                _("{rule}, got {text}").format(rule=_(rule), text=text))
        return value
    return parse


def _positive(kind):
    return _number(kind, lambda v: 0 < v < float("inf"), N_("must be positive"))  # inf: no


_fraction = _number(float, lambda v: 0 <= v < 1, N_("must be in [0, 1)"))
_eps = _number(float, lambda v: 0 <= v <= 1, N_("epsilon must be in [0, 1]"))


def _accuracy(model, x, y) -> float:
    import numpy as np

    return float(np.mean(model.predict(x, verbose=0).argmax(axis=-1) == y))


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux's MemAvailable), if known."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return _("{n} bytes").format(n=f"{n:,.0f}") if unit == "bytes" \
                else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # not reached


#: Training keeps about six float32 numbers per weight: θ, the gradient, Adam's m and v,
#: the optimizer's scratch vector and the epoch's snapshot of θ (see faults.py).
TRAINING_BYTES_PER_WEIGHT = 6 * 4


def check_memory(args) -> None:
    """Refuse ``--hidden`` sizes whose network cannot fit in memory, before allocating."""
    if args.model != "mlp":
        return
    sizes = [28 * 28, *args.hidden, 10]
    weights = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    need, available = weights * TRAINING_BYTES_PER_WEIGHT, _available_memory()
    if available is not None and need > available:
        raise CommandError(_(
            "--hidden {hidden} makes a network of {weights} weights, which needs about "
            "{need} of memory to train, but {available} is available. Use fewer units, "
            "e.g. --hidden 128.").format(hidden=" ".join(map(str, args.hidden)),
                                         weights=f"{weights:,}", need=_bytes(need),
                                         available=_bytes(available)))


# -- the commands -------------------------------------------------------------------------------
def build_model(args):
    """The network ``glassnet train`` trains, not compiled yet."""
    from . import architectures

    deskew = args.augment  # --augment: a Deskew layer first, to straighten slants
    if args.model == "cnn":
        return architectures.cnn(deskew=deskew)
    check_memory(args)
    return architectures.mlp(hidden=args.hidden, activation=args.activation, deskew=deskew)


def compile_model(model, args, n_fit: int) -> None:
    """Compile for ``n_fit`` training images: the convnet's Adam follows its schedule over
    all the steps of the run (``architectures.cnn_learning_rate``)."""
    from . import architectures, optimizers

    optimizer = optimizers.get(args.optimizer)
    if args.learning_rate is not None:
        optimizer.learning_rate = args.learning_rate
    elif args.model == "cnn" and optimizer.name == "adam":  # the convnet's recipe
        steps = args.epochs * -(-n_fit // args.batch_size)
        optimizer = optimizers.Adam(learning_rate=architectures.cnn_learning_rate(steps))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def _check_output(path: str, option: str, folder: bool = False,
                  saved: str = N_("the file")) -> None:
    """Refuse, before any work, an output path that cannot be written: ``option path``
    names the user's own path in the message. ``saved`` is marked with ``N_``."""
    from .files import kind

    if os.path.exists(path):
        mode = os.stat(path).st_mode
        what = _("a folder") if os.path.isdir(path) else _("a file") if os.path.isfile(path) \
            else kind(mode)
        if folder and not os.path.isdir(path):
            raise CommandError(_("{option} {path} is {what}, not a folder for the report."
                                 ).format(option=option, path=path, what=what))
        if not folder and not os.path.isfile(path):
            raise CommandError(_("{option} {path} is {what}, not a file to save {saved} to."
                                 ).format(option=option, path=path, what=what, saved=_(saved)))
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):  # created when written, like Keras's model.save
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise CommandError(_("{option} {path}: {parent} is a file, not a folder.").format(
            option=option, path=path, parent=parent))
    if not os.access(parent, os.W_OK):
        raise CommandError(_("{option} {path}: cannot write in the folder {parent}.").format(
            option=option, path=path, parent=parent))


def cmd_train(args) -> None:
    from .utils import set_random_seed

    if args.out is None:
        args.out = f"{args.model if args.model == 'cnn' else 'model'}.glassnet"
    _check_output(args.out, "--out", saved=N_("the model"))
    if os.path.exists(args.out) and not args.overwrite:
        raise CommandError(_("--out {path} already holds a model (from an earlier run?); "
                             "give another --out name, or --overwrite to replace it."
                             ).format(path=args.out))
    if args.report is not None:
        _check_output(args.report, "--report", folder=True)
    if args.seed is not None:
        set_random_seed(args.seed)
    if args.report is not None:
        from .report import _matplotlib

        _matplotlib()  # say what to install before training, not after
    if args.batch_size is None:
        args.batch_size = 128 if args.model == "cnn" else 32
    split = args.validation_split
    if split is None:
        split = 0.1 if args.report is not None else 0.0
        if split:
            print(_("Holding out 10% of the training images for the report's validation "
                    "curves (--validation-split 0.1)."))
    model = build_model(args)
    trainer = model
    if args.augment:  # trains model's weights; model, without the augmentation, is saved
        from .architectures import augmented

        trainer = augmented(model)
    x_train, y_train = _mnist(model, "train", args.limit)
    x_test, y_test = _mnist(model, "test")
    n_val = int(len(x_train) * split)  # fit's validation_split holds out the last n_val
    compile_model(trainer, args, len(x_train) - n_val)
    plan = _("Training on {n} MNIST images, validating on {n_val}; {epochs} epoch(s), batch "
             "size {batch_size}.") if split else _("Training on {n} MNIST images; {epochs} "
                                                   "epoch(s), batch size {batch_size}.")
    print(plan.format(n=len(x_train) - n_val, n_val=n_val, epochs=args.epochs,
                      batch_size=args.batch_size))
    history = trainer.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                          validation_split=split)
    if trainer is not model:
        model.compile(optimizer=trainer.optimizer, **trainer.compiled.get_config(trainer))
    loss, accuracy = model.evaluate(x_test, y_test)
    print(_("Test accuracy: {accuracy} (loss {loss}) on {n} test images").format(
        accuracy=f"{accuracy:.4f}", loss=f"{loss:.4f}", n=len(y_test)))
    model.save(args.out)
    print(_("Saved the model to {path}").format(path=args.out))
    if args.report is not None:
        from .report import write_report

        page = write_report(model, args.report, history=history, x_test=x_test, y_test=y_test)
        Path(args.report, HISTORY_OWNER).write_text(_fingerprint(args.out) + "\n")
        print(_("Report: {page}").format(page=page))


#: Beside DIR/history.json: the SHA-256 of the model file that history trained, so that
#: ``glassnet report`` never draws one model's curves beside another model's weights.
HISTORY_OWNER = "history.json.model-sha256"


def _fingerprint(path: str) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def cmd_evaluate(args) -> None:
    model = _load_model(args.model)
    x, y = _mnist(model, "test", args.limit)
    logs = model.evaluate(x, y, return_dict=True)
    shown = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
    print(_("{model} on {n} MNIST test images: {logs}").format(model=args.model, n=len(y),
                                                                logs=shown))


def cmd_summary(args) -> None:
    model = _load_model(args.model)
    model.summary()


def cmd_report(args) -> None:
    from .report import write_report

    model = _load_model(args.model)
    history = None
    history_file = args.history or os.path.join(args.dir, "history.json")
    owner = Path(args.dir, HISTORY_OWNER)
    if not args.history and os.path.exists(history_file) and (
            not owner.is_file() or owner.read_text().strip() != _fingerprint(args.model)):
        print(_("{path} was recorded while training another model: not used (give "
                "--history FILE to use it anyway).").format(path=history_file))
    elif os.path.exists(history_file):
        history = _read_history(history_file)
    elif args.history:
        raise CommandError(_("history file not found: {path}").format(path=args.history))
    x, y = _mnist(model, "test", args.limit)
    page = write_report(model, args.dir, history=history, x_test=x, y_test=y)
    if history is None:
        print(_("No training history: the report has no loss/accuracy curves "
                "(glassnet train --report DIR records them)."))
    print(_("Report: {page}").format(page=page))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _json_kind(value) -> str:
    """A JSON value's type in JSON's words, for messages: "a list", "a number", ..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return {dict: _("an object"), list: _("a list"), str: _("a string")}.get(
        type(value), _("a number"))


def _read_history(path: str) -> dict[str, list[float]]:
    """A training history as ``glassnet train --report`` writes it: a JSON object of
    lists of numbers, one per epoch (``{"loss": [...], "accuracy": [...]}``)."""
    from .files import open_regular

    try:
        with open_regular(path, _("a history file"), CommandError) as f:
            text = f.read(MAX_HISTORY_BYTES + 1)
        if len(text) > MAX_HISTORY_BYTES:
            raise ValueError(_("more than {n} bytes").format(n=MAX_HISTORY_BYTES))
        history = json.loads(text.decode("utf-8"))
    except (OSError, ValueError) as err:
        raise CommandError(_("cannot read the training history {path}: {error}").format(
            path=path, error=err)) from None
    # {{ }}: the braces of the example, written as a format string like every message
    wanted = _('a JSON object of lists of numbers, one per epoch, e.g. {{"loss": [0.3, 0.2], '
               '"accuracy": [0.91, 0.94]}}, as glassnet train --report writes it').format()
    if not isinstance(history, dict):
        raise CommandError(_("the training history {path} must be {wanted}; it holds {kind}."
                             ).format(path=path, wanted=wanted, kind=_json_kind(history)))
    for key, values in history.items():
        if not isinstance(values, list) or not all(map(_is_number, values)):
            holds = _("its {key} holds {kind} of other values") if isinstance(values, list) \
                else _("its {key} holds {kind}")
            raise CommandError(_("the training history {path} must be {wanted}; {holds}."
                                 ).format(path=path, wanted=wanted, holds=holds.format(
                                     key=repr(key[:50]), kind=_json_kind(values))))
    return history


MAX_HISTORY_BYTES = 1 << 24  # a history of a million epochs


def cmd_predict(args) -> None:
    import warnings

    import numpy as np

    from .filetype import sniff
    from .imaging import load_digit, save_image, to_model_input

    if args.show:
        _check_output(args.show, "--show", saved=N_("the image"))
    model = _load_model(args.model)
    for path in args.images:
        if not os.path.exists(path):
            raise CommandError(_("image not found: {path}").format(path=path))
        if os.path.isdir(path):
            raise CommandError(_("{path} is a folder, not an image file").format(path=path))
    digits = []
    for path in args.images:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                digits.append(load_digit(path))
        except OSError as err:  # PIL.UnidentifiedImageError and unreadable files
            what = sniff(path)
            swapped = what in ("a zip file", "a Keras HDF5 file (.h5)")
            hint = str(err) if not what else (
                _("it is {what} — did you swap the arguments?") if swapped
                else _("it is {what}")).format(what=what)
            raise CommandError(_("{path} is not an image file Pillow can read ({hint})"
                                 ).format(path=path, hint=hint)) from None
        for warning in caught:
            print(_("glassnet: warning: {message}").format(message=warning.message),
                  file=sys.stderr)
    digits = np.stack(digits)
    probs = model.predict(to_model_input(model, digits), verbose=0)
    k = min(args.top, probs.shape[-1])
    for path, p in zip(args.images, probs):
        best = np.argsort(-p)[:k]
        print(f"{path}: " + "   ".join(f"{c} ({p[c]:.1%})" for c in best))
    if args.show:
        out = Path(args.show)
        for i, digit in enumerate(digits):
            target = out if len(digits) == 1 else out.with_name(f"{out.stem}-{i + 1}{out.suffix}")
            save_image(digit, target)
            print(_("The model saw: {path}").format(path=target))


def cmd_robustness(args) -> None:
    from .inspect import fgsm
    from .validation import targets

    model = _load_model(args.model)
    x, y = _mnist(model, "test", args.limit)
    out = model.compiled_outputs()[0]  # evaluate's checks (10 classes, ...) before any output
    targets(y, x, out.loss, out.layer, out.shape[1:])
    eps_values = [0.0] + sorted(e for e in set(args.eps) if e > 0)
    print(_("Fast gradient sign method on {n} MNIST test images: each pixel moved by "
            "±epsilon to raise the loss").format(n=len(y)))
    print(f"{'epsilon':>8}  {_('accuracy')}")
    clean = _("(clean)")
    for eps in eps_values:
        x_eps = x if eps == 0 else fgsm(model, x, y, eps)
        note = f"  {clean}" if eps == 0 else ""
        print(f"{eps:>8.3g}  {_accuracy(model, x_eps, y):.4f}{note}", flush=True)


def cmd_export(args) -> None:
    try:
        from .export import export_onnx
    except ImportError as err:
        if getattr(err, "name", None) == "glassnet.export":
            raise CommandError(_("ONNX export is not available in this version of glassnet "
                                 "(glassnet.export is missing).")) from None
        raise
    model = _load_model(args.model)
    path = export_onnx(model, args.out)
    print(_("Exported {model} to {path}").format(model=args.model, path=path or args.out))


# -- the parser ---------------------------------------------------------------------------------
class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, with help text wrapped by display width (``textwidth.wrap``), so
    that Chinese help, two columns a character, fits the terminal; English text is wrapped
    by argparse itself, exactly as before."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if text.isascii():
            return super()._split_lines(text, width)
        return textwidth.wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.isascii():
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in textwidth.wrap(" ".join(text.split()),
                                                        width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        # argparse indents the usage's continuation lines by len(prefix): give it a stand-in
        # as wide as the translated "usage: " is on screen, then put the words back
        words = _("usage: ") if prefix is None else prefix
        if words.isascii():
            return super()._format_usage(usage, actions, groups, prefix)
        stand_in = "\0" * textwidth.width(words)
        return super()._format_usage(usage, actions, groups, stand_in).replace(stand_in, words, 1)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help, and its subcommands' help, uses ``HelpFormatter``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def make_parser() -> argparse.ArgumentParser:
    """The ``glassnet`` command's parser, its help in the current language (make it, and
    parse, inside ``with ArgparseLanguage():`` for argparse's own words too)."""
    model_file = _("a .glassnet file")
    first_n = _("only the first N test images")
    parser = Parser(
        prog="glassnet",
        description=_("Train the tutorial's neural network on MNIST, look inside it, and try "
                      "it on your own digits."),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help=_("train a network on MNIST and save it"),
                       description=_("Train on the bundled MNIST (default: the tutorial's "
                                     "784-128-10 ReLU/softmax network, Adam, 5 epochs, batch "
                                     "32), print the test accuracy and save the model."))
    p.add_argument("--epochs", type=_positive(int), default=5,
                   help=_("passes over the data (5)"))
    p.add_argument("--batch-size", type=_positive(int), default=None,
                   help=_("images per gradient step (32; 128 with --model cnn)"))
    p.add_argument("--hidden", type=_positive(int), nargs="+", default=[128], metavar="UNITS",
                   help=_("hidden layer sizes, e.g. --hidden 128 64 (128)"))
    p.add_argument("--activation", default="relu", help=_("hidden-layer activation (relu)"))
    p.add_argument("--optimizer", default="adam",
                   help=_("adam, sgd, rmsprop, adagrad, adamw"))
    p.add_argument("--learning-rate", type=_positive(float), default=None,
                   help=_("the optimizer's step size (its default: 0.001 for adam; with "
                          "--model cnn, 0.004 decaying to 0 along a cosine)"))
    p.add_argument("--seed", type=_number(int, lambda v: v >= 0, N_("must be 0 or more")),
                   default=None, help=_("make the run repeatable"))
    p.add_argument("--validation-split", type=_fraction, default=None, metavar="FRACTION",
                   help=_("hold out this fraction of the training images to validate on "
                          "(0, or 0.1 with --report)"))
    p.add_argument("--out", default=None,
                   help=_("model file (model.glassnet; cnn.glassnet with --model cnn)"))
    p.add_argument("--overwrite", action="store_true",
                   help=_("replace --out if it exists (by default an existing file is kept "
                          "and nothing is trained)"))
    p.add_argument("--report", metavar="DIR", default=None,
                   help=_("also write an HTML report to DIR (needs matplotlib)"))
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                   help=_("mlp: Dense layers (default); cnn: a small convolutional network"))
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                   help=_("train on the first N images only (quick experiments)"))
    p.add_argument("--augment", action="store_true",
                   help=_("straighten each digit's slant (a Deskew layer first), and train "
                          "on randomly rotated, zoomed, thicker and thinner copies of the "
                          "digits (slower; the saved model is the same network behind "
                          "Deskew)"))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help=_("test accuracy of a saved model"))
    p.add_argument("model", help=model_file)
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N", help=first_n)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("summary", help=_("print a saved model's layers"))
    p.add_argument("model", help=model_file)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("report", help=_("write the HTML report for a saved model"))
    p.add_argument("model", help=model_file)
    p.add_argument("dir", help=_("folder for index.html and its pictures"))
    p.add_argument("--history", metavar="FILE", default=None,
                   help=_("training history JSON for the curves (default: DIR/history.json)"))
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N", help=first_n)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("predict", help=_("classify your own digit images (PNG, JPEG)"),
                       description=_("Classify images of single digits. Dark on light or "
                                     "light on dark both work; the digit is cropped, scaled "
                                     "and centred as in MNIST."))
    p.add_argument("model", help=model_file)
    p.add_argument("images", nargs="+", metavar="IMAGE", help=_("image files"))
    p.add_argument("--show", metavar="OUT.png", default=None,
                   help=_("write the 28x28 image the model saw (OUT-1.png, ... for several)"))
    p.add_argument("--top", type=_positive(int), default=3, help=_("classes to list (3)"))
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("robustness", help=_("test accuracy under adversarial attack (FGSM)"))
    p.add_argument("model", help=model_file)
    p.add_argument("--eps", type=_eps, nargs="+", default=[0.05, 0.1, 0.2], metavar="EPS",
                   help=_("attack strengths, pixels in [0, 1] (0.05 0.1 0.2)"))
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N", help=first_n)
    p.set_defaults(func=cmd_robustness)

    p = sub.add_parser("export", help=_("export a saved model to ONNX"))
    p.add_argument("model", help=model_file)
    p.add_argument("out", metavar="OUT.onnx", help=_("the ONNX file to write"))
    p.set_defaults(func=cmd_export)

    from .playground import add_command as add_playground

    add_playground(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning from the library (a diverged loss, ...) as one line, like the errors."""
    print(_("glassnet: warning: {message}").format(message=message), file=sys.stderr)


def _error(message: str) -> int:
    print(_("glassnet: error: {message}").format(message=message), file=sys.stderr)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    """Run the ``glassnet`` command with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit status: 0 on success, 2 on an error the user can fix. Everything it prints, argparse's
    own words included, is in the language of ``glassnet.i18n.language()``."""
    with ArgparseLanguage():
        args = make_parser().parse_args(argv)
    from .errors import GlassnetError

    try:
        with warnings.catch_warnings():  # put back afterwards
            warnings.showwarning = _show_warning
            args.func(args)
    except CommandError as err:
        return _error(str(err))
    except FileNotFoundError as err:
        return _error(_("file not found: {path}").format(path=err.filename or err))
    except ImportError as err:  # a missing optional dependency, with what to install
        return _error(str(err))
    except (GlassnetError, ValueError, NotImplementedError) as err:
        return _error(str(err))
    except OSError as err:  # unreadable image (PIL.UnidentifiedImageError), permissions ...
        return _error(str(err))
    except MemoryError as err:
        return _error(_("out of memory ({error}): try a smaller model, a smaller --batch-size "
                        "or --limit").format(error=err or "MemoryError"))
    except KeyboardInterrupt:
        print(_("glassnet: interrupted"), file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
