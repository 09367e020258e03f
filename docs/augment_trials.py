"""The trials behind ``glassnet train --augment`` (docs/augment_trials.md): train a network
on MNIST with one recipe of augmentations, and measure it on the even-numbered half of
docs/real_handwriting.py's digits (the half that choices are made on; the odd half is
kept for checking the one that is chosen).

    python docs/augment_trials.py NAME --recipe shifts+deskew            # convnet, short
    python docs/augment_trials.py NAME --model mlp --recipe deskew
    python docs/augment_trials.py NAME --n 60000 --epochs 5 --recipe noshift+deskew \\
        --save model.glassnet                                             # a full run

A recipe is steps joined by ``+``, applied in order to each epoch's training images:
``none``; ``shifts`` (the first ``--augment``: RandomStrokeWidth((-0.5, 1)), then
RandomZoom(0.1, 0.2), RandomRotation(0.05) and RandomTranslation(0.1, 0.1) as one warp);
``noshift`` (the same without RandomTranslation: today's ``architectures.augmentation()``);
``elasticA`` (Simard et al.'s elastic distortion: a displacement field of uniform(-1, 1)
values smoothed by a Gaussian of σ = 4 pixels and scaled by A, 34 when not given);
``lowresR`` (RandomLowResolution((0.3, 0.5), rate=R)); ``deskew`` (the Deskew layer's
shear; with it anywhere in the recipe, the digits measured and MNIST's test images are
deskewed too, as a model with a Deskew layer first sees them); ``fontsK`` (the 390 printed
digits of docs/font_digits.py, K copies, added to the training images; tried, not used by
``--augment``).

Short runs train on a fixed random 20,000 of MNIST's images for 3 epochs, the convnet as
``glassnet train --model cnn`` does (Adam with ``cnn_learning_rate``, batch 128), the dense
network as ``glassnet train`` does (784-128-10, Adam 0.001, batch 32). Every result is
appended to docs/augment_trials.jsonl. Needs scikit-learn and Pillow.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import architectures, layers, optimizers

HERE = Path(__file__).resolve().parent


def digits_seen(cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """docs/real_handwriting.py's 1,797 photos as ``load_digit`` reads them (cached)."""
    if not cache.exists():
        sys.path.insert(0, str(HERE))
        import real_handwriting

        with tempfile.TemporaryDirectory() as tmp:
            paths, labels = real_handwriting.make_photos(Path(tmp))
            seen = real_handwriting.seen_by_predict(paths)
        np.savez_compressed(cache, seen=seen, labels=labels)
    with np.load(cache) as data:
        return data["seen"], data["labels"]


def sample(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``(n, H, W)`` images at ``(rows, cols)``, 0 outside."""
    n, H, W = img.shape
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    out = np.zeros(img.shape)
    b = np.arange(n)[:, None, None]
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            r, c = r0 + dr, c0 + dc
            inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
            out += np.where(inside, img[b, np.clip(r, 0, H - 1), np.clip(c, 0, W - 1)], 0) \
                * wr * wc
    return out


def elastic(img: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    n, H, W = img.shape
    i = np.arange(H)
    G = np.exp(-0.5 * ((i[:, None] - i[None, :]) / 4.0) ** 2)
    G /= G.sum(axis=1, keepdims=True)
    d = G @ rng.uniform(-1, 1, (2, n, H, W)) @ G.T * alpha
    rows, cols = np.indices((H, W))
    return sample(img, rows + d[0], cols + d[1])


def through(steps: list, x: np.ndarray) -> np.ndarray:
    z = x[..., None]
    for layer in steps:
        z = np.asarray(layer(z, training=True))
    return z[..., 0]


def warps(shifts: bool) -> list:
    chain = [layers.RandomZoom(0.1, 0.2), layers.RandomRotation(0.05)]
    if shifts:
        chain.append(layers.RandomTranslation(0.1, 0.1))
    return [layers.RandomStrokeWidth((-0.5, 1.0)),
            layers.RandomAffineChain(chain, fill_mode="constant")]


def deskew(x: np.ndarray) -> np.ndarray:
    return np.asarray(layers.Deskew()(x.astype(np.float32)))


def apply(recipe: str, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    for step in recipe.split("+"):
        if step == "shifts":
            x = through(warps(True), x)
        elif step == "noshift":
            x = through(warps(False), x)
        elif step == "deskew":
            x = deskew(x)
        elif step.startswith("elastic"):
            x = elastic(x, float(step[7:] or 34), rng)
        elif step.startswith("lowres"):
            x = through([layers.RandomLowResolution((0.3, 0.5), rate=float(step[6:] or 0.5))],
                        x)
        elif step != "none" and not step.startswith("fonts"):
            raise SystemExit(f"unknown step {step!r}")
    return np.clip(x, 0, 1).astype(np.float32)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name")
    p.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    p.add_argument("--n", type=int, default=20000, help="MNIST training images")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--recipe", default="none")
    p.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "real_digits.npz"))
    p.add_argument("--save", default=None, help="save the model; also measure all digits")
    p.add_argument("--log", default=str(HERE / "augment_trials.jsonl"))
    a = p.parse_args()

    gn.utils.set_random_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    (x, y), (x_test, y_test) = gn.datasets.mnist.load_data()
    keep = np.random.default_rng(1234).permutation(len(x))[:a.n]
    x, y = (x[keep] / 255).astype(np.float32), y[keep]
    x_test = (x_test / 255).astype(np.float32)
    fonts = re.search(r"fonts(\d+)", a.recipe)
    if fonts:
        sys.path.insert(0, str(HERE))
        import font_digits

        fx, fy = font_digits.render()
        k = int(fonts.group(1))
        x = np.concatenate([x, np.tile(fx / np.float32(255), (k, 1, 1)).astype(np.float32)])
        y = np.concatenate([y, np.tile(fy, k)])
        order = np.random.default_rng(5).permutation(len(x))
        x, y = x[order], y[order]
    seen, labels = digits_seen(Path(a.cache))
    if "deskew" in a.recipe:
        seen, x_test = deskew(seen), deskew(x_test)

    model = architectures.cnn() if a.model == "cnn" else architectures.mlp()
    batch = 128 if a.model == "cnn" else 32
    steps = a.epochs * -(-len(x) // batch)
    optimizer = optimizers.Adam(learning_rate=architectures.cnn_learning_rate(steps)) \
        if a.model == "cnn" else "adam"
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    start, per_epoch = time.time(), []
    for _ in range(a.epochs):
        xa = np.concatenate([apply(a.recipe, x[i:i + 2000], rng)
                             for i in range(0, len(x), 2000)])
        model.fit(xa, y, epochs=1, batch_size=batch, verbose=0)
        predicted = model.predict(seen, verbose=0).argmax(axis=1)
        per_epoch.append(round(float(np.mean(predicted[::2] == labels[::2])), 4))
    right = predicted == labels
    dev_wrong = ~right[::2]
    pairs, counts = np.unique(np.stack([labels[::2][dev_wrong], predicted[::2][dev_wrong]], 1),
                              axis=0, return_counts=True)
    top = np.argsort(-counts, kind="stable")[:5]
    result = {"name": a.name, "model": a.model, "recipe": a.recipe, "n": a.n,
              "epochs": a.epochs, "seed": a.seed, "dev": per_epoch[-1],
              "dev_per_epoch": per_epoch,
              "mnist_test": round(float(model.evaluate(x_test, y_test, verbose=0)[1]), 4),
              "seconds": round(time.time() - start),
              "dev_confusions": [[int(p[0]), int(p[1]), int(c)]
                                 for p, c in zip(pairs[top], counts[top])]}
    if a.save:
        model.save(a.save)
        result["all"] = round(float(right.mean()), 4)
        result["odd"] = round(float(right[1::2].mean()), 4)
    print(json.dumps(result), flush=True)
    with open(a.log, "a") as f:
        f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
