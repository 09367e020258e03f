"""Every quick example in examples/ runs to the end as a user would run it: in a fresh
Python process, from the repository root, exit status 0.

The 5-epoch MNIST tutorial (first_neural_network.py) is left to tests/test_mnist.py, which
also checks its accuracy. Add any other slow example to SLOW with the test that covers it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW = {"first_neural_network.py": "tests/test_mnist.py",
        "mnist_cnn.py": "tests/test_mnist.py (5 epochs on full MNIST, with its accuracy)",
        "tune_hyperparameters.py": "a 12-fit grid search, ~90 s of CPU: not quick"}
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py") if p.name not in SLOW)


def test_examples_are_found():
    assert {"linear_regression.py", "logistic_regression.py"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs(name, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{name} printed nothing"
