"""The MNIST page: the tutorial's network trained live on the bundled MNIST, and a canvas to
try it on digits the learner draws.

Training is ``model.fit`` in a worker thread with one callback (``_Progress``) that publishes
Keras-style progress at most ``MAX_UPDATES_PER_SECOND`` times a second, the first layer's
weights (each hidden unit as a 28×28 image) and, after each epoch, the test loss, accuracy
and confusion matrix. ``predict`` prepares a drawing as MNIST's digits were made
(``imaging.prepare_digit``), classifies it, and shows its saliency map and an FGSM
adversarial version with the new prediction (``glassnet.inspect``).
"""

from __future__ import annotations

import base64
import functools
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np

from ..callbacks import Callback
from .live import LiveSession
from .settings import SettingsError

MAX_UPDATES_PER_SECOND = 10
WEIGHT_UPDATES_PER_SECOND = 3
MAX_SHOWN_UNITS = 64  # first-layer weight images sent to the page
MAX_DRAWING = 160  # the drawing arrives as at most MAX_DRAWING² gray bytes
FGSM_EPS = 0.1
HIDDEN_CHOICES = (16, 32, 64, 128, 256)


@functools.lru_cache(maxsize=1)
def _mnist():
    """MNIST scaled to [0, 1], float32: ((x_train, y_train), (x_test, y_test))."""
    from ..datasets import mnist

    (x, y), (xt, yt) = mnist.load_data()
    return ((x.astype(np.float32) / np.float32(255), y),
            (xt.astype(np.float32) / np.float32(255), yt))


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def _image_bytes(image: np.ndarray) -> str:
    """A [0, 1] image as base64 bytes 0..255."""
    return _b64(np.rint(np.clip(image, 0, 1) * 255))


def _signed_bytes(w: np.ndarray) -> str:
    """Weights as bytes, 0 for the most negative, 128 for 0, 255 for the most positive."""
    scale = max(float(np.abs(w).max()), 1e-12)
    return _b64(np.rint(np.clip(w / scale, -1, 1) * 127.5 + 127.5))


MODELS = ("mlp", "cnn")


@dataclass
class MnistSettings:
    """The tutorial's run: 784-128-10, Adam at 0.001, batch 32, 5 epochs, all 60,000 images.
    ``model="cnn"``: Keras's small MNIST convnet instead (``hidden`` is then not used).
    ``seed`` seeds the first weights, the batches and dropout, as in the program."""

    model: str = "mlp"
    hidden: int = 128
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 0.001
    limit: int = 60000
    seed: int = 0

    @classmethod
    def from_json(cls, obj: object) -> MnistSettings:
        if not isinstance(obj, dict) or set(obj) - set(asdict(cls())):
            raise SettingsError(f"MNIST settings are a JSON object with keys "
                                f"{', '.join(asdict(cls()))}")
        s = cls(**obj)
        for name, lo, hi in (("epochs", 1, 50), ("batch_size", 1, 1024),
                             ("limit", 100, 60000), ("learning_rate", 1e-5, 1.0),
                             ("seed", 0, 2**31 - 1)):
            v = getattr(s, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                raise SettingsError(f"{name} must be from {lo} to {hi}, got {str(v)[:40]!r}")
            if name != "learning_rate" and v != int(v):
                raise SettingsError(f"{name} must be an integer, got {v!r}")
            setattr(s, name, type(getattr(cls(), name))(v))
        if s.model not in MODELS:
            raise SettingsError(f"model must be one of {', '.join(MODELS)}, got {s.model!r:.40}")
        if s.hidden not in HIDDEN_CHOICES:
            raise SettingsError(f"hidden must be one of {HIDDEN_CHOICES}, got {s.hidden!r}")
        return s


def build_model(s: MnistSettings):
    """The model of ``program(s)``, compiled, after seeding glassnet's random numbers with
    ``s.seed`` as the program does: the same first weights, and ``fit`` the same batches."""
    import glassnet as tf

    tf.keras.utils.set_random_seed(s.seed)
    if s.model == "cnn":
        model = tf.keras.Sequential([
            tf.keras.Input(shape=(28, 28)),
            tf.keras.layers.Reshape((28, 28, 1)),
            tf.keras.layers.Conv2D(32, 3, activation="relu"),
            tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Conv2D(64, 3, activation="relu"),
            tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dropout(0.5),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
    else:
        model = tf.keras.Sequential([
            tf.keras.Input(shape=(28, 28)),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(s.hidden, activation="relu"),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=s.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def program(s: MnistSettings) -> str:
    """The tutorial's program with the page's settings."""
    limit = [] if s.limit >= 60000 else [
        f"x_train, y_train = x_train[:{s.limit}], y_train[:{s.limit}]  # the first {s.limit}"]
    return "\n".join([
        "import glassnet as tf",
        "",
        "(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()",
        "x_train, x_test = x_train / 255.0, x_test / 255.0",
        *limit,
        f"tf.keras.utils.set_random_seed({s.seed})  # the page's start: the same first weights",
        "model = tf.keras.Sequential([",
        "    tf.keras.Input(shape=(28, 28)),",
        *(_CNN_LAYERS if s.model == "cnn" else [
            "    tf.keras.layers.Flatten(),",
            f'    tf.keras.layers.Dense({s.hidden}, activation="relu"),']),
        '    tf.keras.layers.Dense(10, activation="softmax"),',
        "])",
        f"model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate={s.learning_rate:g}),",
        '              loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        f"model.fit(x_train, y_train, epochs={s.epochs}, batch_size={s.batch_size},",
        "          validation_data=(x_test, y_test))",
        'model.save("mnist.glassnet")',
        "",
    ])


_CNN_LAYERS = [
    "    tf.keras.layers.Reshape((28, 28, 1)),  # convolutions need a channel axis",
    '    tf.keras.layers.Conv2D(32, 3, activation="relu"),',
    "    tf.keras.layers.MaxPooling2D(),",
    '    tf.keras.layers.Conv2D(64, 3, activation="relu"),',
    "    tf.keras.layers.MaxPooling2D(),",
    "    tf.keras.layers.Flatten(),",
    "    tf.keras.layers.Dropout(0.5),",
]


class PlaygroundMNIST(LiveSession):
    """The MNIST page's model, its training thread and what the page sees."""

    stop_mid_epoch = True  # an MNIST epoch is long: stop after the current step

    def __init__(self) -> None:
        super().__init__()
        self.reset(MnistSettings())

    # -- what the page asks ---------------------------------------------------------------
    def reset(self, settings: MnistSettings | None = None) -> None:
        """A new, untrained model (stopping any training first)."""
        self._stop_thread()
        with self.cond:
            self.settings = settings or self.settings
            self.model = build_model(self.settings)
            self.generation += 1
            self.training = False
            self.history: list[list[float]] = []
            self.progress: dict = {}
            self.confusion: list | None = None
            self.error: str | None = None
            self.weights = self._weights()
            self.version += 1
            self.cond.notify_all()

    def train(self) -> None:
        """Start ``fit`` for the settings' epochs in a worker thread (if not running)."""
        with self.cond:
            if self.training:
                return
            self.training = True
            self.error = None
            self.version += 1
            self.cond.notify_all()
            self._thread = threading.Thread(target=self._train, args=(self.generation,),
                                            name="glassnet-playground-mnist", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after the current step (``model.stop_training``, as a Keras callback would)."""
        with self.cond:
            self.model.stop_training = True

    def predict(self, pixels: bytes, width: int, height: int) -> dict:
        """Classify a drawing (``width × height`` gray bytes, either polarity): the 28×28
        image the model sees, the ten probabilities, the saliency map, and the FGSM image
        (ε = ``FGSM_EPS``) with its probabilities."""
        from ..imaging import prepare_digit
        from ..inspect import fgsm, saliency

        gray = np.frombuffer(pixels, np.uint8).reshape(height, width)
        seen = prepare_digit(gray.astype(np.float32) / 255)[None]
        with self.cond:
            model = self.model
        t0 = time.perf_counter()
        with model.lock:  # not in the middle of a training step in the other thread
            p = model.predict(seen, verbose=0)[0]
            label = int(p.argmax())
            s = saliency(model, seen)[0]
            adversarial = fgsm(model, seen, np.array([label]), FGSM_EPS)
            p_adv = model.predict(adversarial, verbose=0)[0]
        seconds = time.perf_counter() - t0
        return {"seen": _image_bytes(seen[0]), "probabilities": np.round(p, 4).tolist(),
                "saliency": _image_bytes(s / max(float(s.max()), 1e-12)),
                "adversarial": _image_bytes(adversarial[0]), "eps": FGSM_EPS,
                "adversarial_probabilities": np.round(p_adv, 4).tolist(),
                "seconds": round(seconds, 4)}

    # -- what the page is shown -----------------------------------------------------------
    def start_message(self) -> dict:
        return {"generation": self.generation, "settings": asdict(self.settings)}

    def update_message(self, since: int = 0) -> dict:
        return {"generation": self.generation, "training": self.training,
                "history": self.history[since:], "progress": self.progress,
                "confusion": self.confusion, "error": self.error,
                "weights": self.weights, "program": program(self.settings)}

    # -- the worker thread ----------------------------------------------------------------
    def _train(self, generation: int) -> None:
        (x, y), (x_test, y_test) = _mnist()
        with self.cond:
            model, s = self.model, self.settings
        error = None
        try:
            # The program's validation_data=(x_test, y_test), computed by _Progress from
            # the one pass over the test images that also gives the confusion matrix.
            model.fit(x[:s.limit], y[:s.limit], epochs=s.epochs, batch_size=s.batch_size,
                      verbose=0, callbacks=[_Progress(self, generation, x_test, y_test)])
        except Exception as err:  # shown on the page
            error = f"{type(err).__name__}: {err}"
        with self.cond:
            if generation == self.generation:
                self.training = False
                self.error = error
                self.weights = self._weights()
                self.version += 1
                self.cond.notify_all()

    def _weights(self) -> dict:
        """The first layer's first units, each as an image of its weights: a Dense unit's
        784 weights as 28×28, a convolution's 3×3 kernel as 3×3."""
        layer = next(layer for layer in self.model.layers if layer.get_weights())
        W = layer.get_weights()[0]
        if W.ndim == 4:  # Conv2D: (kh, kw, 1, filters)
            side, W = W.shape[0], W.reshape(-1, W.shape[-1])
        else:  # Dense: (784, units)
            side = 28
        W = W[:, :MAX_SHOWN_UNITS]
        return {"units": int(W.shape[1]), "size": int(side),
                "images": [_signed_bytes(W[:, j]) for j in range(W.shape[1])]}


class _Progress(Callback):
    """Keras-style progress for the page; stops ``fit`` when the page resets."""

    def __init__(self, page: PlaygroundMNIST, generation: int, x_test, y_test) -> None:
        super().__init__()
        self.page, self.generation = page, generation
        self.x_test, self.y_test = x_test, y_test
        self.epoch, self.last, self.last_weights = 0, 0.0, 0.0

    def on_train_begin(self, logs=None):  # reset or closed while the data was loading
        with self.page.cond:
            if self.generation != self.page.generation or self.page.closing:
                self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.on_train_begin()

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if now - self.last < 1 / MAX_UPDATES_PER_SECOND:
            return
        self.last = now
        page = self.page
        weights = None
        if now - self.last_weights >= 1 / WEIGHT_UPDATES_PER_SECOND:
            self.last_weights = now
            weights = page._weights()
        with page.cond:
            if self.generation != page.generation or page.closing:
                self.model.stop_training = True
                return
            page.progress = {"epoch": self.epoch + 1, "epochs": self.params.get("epochs"),
                             "step": batch + 1, "steps": self.params.get("steps"),
                             **{k: float(v) for k, v in (logs or {}).items()}}
            if weights is not None:
                page.weights = weights
            page.version += 1
            page.cond.notify_all()

    def on_epoch_end(self, epoch, logs=None):
        """The test loss and accuracy (what ``validation_data`` reports, Keras's
        ``-mean log p[y]`` with p clipped at 1e-7) and the confusion matrix, from one pass."""
        logs = dict(logs or {})
        p = self.model.predict(self.x_test, verbose=0, batch_size=1000)
        predicted = p.argmax(axis=1)
        p_true = p[np.arange(len(p)), self.y_test]
        logs["val_loss"] = float(-np.mean(np.log(np.clip(p_true, 1e-7, 1.0))))
        logs["val_accuracy"] = float(np.mean(predicted == self.y_test))
        confusion = np.zeros((10, 10), np.int64)
        np.add.at(confusion, (self.y_test, predicted), 1)
        weights = self.page._weights()
        with self.page.cond:
            page = self.page
            if self.generation != page.generation:
                self.model.stop_training = True
                return
            page.history.append([epoch + 1] + [float(logs.get(k, np.nan)) for k in
                                               ("loss", "accuracy", "val_loss", "val_accuracy")])
            page.confusion = confusion.tolist()
            page.weights = weights
            page.progress = {**page.progress, "epoch": epoch + 1,
                             "step": self.params.get("steps"), "steps": self.params.get("steps")}
            page.version += 1
            page.cond.notify_all()
