"""The experiments behind "How to improve the network" in docs/tutorial.md.

    python docs/experiments.py                 # every experiment (a few minutes on 1 core)
    python docs/experiments.py --only lr data  # some groups only

Each experiment changes one thing of the tutorial's network (784-128-10, ReLU, softmax,
Adam with learning rate 0.001, batch 32, 5 epochs, all 60,000 training images) and
reports the accuracy on the 10,000 test images. Every run uses the same seed, so a
difference between two rows comes from the change, plus the run-to-run noise that the
"seed" group measures. The results are printed as a Markdown table and written to
docs/experiments.json.

(Choosing settings by their test accuracy is fine for a lesson. In a real project you
would choose them on a validation set, e.g. ``fit(..., validation_split=0.1)``, and look at
the test set once, at the end.)
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import glassnet as tf

HERE = Path(__file__).resolve().parent
BASE = {"hidden": [128], "activation": "relu", "optimizer": "adam", "lr": 1e-3,
        "epochs": 5, "fraction": 1.0, "dropout": 0.0, "seed": 0}

# group -> (what changes, [overrides of BASE]); {} is the baseline itself
GROUPS = {
    "seed": ("seed (noise)", [{}, {"seed": 1}, {"seed": 2}]),
    "hidden": ("hidden units", [{"hidden": [32]}, {}, {"hidden": [512]},
                                {"hidden": [128, 64]}]),
    "activation": ("activation", [{"activation": "sigmoid"}, {"activation": "tanh"}, {}]),
    "dropout": ("dropout", [{}, {"dropout": 0.2}]),
    "epochs": ("epochs", [{"epochs": 10}]),  # test accuracy after every epoch
    "lr": ("learning rate", [{"lr": 1e-2}, {}, {"lr": 1e-4}]),
    "optimizer": ("optimizer", [{}, {"optimizer": "sgd", "lr": 0.01},
                                {"optimizer": "sgd", "lr": 0.1}]),
    "data": ("training data", [{"fraction": 0.1}, {"fraction": 0.5}, {}]),
    "fgsm": ("FGSM attack on the baseline", []),  # see robustness()
}
FGSM_EPS = [0.0, 0.05, 0.1, 0.2]


class TestAccuracyPerEpoch(tf.callbacks.Callback):
    """Record the test accuracy at the end of every epoch (for the epochs group)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y, self.acc = x, y, []

    def on_epoch_end(self, epoch, logs=None):
        self.acc.append(self.model.evaluate(self.x, self.y, verbose=0)[1])


def build(cfg: dict) -> tf.Sequential:
    model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28))])
    for units in cfg["hidden"]:
        model.add(tf.keras.layers.Dense(units, activation=cfg["activation"]))
        if cfg["dropout"]:
            model.add(tf.keras.layers.Dropout(cfg["dropout"]))
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    optimizer = {"adam": tf.keras.optimizers.Adam, "sgd": tf.keras.optimizers.SGD}[
        cfg["optimizer"]](learning_rate=cfg["lr"])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run(cfg: dict, data, keep_model: bool = False) -> dict:
    (x_train, y_train), (x_test, y_test) = data
    tf.utils.set_random_seed(cfg["seed"])
    if cfg["fraction"] < 1:  # a random subset, the same for every run
        keep = np.random.default_rng(1234).permutation(len(x_train))
        keep = keep[:int(len(x_train) * cfg["fraction"])]
        x_train, y_train = x_train[keep], y_train[keep]
    model = build(cfg)
    per_epoch = TestAccuracyPerEpoch(x_test, y_test)
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=cfg["epochs"], verbose=0,
                        callbacks=[per_epoch])
    seconds = time.perf_counter() - start
    result = {**cfg, "n_train": len(x_train),
              "train_accuracy": history.history["accuracy"][-1],
              "test_accuracy": per_epoch.acc[-1], "test_accuracy_per_epoch": per_epoch.acc,
              "seconds": round(seconds, 1)}
    if keep_model:
        result["model"] = model
    return result


def robustness(data) -> dict:
    """Test accuracy of the baseline model on FGSM adversarial twins of the test images."""
    import glassnet.inspect

    _, (x_test, y_test) = data
    r = run(BASE, data, keep_model=True)
    model = r.pop("model")
    acc = {}
    for eps in FGSM_EPS:
        x_adv = glassnet.inspect.fgsm(model, x_test, y_test, eps=eps)
        acc[str(eps)] = model.evaluate(x_adv, y_test, verbose=0)[1]
    return {**r, "fgsm_test_accuracy": acc}


def describe(cfg: dict) -> str:
    changes = [f"{k}={cfg[k]}" for k in BASE if cfg[k] != BASE[k]]
    return ", ".join(changes) or "baseline (the tutorial's network)"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", choices=list(GROUPS), help="run only these groups")
    p.add_argument("--json", default=str(HERE / "experiments.json"))
    args = p.parse_args()

    from threadpoolctl import threadpool_limits

    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    data = (x_train / 255.0, y_train), (x_test / 255.0, y_test)
    done: dict[str, dict] = {}
    rows = []
    with threadpool_limits(1):  # one BLAS thread: fastest for batch 32, and fair to neighbours
        for group in args.only or GROUPS:
            title, variants = GROUPS[group]
            if group == "fgsm":
                r = robustness(data)
                rows.append({"group": title, **r})
                print(f"| {title} | eps | " + " | ".join(
                    f"{eps}: {acc:.4f}" for eps, acc in r["fgsm_test_accuracy"].items()) + " |")
                continue
            for overrides in variants:
                cfg = {**BASE, **overrides}
                key = json.dumps(cfg, sort_keys=True)
                if key not in done:
                    done[key] = run(cfg, data)
                r = done[key]
                rows.append({"group": title, **r})
                print(f"| {title} | {describe(cfg)} | {r['n_train']} | {r['epochs']} | "
                      f"{r['train_accuracy']:.4f} | {r['test_accuracy']:.4f} | {r['seconds']} |",
                      flush=True)
                if len(r["test_accuracy_per_epoch"]) > 5:
                    print("    test accuracy per epoch:",
                          " ".join(f"{a:.4f}" for a in r["test_accuracy_per_epoch"]))
    out = {"machine": f"{platform.processor() or platform.machine()}, "
                      f"Python {platform.python_version()}, NumPy {np.__version__}, 1 BLAS thread",
           "glassnet": tf.__version__, "rows": rows}
    Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", args.json)


if __name__ == "__main__":
    main()
