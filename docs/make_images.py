"""Draw every glassnet activation function and its derivative into docs/images/.

    python docs/make_images.py

The curves come from glassnet itself: ``f(z)`` is ``activation.forward(z)`` and
``f'(z)`` is ``activation.backward(z, a, 1)``, the very code that backpropagation
runs. Softmax works on a whole vector, so it gets its own picture: three scores
``z = [t, 1, 0]`` turned into three probabilities as ``t`` moves.
Needs matplotlib (``pip install "glassnet[plot]"``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet

OUT = Path(__file__).resolve().parent / "images"

FORMULAS = {
    "linear": "f(z) = z",
    "relu": "f(z) = max(z, 0)",
    "sigmoid": "f(z) = 1 / (1 + e^-z)",
    "tanh": "f(z) = tanh(z)",
    "leaky_relu": "f(z) = z if z > 0 else 0.2 z",
    "elu": "f(z) = z if z > 0 else e^z - 1",
    "gelu": "f(z) = z * Phi(z)",
    "softplus": "f(z) = log(1 + e^z)",
    "swish": "f(z) = z * sigmoid(z)",
}


def plot_elementwise(plt, name: str) -> Path:
    """One activation ``f`` and its derivative ``f'`` on z in [-5, 5]."""
    act = glassnet.activations.get(name)
    z = np.linspace(-5, 5, 401).astype(np.float64)
    a = act.forward(z)
    da = act.backward(z, a, np.ones_like(z))  # dL/da = 1, so dL/dz = f'(z)
    fig, ax = plt.subplots(figsize=(4.8, 3.4), dpi=100)
    ax.axhline(0, color="#999999", lw=0.8)
    ax.axvline(0, color="#999999", lw=0.8)
    ax.plot(z, a, color="#1f5fbf", lw=2.2, label="f(z)")
    ax.plot(z, da, color="#d9652b", lw=1.6, ls="--", label="f'(z)")
    ax.set_title(f"{name}:  {FORMULAS[name]}", fontsize=10)
    ax.set_xlabel("z (the neuron's weighted sum)")
    ax.set_xlim(-5, 5)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    path = OUT / f"activation_{name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_softmax(plt) -> Path:
    """softmax([t, 1, 0]) as t goes from -5 to 5: three probabilities that sum to 1."""
    t = np.linspace(-5, 5, 401)
    z = np.stack([t, np.ones_like(t), np.zeros_like(t)], axis=1)
    p = glassnet.activations.softmax(z)
    fig, ax = plt.subplots(figsize=(4.8, 3.4), dpi=100)
    for i, (label, color) in enumerate([("p0 (score z0 = t)", "#1f5fbf"),
                                        ("p1 (score z1 = 1)", "#d9652b"),
                                        ("p2 (score z2 = 0)", "#3a9a4a")]):
        ax.plot(t, p[:, i], color=color, lw=2, label=label)
    ax.plot(t, p.sum(axis=1), color="#777777", lw=1, ls=":", label="p0 + p1 + p2 = 1")
    ax.set_title("softmax:  p_i = e^(z_i) / sum_j e^(z_j)", fontsize=10)
    ax.set_xlabel("t, the score of class 0")
    ax.set_ylim(-0.05, 1.1)
    ax.set_xlim(-5, 5)
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    path = OUT / "activation_softmax.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    paths = [plot_elementwise(plt, name) for name in FORMULAS]
    paths.append(plot_softmax(plt))
    for path in paths:
        print(path.relative_to(OUT.parent.parent))


if __name__ == "__main__":
    main()
