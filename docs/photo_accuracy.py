"""How many of the synthetic phone photos (tests/data/photos) a model reads right.

    python docs/photo_accuracy.py model.glassnet cnn.glassnet   # models you trained
    python docs/photo_accuracy.py                               # trains a quick dense one

Each photo goes through ``glassnet.imaging.load_digit``, as ``glassnet predict`` does.
Prints the accuracy per model and the photos it got wrong (file names end in the label).
Without arguments it trains the test suite's quick model: 784-128-10, one epoch on the
first 20,000 MNIST training images (a few seconds).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = sorted((ROOT / "tests" / "data" / "photos").glob("*.jpg"))


def quick_model():
    import glassnet
    from glassnet import architectures
    from glassnet.datasets import mnist

    glassnet.utils.set_random_seed(0)
    (x, y), _ = mnist.load_data()
    model = architectures.mlp(hidden=[128], activation="relu")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:20000] / np.float32(255), y[:20000], epochs=1, verbose=0)
    return model


def accuracy(model) -> tuple[float, list[str]]:
    from glassnet import imaging

    labels = np.array([int(p.stem.rsplit("-", 1)[1]) for p in PHOTOS])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", imaging.DigitImageWarning)
        seen = np.stack([imaging.load_digit(p) for p in PHOTOS])
    predicted = model.predict(imaging.to_model_input(model, seen), verbose=0).argmax(axis=1)
    wrong = [f"{p.name} -> {a}" for p, a, b in zip(PHOTOS, predicted, labels) if a != b]
    return float(np.mean(predicted == labels)), wrong


def main(paths: list[str]) -> None:
    from glassnet import load_model

    models = [(path, load_model(path)) for path in paths] or [("quick dense", quick_model())]
    for name, model in models:
        right, wrong = accuracy(model)
        print(f"{name}: {right:.1%} of {len(PHOTOS)} photos right; wrong: {wrong or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
