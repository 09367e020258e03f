"""The README's table "what of Keras glassnet has" (English and Chinese) against the code.

Each row of the table, between the ``<!-- keras-table -->`` and ``<!-- /keras-table -->``
comments, is ``| `keras.X` | `Name`, `Name`, ... | `Missing`, ... |``: the second column must
list exactly what glassnet exports there (the rules are ``exported()`` below), and no name of
the third column (Keras names glassnet does not have yet) may exist in glassnet. So the table
cannot drift: adding a layer without listing it, or listing one that is gone, fails here.

To rewrite the rows after a change: ``PYTHONPATH=src python tests/test_keras_table.py``
prints them with the current exports (the "not yet" column is kept from README.md).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import glassnet
from glassnet import (
    activations,
    applications,
    backend,
    callbacks,
    constraints,
    dataset,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "README.zh-CN.md"]
START, END = "<!-- keras-table -->", "<!-- /keras-table -->"


def _classes(module, base, exclude=()) -> set[str]:
    """Public subclasses of ``base`` defined in ``module`` (with their aliases there)."""
    return {name for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, base) and not name.startswith("_")
            and obj.__module__.startswith("glassnet") and name not in exclude}


def _functions(module, exclude=()) -> set[str]:
    return {name for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
            and not name.startswith("_") and name not in exclude}


def exported() -> dict[str, set[str]]:
    """What each Keras module's row must list, read from the code."""
    return {
        "keras.layers": set(layers.__all__) - {"Layer", "serialize", "deserialize", *layers.OWN},
        "keras.activations": set(activations.ALL) | set(activations.ALIASES),
        "keras.losses": (_classes(losses, losses.Loss, {"Loss", "ElementwiseLoss"})
                         | {f.__name__ for f in losses.FUNCTIONS}),
        "keras.metrics": (_classes(metrics, metrics.Metric, {"Metric", "MeanMetricWrapper"})
                          | _functions(metrics, {"get"})),
        "keras.optimizers": {cls.__name__ for cls in optimizers.ALL.values()},
        "keras.optimizers.schedules": set(optimizers.schedules.ALL),
        "keras.callbacks": _classes(callbacks, callbacks.Callback),
        "keras.initializers": set(initializers.ALL),
        "keras.regularizers": set(regularizers.ALL),
        "keras.constraints": set(constraints.ALL),
        "keras.datasets": set(datasets.__all__),
        "keras.applications": set(applications.__all__),
        "keras.utils": set(utils.__all__),
        "keras.models": set(models.__all__),
        "keras.preprocessing": {f"{sub}.{name}" for sub in preprocessing.__all__
                                for name in getattr(preprocessing, sub).__all__},
        "keras.backend": (_functions(backend, {"snake_case", "unique_name"}) | set(backend.OPS)
                          | set(backend.RANDOM)),
        "tf.data": {"Dataset", "AUTOTUNE", "TextLineDataset"} | {
            f"Dataset.{name}" for name, _ in inspect.getmembers(dataset.Dataset)
            if not name.startswith("_")},
    }


def _order(name: str) -> tuple[str, str]:
    return name.lower(), name


def _module(key: str):
    """The glassnet object behind a row's ``keras.X`` / ``tf.X`` name."""
    obj = glassnet
    for part in key.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _has(module, dotted: str) -> bool:
    obj = module
    for part in dotted.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def read_table(doc: str) -> dict[str, tuple[list[str], list[str]]]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, f"{doc}: table markers missing"
    body = text.split(START, 1)[1].split(END, 1)[0]
    rows = {}
    for line in body.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = re.fullmatch(r"`([\w.]+)`", cells[0])
        if key is None:  # the header and the |---| line
            continue
        names = [re.findall(r"`([\w.]+)`", c) for c in cells[1:3]]
        assert key.group(1) not in rows, f"{doc}: row {key.group(1)} twice"
        rows[key.group(1)] = (names[0], names[1])
    return rows


@pytest.mark.parametrize("doc", DOCS)
def test_table_lists_exactly_what_the_code_exports(doc):
    rows = read_table(doc)
    code = exported()
    assert sorted(rows) == sorted(code), f"{doc}: rows differ from the modules checked"
    for key, expected in code.items():
        listed = rows[key][0]
        assert len(listed) == len(set(listed)), f"{doc}: {key} lists a name twice"
        missing, extra = sorted(expected - set(listed)), sorted(set(listed) - expected)
        assert not missing and not extra, (
            f"{doc}, row {key}: not listed but exported: {missing}; listed but not exported: "
            f"{extra}. Rewrite the row (see this file's docstring).")
        assert listed == sorted(listed, key=_order), f"{doc}: {key} is not in order"
        module = _module(key)
        for name in listed:
            assert _has(module, name), f"{doc}: {key}.{name} does not exist"


@pytest.mark.parametrize("doc", DOCS)
def test_not_yet_column_names_what_glassnet_lacks(doc):
    for key, (_, lacking) in read_table(doc).items():
        module = _module(key)
        for name in lacking:
            assert not _has(module, name), (
                f"{doc}: {key}.{name} is listed as missing but glassnet has it now: move it "
                f"to the second column.")


def test_english_and_chinese_tables_agree():
    assert read_table("README.md") == read_table("README.zh-CN.md")


def test_the_check_fails_on_drift(monkeypatch):
    """A layer exported but not listed, and a listed name that disappears, both fail."""
    monkeypatch.setattr(layers, "__all__", [*layers.__all__, "GroupNormalization"])
    with pytest.raises(AssertionError, match="GroupNormalization"):
        test_table_lists_exactly_what_the_code_exports("README.md")
    monkeypatch.undo()
    monkeypatch.delattr(layers, "RepeatVector")
    monkeypatch.setattr(layers, "__all__", [n for n in layers.__all__ if n != "RepeatVector"])
    with pytest.raises(AssertionError, match="RepeatVector"):
        test_table_lists_exactly_what_the_code_exports("README.md")


def render() -> str:
    lacking = {key: miss for key, (_, miss) in read_table("README.md").items()}
    lines = []
    for key, names in exported().items():
        has = ", ".join(f"`{n}`" for n in sorted(names, key=_order))
        miss = ", ".join(f"`{n}`" for n in lacking.get(key, []))
        lines.append(f"| `{key}` | {has} | {miss} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
