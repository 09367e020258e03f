"""Shared fixtures. Keep this small: other test files add fixtures with targeted edits."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet

# Messages in English whatever the machine's locale (tests/test_i18n.py switches it per test).
os.environ["GLASSNET_LANG"] = "en"


@pytest.fixture
def float64():
    """Compute in float64 for finite-difference gradient checks; restore float32 after."""
    glassnet.backend.set_floatx("float64")
    try:
        yield np.float64
    finally:
        glassnet.backend.set_floatx("float32")


@pytest.fixture
def seed():
    """Seed glassnet (weights, shuffling, dropout) and return a NumPy generator for test data."""
    glassnet.utils.set_random_seed(1234)
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def photo_accuracy():
    """docs/photo_accuracy.py, the script the docs tell users to run, as a module (its
    ``PHOTOS``, ``quick_model`` and ``accuracy``)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "photo_accuracy.py"
    spec = importlib.util.spec_from_file_location("photo_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
