"""What the 2-D page lets a learner choose, checked, and the Keras program those choices make.

``Settings.from_json`` accepts only known keys and bounded values (the page is a web page:
anything it sends is checked before it reaches the library). ``program`` writes the
Keras program a learner would type for the settings; ``build_model`` builds the same
model with the same calls, and a test runs the program to check the two agree.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import asdict, dataclass, field

from . import data

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
REGULARIZERS = ("none", "l1", "l2")
N_POINTS = 500
MAX_LAYERS, MAX_UNITS, MAX_BATCH = 6, 8, 30


class SettingsError(ValueError):
    """A setting the page sent is not one the playground accepts."""


@dataclass
class Settings:
    """TensorFlow Playground's defaults: circle, no noise, half the points for training,
    x₁ and x₂, two hidden layers of 4 and 2 tanh neurons, SGD at 0.03, batch size 10."""

    dataset: str = "circle"
    noise: int = 0  # percent, 0 .. 50
    train_percent: int = 50  # 10 .. 90
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activation: str = "tanh"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    regularization: str = "none"
    regularization_rate: float = 0.0
    batch_size: int = 10
    seed: int = 0

    @classmethod
    def from_json(cls, obj: object) -> Settings:
        """Settings from the page's JSON object; missing keys keep their defaults."""
        if not isinstance(obj, dict):
            raise SettingsError("settings must be a JSON object")
        known = set(asdict(cls()))
        unknown = sorted(set(obj) - known)
        if unknown:
            raise SettingsError(f"unknown setting {unknown[0][:40]!r}; known: "
                                f"{', '.join(sorted(known))}")
        s = cls(**obj)
        s.check()
        return s

    def check(self) -> None:
        def choice(name, options):
            if getattr(self, name) not in options:
                raise SettingsError(f"{name} must be one of {', '.join(options)}, "
                                    f"got {str(getattr(self, name))[:40]!r}")

        def number(name, kind, lo, hi):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi \
                    or (kind is int and v != int(v)):
                raise SettingsError(f"{name} must be {'an integer' if kind is int else 'a number'}"
                                    f" from {lo} to {hi}, got {str(v)[:40]!r}")
            setattr(self, name, kind(v))

        choice("dataset", data.DATASETS)
        choice("activation", ACTIVATIONS)
        choice("optimizer", tuple(OPTIMIZERS))
        choice("regularization", REGULARIZERS)
        number("noise", int, 0, 50)
        number("train_percent", int, 10, 90)
        number("learning_rate", float, 1e-5, 10)
        number("regularization_rate", float, 0, 10)
        number("batch_size", int, 1, MAX_BATCH)
        number("seed", int, 0, 2**31 - 1)
        if not isinstance(self.features, list) or not self.features \
                or not all(isinstance(f, str) and f in data.FEATURES for f in self.features) \
                or len(set(self.features)) != len(self.features):
            raise SettingsError("features must be a non-empty list of distinct names from "
                                f"{', '.join(data.FEATURES)}")
        if not isinstance(self.hidden, list) or len(self.hidden) > MAX_LAYERS or not all(
                isinstance(u, int) and not isinstance(u, bool) and 1 <= u <= MAX_UNITS
                for u in self.hidden):
            raise SettingsError(f"hidden must be a list of at most {MAX_LAYERS} layer sizes, "
                                f"each from 1 to {MAX_UNITS}")
        self.features = [f for f in data.FEATURES if f in self.features]  # the page's order

    @property
    def n_train(self) -> int:
        return N_POINTS * self.train_percent // 100

    def to_json(self) -> dict:
        return asdict(self)


def regularizer(s: Settings):
    """The kernel regularizer every Dense layer gets, or None."""
    from .. import regularizers

    if s.regularization == "none" or s.regularization_rate == 0:
        return None
    return getattr(regularizers, s.regularization)(s.regularization_rate)


def build_model(s: Settings):
    """The compiled model of ``program(s)``: Dense layers of ``s.hidden`` units, then one
    sigmoid unit, the probability of the blue class, trained on binary cross-entropy.
    Seeds glassnet's random numbers with ``s.seed`` first, as the program does, so the
    program trains exactly as the page did."""
    import glassnet as tf

    tf.keras.utils.set_random_seed(s.seed)  # the program's start: same weights, same batches
    reg = regularizer(s)
    model = tf.keras.Sequential(
        [tf.keras.Input(shape=(len(s.features),))]
        + [tf.keras.layers.Dense(units, activation=s.activation, kernel_regularizer=reg)
           for units in s.hidden]
        + [tf.keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=reg)])
    optimizer = getattr(tf.keras.optimizers, OPTIMIZERS[s.optimizer])(
        learning_rate=s.learning_rate)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


@functools.cache
def _generator_source(dataset: str) -> str:
    """The data set's function as the program shows it (read once: ``inspect`` takes about
    3 ms, and every update the page gets carries the program)."""
    return inspect.getsource(data.GENERATORS[dataset])


def program(s: Settings, epochs: int = 100) -> str:
    """The Keras program for ``s``, as a learner would write it (``import glassnet as tf``)."""
    reg = regularizer(s)
    reg_arg = "" if reg is None else ", kernel_regularizer=reg"
    reg_line = [] if reg is None else [
        f"reg = tf.keras.regularizers.{s.regularization}({s.regularization_rate:g})"
        "  # penalty on every weight"]
    layers = [f"    tf.keras.Input(shape=({len(s.features)},)),"]
    layers += [f'    tf.keras.layers.Dense({u}, activation="{s.activation}"{reg_arg}),'
               for u in s.hidden]
    layers.append(f'    tf.keras.layers.Dense(1, activation="sigmoid"{reg_arg}),')
    source = _generator_source(s.dataset)
    return "\n".join([
        "import numpy as np",
        "",
        "import glassnet as tf",
        "",
        "",
        source.rstrip(),
        "",
        "",
        data.features_source(s.features).rstrip(),
        "",
        "",
        f"points, labels = {s.dataset}({N_POINTS}, noise={s.noise / 100:g}, seed={s.seed})",
        "x = features(points)",
        f"n_train = {s.n_train}  # {s.train_percent}% of the points train, the rest test",
        "x_train, y_train = x[:n_train], labels[:n_train]",
        "x_test, y_test = x[n_train:], labels[n_train:]",
        "",
        f"tf.keras.utils.set_random_seed({s.seed})  # the page's start: the same first weights",
        *reg_line,
        "model = tf.keras.Sequential([",
        *layers,
        "])",
        f"model.compile(optimizer=tf.keras.optimizers.{OPTIMIZERS[s.optimizer]}"
        f"(learning_rate={s.learning_rate:g}),",
        '              loss="binary_crossentropy", metrics=["accuracy"])',
        f"history = model.fit(x_train, y_train, batch_size={s.batch_size}, "
        f"epochs={max(int(epochs), 1)},",
        "                    validation_data=(x_test, y_test))",
        'model.save("playground.glassnet")',
        "",
    ])
