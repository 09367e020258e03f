"""Section 4.1 of the tutorial: linear regression ``y = wx + b`` as a one-neuron network.

A ``Dense(1)`` layer with no activation computes exactly ``ŷ = xW + b``; the loss
``mse`` is ``mean((ŷ - y)²)`` and ``sgd`` is plain gradient descent on it:

    dL/dw = 2·mean((ŷ - y)·x),   dL/db = 2·mean(ŷ - y),   w ← w - η·dL/dw, b ← b - η·dL/db

Least squares has a closed form (``numpy.linalg.lstsq``); gradient descent must reach
the same line. Full-batch steps (``batch_size=len(x)``) make it deterministic, so it
converges to that line exactly rather than jittering around it.

Run: ``python examples/linear_regression.py``
"""

from __future__ import annotations

import numpy as np

import glassnet as keras

TRUE_W, TRUE_B = 3.0, 2.0


def make_data(n: int = 200, noise: float = 0.5, seed: int = 0):
    """``x`` uniform on [-1, 1], ``y = 3x + 2 + noise``, as (n, 1) columns."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 1))
    y = TRUE_W * x + TRUE_B + rng.normal(0, noise, (n, 1))
    return x, y


def least_squares(x, y) -> tuple[float, float]:
    """The exact minimiser of the squared error: solve ``[x 1] · [w b]ᵀ ≈ y``."""
    A = np.hstack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(A, y[:, 0], rcond=None)
    return float(w), float(b)


def fit_line(x, y, epochs: int = 300, learning_rate: float = 0.1, seed: int = 0):
    """Train ``Sequential([Dense(1)])`` with loss 'mse' and SGD; return (w, b, model)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
    W, b = model.get_weights()
    return float(W[0, 0]), float(b[0]), model


def main() -> None:
    x, y = make_data()
    w, b, model = fit_line(x, y)
    w_ls, b_ls = least_squares(x, y)
    print(f"{'':16}{'w':>10}{'b':>10}")
    print(f"{'true':16}{TRUE_W:>10.4f}{TRUE_B:>10.4f}")
    print(f"{'least squares':16}{w_ls:>10.4f}{b_ls:>10.4f}")
    print(f"{'glassnet (SGD)':16}{w:>10.4f}{b:>10.4f}")
    print(f"final mse: {model.evaluate(x, y, verbose=0):.4f}")


if __name__ == "__main__":
    main()
