"""The ``glassnet`` command: train the tutorial's network, look inside it, try it on your digits.

    glassnet train                         784-128-10, ReLU, softmax, Adam, 5 epochs, batch 32
    glassnet train --report report/        ... and write an HTML report of what it learned
    glassnet train --model cnn --augment   a convnet trained on shifted, rotated, ... digits
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
from pathlib import Path

from .i18n import _

EXIT_ERROR = 2


class CommandError(Exception):
    """A problem the user can fix, reported as one line on stderr."""


# -- shared helpers -----------------------------------------------------------------------------
def _load_model(path: str):
    from .errors import ModelFileError
    from .filetype import describe, suggest
    from .saving import load_model

    if not os.path.exists(path):  # a dangling link too
        raise CommandError(f"model file not found: {path}{suggest(path)} (train one with: "
                           f"glassnet train --out {path})")
    problem = describe(path, "a glassnet model", images_only=True)
    if problem is not None:
        raise CommandError(problem)
    try:
        model = load_model(path)
    except ModelFileError as err:
        problem = describe(path, "a glassnet model")  # a Keras HDF5 file it cannot read
        if problem is None:
            raise
        raise CommandError(f"{problem} ({err})") from None
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
    error ``"{rule}, got {text}"``."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{rule}, got {text}")
        return value
    return parse


def _positive(kind):
    return _number(kind, lambda v: 0 < v < float("inf"), "must be positive")  # inf: no


_fraction = _number(float, lambda v: 0 <= v < 1, "must be in [0, 1)")
_eps = _number(float, lambda v: 0 <= v <= 1, "epsilon must be in [0, 1]")


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
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
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
        raise CommandError(
            f"--hidden {' '.join(map(str, args.hidden))} makes a network of {weights:,} "
            f"weights, which needs about {_bytes(need)} of memory to train, but "
            f"{_bytes(available)} is available. Use fewer units, e.g. --hidden 128.")


# -- the commands -------------------------------------------------------------------------------
def build_model(args):
    """The network ``glassnet train`` trains, not compiled yet."""
    from . import architectures

    if args.model == "cnn":
        return architectures.cnn()
    check_memory(args)
    return architectures.mlp(hidden=args.hidden, activation=args.activation)


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


def _check_output(path: str, option: str, folder: bool = False, saved: str = "the file"
                  ) -> None:
    """Refuse, before any work, an output path that cannot be written: ``option path``
    names the user's own path in the message."""
    from .files import kind

    if os.path.exists(path):
        mode = os.stat(path).st_mode
        what = "a folder" if os.path.isdir(path) else "a file" if os.path.isfile(path) \
            else kind(mode)
        if folder and not os.path.isdir(path):
            raise CommandError(f"{option} {path} is {what}, not a folder for the report.")
        if not folder and not os.path.isfile(path):
            raise CommandError(f"{option} {path} is {what}, not a file to save {saved} to.")
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):  # created when written, like Keras's model.save
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise CommandError(f"{option} {path}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK):
        raise CommandError(f"{option} {path}: cannot write in the folder {parent}.")


def cmd_train(args) -> None:
    from .utils import set_random_seed

    if args.out is None:
        args.out = f"{args.model if args.model == 'cnn' else 'model'}.glassnet"
    _check_output(args.out, "--out", saved="the model")
    if os.path.exists(args.out) and not args.overwrite:
        raise CommandError(f"--out {args.out} already holds a model (from an earlier run?); "
                           "give another --out name, or --overwrite to replace it.")
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
            print("Holding out 10% of the training images for the report's validation curves "
                  "(--validation-split 0.1).")
    model = build_model(args)
    trainer = model
    if args.augment:  # trains model's weights; model, without the augmentation, is saved
        from .architectures import augmented

        trainer = augmented(model)
    x_train, y_train = _mnist(model, "train", args.limit)
    x_test, y_test = _mnist(model, "test")
    n_val = int(len(x_train) * split)  # fit's validation_split holds out the last n_val
    compile_model(trainer, args, len(x_train) - n_val)
    print(f"Training on {len(x_train) - n_val} MNIST images"
          + (f", validating on {n_val}" if split else "")
          + f"; {args.epochs} epoch(s), batch size {args.batch_size}.")
    history = trainer.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                          validation_split=split)
    if trainer is not model:
        model.compile(optimizer=trainer.optimizer, **trainer.compiled.get_config(trainer))
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"Test accuracy: {accuracy:.4f} (loss {loss:.4f}) on {len(y_test)} test images")
    model.save(args.out)
    print(f"Saved the model to {args.out}")
    if args.report is not None:
        from .report import write_report

        page = write_report(model, args.report, history=history, x_test=x_test, y_test=y_test)
        Path(args.report, HISTORY_OWNER).write_text(_fingerprint(args.out) + "\n")
        print(f"Report: {page}")


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
    print(f"{args.model} on {len(y)} MNIST test images: {shown}")


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
        print(f"{history_file} was recorded while training another model: not used "
              "(give --history FILE to use it anyway).")
    elif os.path.exists(history_file):
        history = _read_history(history_file)
    elif args.history:
        raise CommandError(f"history file not found: {args.history}")
    x, y = _mnist(model, "test", args.limit)
    page = write_report(model, args.dir, history=history, x_test=x, y_test=y)
    if history is None:
        print("No training history: the report has no loss/accuracy curves "
              "(glassnet train --report DIR records them).")
    print(f"Report: {page}")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _json_kind(value) -> str:
    """A JSON value's type in JSON's words, for messages: "a list", "a number", ..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), "a number")


def _read_history(path: str) -> dict[str, list[float]]:
    """A training history as ``glassnet train --report`` writes it: a JSON object of
    lists of numbers, one per epoch (``{"loss": [...], "accuracy": [...]}``)."""
    from .files import open_regular

    try:
        with open_regular(path, "a history file", CommandError) as f:
            text = f.read(MAX_HISTORY_BYTES + 1)
        if len(text) > MAX_HISTORY_BYTES:
            raise ValueError(f"more than {MAX_HISTORY_BYTES} bytes")
        history = json.loads(text.decode("utf-8"))
    except (OSError, ValueError) as err:
        raise CommandError(f"cannot read the training history {path}: {err}") from None
    wanted = ('a JSON object of lists of numbers, one per epoch, e.g. {"loss": [0.3, 0.2], '
              '"accuracy": [0.91, 0.94]}, as glassnet train --report writes it')
    if not isinstance(history, dict):
        raise CommandError(f"the training history {path} must be {wanted}; it holds "
                           f"{_json_kind(history)}.")
    for key, values in history.items():
        if not isinstance(values, list) or not all(map(_is_number, values)):
            raise CommandError(f"the training history {path} must be {wanted}; its "
                               f"{key[:50]!r} holds {_json_kind(values)}"
                               f"{'' if not isinstance(values, list) else ' of other values'}.")
    return history


MAX_HISTORY_BYTES = 1 << 24  # a history of a million epochs


def cmd_predict(args) -> None:
    import warnings

    import numpy as np

    from .filetype import sniff
    from .imaging import load_digit, save_image, to_model_input

    if args.show:
        _check_output(args.show, "--show", saved="the image")
    model = _load_model(args.model)
    for path in args.images:
        if not os.path.exists(path):
            raise CommandError(f"image not found: {path}")
        if os.path.isdir(path):
            raise CommandError(f"{path} is a folder, not an image file")
    digits = []
    for path in args.images:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                digits.append(load_digit(path))
        except OSError as err:  # PIL.UnidentifiedImageError and unreadable files
            what = sniff(path)
            hint = (f"it is {what}" + (" — did you swap the arguments?"
                                       if what in ("a zip file", "a Keras HDF5 file (.h5)")
                                       else "")) if what else str(err)
            raise CommandError(f"{path} is not an image file Pillow can read ({hint})"
                               ) from None
        for warning in caught:
            print(f"glassnet: warning: {warning.message}", file=sys.stderr)
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
            print(f"The model saw: {target}")


def cmd_robustness(args) -> None:
    from .inspect import fgsm
    from .validation import targets

    model = _load_model(args.model)
    x, y = _mnist(model, "test", args.limit)
    out = model.compiled_outputs()[0]  # evaluate's checks (10 classes, ...) before any output
    targets(y, x, out.loss, out.layer, out.shape[1:])
    eps_values = [0.0] + sorted(e for e in set(args.eps) if e > 0)
    print(f"Fast gradient sign method on {len(y)} MNIST test images: each pixel moved by "
          "±epsilon to raise the loss")
    print(f"{'epsilon':>8}  accuracy")
    for eps in eps_values:
        x_eps = x if eps == 0 else fgsm(model, x, y, eps)
        note = "  (clean)" if eps == 0 else ""
        print(f"{eps:>8.3g}  {_accuracy(model, x_eps, y):.4f}{note}", flush=True)


def cmd_export(args) -> None:
    try:
        from .export import export_onnx
    except ImportError as err:
        if getattr(err, "name", None) == "glassnet.export":
            raise CommandError("ONNX export is not available in this version of glassnet "
                               "(glassnet.export is missing).") from None
        raise
    model = _load_model(args.model)
    path = export_onnx(model, args.out)
    print(f"Exported {args.model} to {path or args.out}")


# -- the parser ---------------------------------------------------------------------------------
def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Train the tutorial's neural network on MNIST, look inside it, and try it "
                    "on your own digits.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help="train a network on MNIST and save it",
                       description="Train on the bundled MNIST (default: the tutorial's "
                                   "784-128-10 ReLU/softmax network, Adam, 5 epochs, batch 32),"
                                   " print the test accuracy and save the model.")
    p.add_argument("--epochs", type=_positive(int), default=5, help="passes over the data (5)")
    p.add_argument("--batch-size", type=_positive(int), default=None,
                   help="images per gradient step (32; 128 with --model cnn)")
    p.add_argument("--hidden", type=_positive(int), nargs="+", default=[128], metavar="UNITS",
                   help="hidden layer sizes, e.g. --hidden 128 64 (128)")
    p.add_argument("--activation", default="relu", help="hidden-layer activation (relu)")
    p.add_argument("--optimizer", default="adam", help="adam, sgd, rmsprop, adagrad, adamw")
    p.add_argument("--learning-rate", type=_positive(float), default=None,
                   help="the optimizer's step size (its default: 0.001 for adam; with "
                        "--model cnn, 0.004 decaying to 0 along a cosine)")
    p.add_argument("--seed", type=_number(int, lambda v: v >= 0, "must be 0 or more"),
                   default=None, help="make the run repeatable")
    p.add_argument("--validation-split", type=_fraction, default=None, metavar="FRACTION",
                   help="hold out this fraction of the training images to validate on "
                        "(0, or 0.1 with --report)")
    p.add_argument("--out", default=None,
                   help="model file (model.glassnet; cnn.glassnet with --model cnn)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (by default an existing file is kept "
                        "and nothing is trained)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also write an HTML report to DIR (needs matplotlib)")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                   help="mlp: Dense layers (default); cnn: a small convolutional network")
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                   help="train on the first N images only (quick experiments)")
    p.add_argument("--augment", action="store_true",
                   help=_("train on randomly shifted, rotated, zoomed, thicker and thinner "
                          "copies of the digits (slower; the saved model is the same network)"))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="test accuracy of a saved model")
    p.add_argument("model", help="a .glassnet file")
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                   help="only the first N test images")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("summary", help="print a saved model's layers")
    p.add_argument("model", help="a .glassnet file")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("report", help="write the HTML report for a saved model")
    p.add_argument("model", help="a .glassnet file")
    p.add_argument("dir", help="folder for index.html and its pictures")
    p.add_argument("--history", metavar="FILE", default=None,
                   help="training history JSON for the curves (default: DIR/history.json)")
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                   help="only the first N test images")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("predict", help="classify your own digit images (PNG, JPEG)",
                       description="Classify images of single digits. Dark on light or light "
                                   "on dark both work; the digit is cropped, scaled and "
                                   "centred as in MNIST.")
    p.add_argument("model", help="a .glassnet file")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    p.add_argument("--show", metavar="OUT.png", default=None,
                   help="write the 28x28 image the model saw (OUT-1.png, ... for several)")
    p.add_argument("--top", type=_positive(int), default=3, help="classes to list (3)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("robustness", help="test accuracy under adversarial attack (FGSM)")
    p.add_argument("model", help="a .glassnet file")
    p.add_argument("--eps", type=_eps, nargs="+", default=[0.05, 0.1, 0.2], metavar="EPS",
                   help="attack strengths, pixels in [0, 1] (0.05 0.1 0.2)")
    p.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                   help="only the first N test images")
    p.set_defaults(func=cmd_robustness)

    p = sub.add_parser("export", help="export a saved model to ONNX")
    p.add_argument("model", help="a .glassnet file")
    p.add_argument("out", metavar="OUT.onnx", help="the ONNX file to write")
    p.set_defaults(func=cmd_export)

    from .playground import add_command as add_playground

    add_playground(sub)
    return parser


def _error(message: str) -> int:
    print(f"glassnet: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    """Run the ``glassnet`` command with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit status: 0 on success, 2 on an error the user can fix."""
    args = make_parser().parse_args(argv)
    from .errors import GlassnetError

    try:
        args.func(args)
    except CommandError as err:
        return _error(str(err))
    except FileNotFoundError as err:
        return _error(f"file not found: {err.filename or err}")
    except ImportError as err:  # a missing optional dependency, with what to install
        return _error(str(err))
    except (GlassnetError, ValueError, NotImplementedError) as err:
        return _error(str(err))
    except OSError as err:  # unreadable image (PIL.UnidentifiedImageError), permissions ...
        return _error(str(err))
    except MemoryError as err:
        return _error(f"out of memory ({err or 'MemoryError'}): try a smaller model, a smaller "
                      "--batch-size or --limit")
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
