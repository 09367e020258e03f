"""Section 4.2 of the tutorial: logistic regression ``P(y=1|x) = 1/(1 + e^-(wx+b))``.

A ``Dense(1, activation="sigmoid")`` layer computes exactly that probability, and
``binary_crossentropy`` is the negative log-likelihood that logistic regression
minimises. Its gradient with respect to ``z = wx + b`` is simply ``p - y`` (per sample,
averaged), so gradient descent is

    w ← w - η·mean((p - y)·x),   b ← b - η·mean(p - y).

scikit-learn's unpenalised ``LogisticRegression`` finds the same maximum-likelihood
coefficients by a quasi-Newton method; the two must agree. The classes are separable
enough to learn (about 80% accuracy, the best possible for labels drawn this way) but
overlap, so the maximum-likelihood coefficients are finite.

Run: ``python examples/logistic_regression.py`` (the comparison needs scikit-learn).
"""

from __future__ import annotations

import numpy as np

import glassnet as keras

TRUE_W, TRUE_B = np.array([2.0, -1.5]), 0.5


def make_data(n: int = 1000, seed: int = 0):
    """Two features ~ N(0, 1); labels drawn from ``sigmoid(x·w + b)`` with the true w, b."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2))
    p = 1 / (1 + np.exp(-(x @ TRUE_W + TRUE_B)))
    y = (rng.random(n) < p).astype(np.float64)
    return x, y


def fit_logistic(x, y, epochs: int = 400, learning_rate: float = 2.0, seed: int = 0):
    """Train ``Dense(1, activation='sigmoid')`` on binary cross-entropy with full-batch
    gradient descent; return (w, b, model)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
    W, b = model.get_weights()
    return W[:, 0].astype(np.float64), float(b[0]), model


def sklearn_logistic(x, y):
    """scikit-learn's unpenalised maximum-likelihood fit (C=inf is the no-penalty form
    since scikit-learn 1.8; penalty=None before)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x, y)
    return clf.coef_[0], float(clf.intercept_[0])


def main() -> None:
    x, y = make_data()
    w, b, model = fit_logistic(x, y)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    print(f"{'':18}{'w1':>9}{'w2':>9}{'b':>9}")
    print(f"{'true':18}{TRUE_W[0]:>9.4f}{TRUE_W[1]:>9.4f}{TRUE_B:>9.4f}")
    try:
        w_sk, b_sk = sklearn_logistic(x, y)
        print(f"{'scikit-learn':18}{w_sk[0]:>9.4f}{w_sk[1]:>9.4f}{b_sk:>9.4f}")
    except ImportError:
        print("(scikit-learn is not installed: pip install scikit-learn to compare)")
    print(f"{'glassnet (SGD)':18}{w[0]:>9.4f}{w[1]:>9.4f}{b:>9.4f}")
    print(f"binary cross-entropy {loss:.4f}, accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
