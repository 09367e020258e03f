"""The ``.glassnet`` model file: a zip archive that never holds code.

Layout (format version 1)::

    model.glassnet              a zip archive (stored, not compressed)
    ├── config.json             {"format": "glassnet", "format_version": 1,
    │                            "model": {...layers and their arguments...},
    │                            "compile": {...optimizer, loss, metrics...} or null,
    │                            "weights": [{"shape": [...], "dtype": "float32"}, ...],
    │                            "optimizer_state": {"iterations": t, "slots": [...]}}
    ├── weights/0.npy ...       each weight, in model.get_weights() order
    └── optimizer/m.npy ...     optimizer state vectors (Adam's m and v, ...)

Arrays are read with ``numpy.load(allow_pickle=False)``, the JSON names layers
by class name, and only classes in ``LAYERS`` (or registered with
``register_layer``) can be built: opening a file never runs code from it.
The file is written to a temporary file beside the target and then moved over it
with ``os.replace``, so an interrupted save leaves the old file whole.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from . import layers as layers_module
from .errors import ModelFileError

FORMAT = "glassnet"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 1 << 20
LAYERS: dict[str, type] = {name: getattr(layers_module, name) for name in layers_module.__all__
                           if name not in ("Layer", "Input")}


def register_layer(cls: type, name: str | None = None) -> type:
    """Allow ``load_model`` to build a custom layer class, by name. Usable as a decorator."""
    LAYERS[name or cls.__name__] = cls
    return cls


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _write_atomic(path: str, members: dict[str, bytes]) -> None:
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".glassnet", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
                for name, data in members.items():
                    zf.writestr(name, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_model(model, path: str) -> None:
    """Write ``model`` (architecture, weights, compile settings, optimizer state) to ``path``."""
    weights = model.get_weights()
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.get_config(),
        "compile": None,
        "weights": [{"shape": list(w.shape), "dtype": str(w.dtype)} for w in weights],
        "optimizer_state": None,
    }
    members = {f"weights/{i}.npy": _npy_bytes(w) for i, w in enumerate(weights)}
    if model.optimizer is not None:
        config["compile"] = {
            "optimizer": model.optimizer.get_config(),
            "loss": model.loss.get_config(),
            "metrics": [m if isinstance(m, str) else m.name for m in model._metric_names],
        }
        slots = sorted(model.optimizer.state)
        config["optimizer_state"] = {"iterations": model.optimizer.iterations, "slots": slots}
        for slot in slots:
            members[f"optimizer/{slot}.npy"] = _npy_bytes(model.optimizer.state[slot])
    members = {"config.json": json.dumps(config, indent=1).encode(), **members}
    _write_atomic(path, members)


def save_weights(model, path: str) -> None:
    """Write only the weights (a zip of ``weights/i.npy``)."""
    weights = model.get_weights()
    members = {"config.json": json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION,
                                          "weights_only": True}).encode()}
    members.update({f"weights/{i}.npy": _npy_bytes(w) for i, w in enumerate(weights)})
    _write_atomic(path, members)


def _open(path: str) -> tuple[zipfile.ZipFile, dict]:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise ModelFileError(f"{path} is not a glassnet model file (not a readable zip archive: "
                             f"{err}). It may be truncated or corrupted.") from None
    try:
        info = zf.getinfo("config.json")
        if info.file_size > MAX_CONFIG_BYTES:
            raise ModelFileError(f"{path}: config.json is {info.file_size} bytes, too large.")
        config = json.loads(zf.read("config.json").decode("utf-8"))
    except ModelFileError:
        raise
    except KeyError:
        raise ModelFileError(f"{path} has no config.json: not a glassnet model file.") from None
    except Exception as err:  # bad CRC, bad JSON, bad UTF-8, truncated member ...
        raise ModelFileError(f"{path}: config.json cannot be read ({err}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a glassnet model file (format field missing).")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path} has format version {config.get('format_version')!r}; this "
                             f"glassnet reads version {FORMAT_VERSION}. Upgrade glassnet.")
    return zf, config


def _read_array(zf: zipfile.ZipFile, name: str, path: str, shape=None) -> np.ndarray:
    try:
        with zf.open(name) as f:
            array = np.load(io.BytesIO(f.read()), allow_pickle=False)
    except KeyError:
        raise ModelFileError(f"{path} lacks {name}.") from None
    except Exception as err:
        raise ModelFileError(f"{path}: {name} cannot be read ({err}).") from None
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise ModelFileError(f"{path}: {name} has shape {array.shape}, expected {tuple(shape)}.")
    if not np.issubdtype(array.dtype, np.floating):
        raise ModelFileError(f"{path}: {name} holds {array.dtype}, not floats.")
    return array


def _build_layer(entry, path: str, custom_objects: dict | None):
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError(f"{path}: a layer entry is malformed: {str(entry)[:200]}")
    name = entry.get("class_name")
    registry = {**LAYERS, **(custom_objects or {})}
    if not isinstance(name, str) or name not in registry:
        raise ModelFileError(
            f"{path} uses an unknown layer {name!r}. Known layers: {', '.join(sorted(LAYERS))}. "
            "For a custom layer, pass custom_objects={'Name': Class} or use register_layer."
        )
    try:
        return registry[name].from_config(dict(entry["config"]))
    except Exception as err:
        raise ModelFileError(f"{path}: layer {name} cannot be built from its config ({err}).") \
            from None


def load_model(path: str, custom_objects: dict | None = None, compile: bool = True):
    """Read a model written by ``model.save``. Raises ``ModelFileError`` for a bad file."""
    from .model import Sequential

    zf, config = _open(path)
    with zf:
        try:
            spec = config["model"]
            model = Sequential(name=str(spec.get("name", "sequential")))
            for entry in spec["layers"]:
                model.add(_build_layer(entry, path, custom_objects))
            if spec.get("input_shape") is not None and not model.built:
                model.build(tuple(spec["input_shape"]))
        except ModelFileError:
            raise
        except Exception as err:
            raise ModelFileError(f"{path}: the model description is invalid ({err}).") from None
        _load_weight_arrays(model, zf, config, path)
        if compile and config.get("compile"):
            c = config["compile"]
            try:
                model.compile(optimizer=c["optimizer"], loss=c["loss"], metrics=c["metrics"])
            except Exception as err:
                raise ModelFileError(f"{path}: the compile settings are invalid ({err}).") \
                    from None
            state = config.get("optimizer_state")
            if state and state.get("slots"):
                theta = model._theta[:model._n_trainable]
                model.optimizer.build(theta)
                for slot in state["slots"]:
                    if slot not in model.optimizer.state:
                        raise ModelFileError(f"{path}: unknown optimizer state {slot!r}.")
                    model.optimizer.state[slot][...] = _read_array(
                        zf, f"optimizer/{slot}.npy", path, theta.shape)
                model.optimizer.iterations = int(state["iterations"])
    return model


def _load_weight_arrays(model, zf, config, path) -> None:
    own = model.weights
    specs = config.get("weights")
    if not isinstance(specs, list) or len(specs) != len(own):
        raise ModelFileError(f"{path} lists {len(specs) if isinstance(specs, list) else '?'} "
                             f"weights, but its layers have {len(own)}.")
    arrays = [_read_array(zf, f"weights/{i}.npy", path, w.shape) for i, w in enumerate(own)]
    model.set_weights(arrays)


def load_weights(model, path: str) -> None:
    """Read weights saved by ``save_weights`` or ``save`` into an already built model."""
    zf, config = _open(path)
    with zf:
        own = model.weights
        arrays = [_read_array(zf, f"weights/{i}.npy", path, w.shape) for i, w in enumerate(own)]
        model.set_weights(arrays)
