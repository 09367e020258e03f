"""Real Keras files, both ways: Keras 3's ``.keras`` archive and Keras's legacy HDF5 ``.h5``.

``model.save("m.keras")`` writes what Keras 3 writes, and ``load_model`` reads what Keras
wrote, so a model moves between glassnet and Keras (TensorFlow, JAX, PyTorch) unchanged.
Needs h5py (``pip install h5py``, or ``pip install ".[keras]"`` in the glassnet folder),
imported only here.
This module is the files and the weights' layout; ``keras_config`` translates the configs.

The ``.keras`` file (Keras 3's ``saving_lib``) is a zip archive of three members::

    config.json        {"class_name": "Sequential" | "Functional", "config": {...},
                        "compile_config": {...} or absent}
    metadata.json      {"keras_version": ..., "date_saved": ...}
    model.weights.h5   HDF5: one group per layer, its variables numbered in creation order
                       layers/dense/vars/0      Dense's kernel (n_in, units)
                       layers/dense/vars/1      Dense's bias (units,)
                       layers/dense_1/vars/...  the second Dense of model.layers
                       layers/sequential/layers/dense/vars/...   a nested model

The group names are *not* the layers' names: each is its class name in snake case
(``Conv2D`` -> ``conv2d``, ``BatchNormalization`` -> ``batch_normalization``), made unique
within its model by ``_1``, ``_2``, ... in the order of ``model.layers``. That order is
Keras's: a functional model sorts its layers by depth (the longest path to an output,
deepest first) and, at equal depth, by when a depth-first walk from the outputs first met
them (``keras_layers`` reproduces it). ``model.weights.h5`` is also the file
``save_weights("x.weights.h5")`` writes.

The legacy ``.h5`` (Keras 2's format, still read and written by Keras 3) is one HDF5
file: the attribute ``model_config`` (JSON), optionally ``training_config``, and a group
``model_weights`` with one subgroup per layer, named by the layer's name, whose
attribute ``weight_names`` lists its datasets (``dense/kernel``). Layers are matched by
order, as Keras does: the n-th layer with weights in the model takes the n-th layer with
weights in the file. ``save_weights("w.h5")`` writes the same layout at the file's root.

Safety. Loading never runs code from the file: layers are built by class name from
glassnet's own classes (or those you pass in ``custom_objects``); a ``Lambda`` layer,
whose function Keras stores as Python bytecode, is refused; nothing is unpickled.
Only regular files are opened; HDF5 soft and external links, external and virtual
datasets (which would make HDF5 read other files) are refused; every dataset's shape
and type are checked before its data is read, and the weights the config asks for are
counted against the numbers the file holds before they are allocated. Any problem with
a file raises ``ModelFileError``. Saving is atomic (``saving.write_atomic``).
"""

from __future__ import annotations

import io
import json
import math
import os
from typing import Any

import numpy as np

from .errors import ModelFileError
from .files import open_regular
from .i18n import _
from .keras_config import (
    compile_from_keras,
    glassnet_entry,
    is_model,
    is_sequential,
    keras_config,
    legacy_config,
    legacy_training_config,
    snake_case,
)

#: The Keras release whose file layout glassnet writes and was checked against.
KERAS_VERSION = "3.15.1"
MAX_CONFIG_BYTES = 64 << 20
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def h5py():
    """The ``h5py`` module, or an ImportError that says how to install it."""
    try:
        import h5py as module
    except ImportError:
        raise ImportError(_("Keras files (.keras, .h5) are HDF5 inside: reading and writing "
                            "them needs h5py. Install it with: pip install h5py   (or, in the "
                            "glassnet folder: pip install \".[keras]\")")) from None
    return module


def _bad(path, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


# -- which format a path means -------------------------------------------------------------
def file_format(path, save_format: str | None = None, weights: bool = False) -> str:
    """``"keras"`` (a ``.keras`` archive, or Keras 3's ``.weights.h5``), ``"h5"`` (Keras's
    legacy HDF5: ``.h5``, ``.hdf5`` or Keras 2's ``save_format="h5"``) or ``"glassnet"``."""
    name = os.fspath(path).lower()
    if save_format is not None:
        fmt = str(save_format).lower()
        if fmt in ("h5", "hdf5", "keras"):
            return "keras" if fmt == "keras" or name.endswith(".weights.h5") else "h5"
        if fmt == "tf" and weights:  # Keras 2's TensorFlow checkpoint: glassnet's weights
            return "glassnet"
        if fmt == "tf":
            raise ValueError(_("save_format='tf' (TensorFlow's SavedModel folder) is not "
                               "something glassnet writes: save to 'model.keras' (Keras "
                               "3's format) or 'model.h5' instead."))
        if fmt != "glassnet":
            raise ValueError(_("Unknown save_format {save_format!r}: use 'h5', 'keras' "
                               "or 'glassnet', or just a file name ending in .keras or "
                               ".h5.").format(save_format=save_format))
        return "glassnet"
    if name.endswith(".weights.h5") or (name.endswith(".keras") and not weights):
        return "keras"
    if name.endswith((".h5", ".hdf5")):
        return "h5"
    return "glassnet"


def sniff(path) -> str | None:
    """What a file holds, from its first bytes: ``"hdf5"``, ``"keras"`` (a zip archive with
    Keras's members), ``"zip"`` (another zip archive, e.g. a ``.glassnet`` file) or None."""
    import zipfile

    with open_regular(path, _("a model file"), ModelFileError) as f:
        head = f.read(8)
        if head == HDF5_SIGNATURE:
            return "hdf5"
        if head[:2] != b"PK":
            return None
        try:
            names = set(zipfile.ZipFile(f).namelist())
        except Exception:
            return None
    return "keras" if _WEIGHTS in names or _METADATA in names else "zip"


# -- Keras's names and order -------------------------------------------------------------
def keras_layers(model) -> list:
    """``model.layers`` in the order Keras gives them (``keras/src/ops/function.py``'s
    ``map_graph``): a Sequential's layers as added; a functional model's layers, inputs
    included, deepest first (depth: the most layers between a layer's call and an output),
    ties broken by the order in which a depth-first walk from the outputs meets them."""
    if is_sequential(model):
        return model.layers
    graph = model.graph
    given = {id(t) for t in graph.inputs}
    finished: set[int] = set()
    order: list = []  # nodes, each after the nodes it reads from
    first_seen: dict[int, int] = {}

    def visit(t) -> None:
        node = t.node
        if id(node) in finished:
            return
        if node.inputs and id(t) in given:  # an input made by a layer outside the model
            finished.add(id(node))
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        for parent in node.inputs:
            visit(parent)
        finished.add(id(node))
        order.append(node)

    for t in graph.outputs:
        visit(t)
    in_graph = {id(n) for n in order}
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers = {id(n.layer): n.layer for n in order}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for t in node.inputs:
            if id(t.node) in in_graph:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    for t in graph.inputs:  # an input no output depends on
        if id(t.node.layer) not in layers and not t.node.inputs:
            layers[id(t.node.layer)] = t.node.layer
            layer_depth[id(t.node.layer)], first_seen[id(t.node.layer)] = 0, -1
    return sorted(layers.values(), key=lambda la: (-layer_depth[id(la)], first_seen[id(la)]))


def weight_groups(model, prefix: str = "", seen: set | None = None) -> list[tuple[str, Any]]:
    """``(HDF5 group path, layer)`` for every layer of ``model`` (nested models opened up),
    as Keras 3 writes them: ``layers/<snake_case(class)>[_n]/vars``."""
    from .serialization import class_name

    seen = set() if seen is None else seen
    used: dict[str, int] = {}
    out = []
    for layer in keras_layers(model):
        key = snake_case(class_name(layer))
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        if id(layer) in seen:  # a layer shared by two models: saved once, as Keras does
            continue
        seen.add(id(layer))
        path = f"{prefix}layers/{key}"
        if is_model(layer):
            out += weight_groups(layer, path + "/", seen)
        else:  # "vars", or where the layer keeps them (an LSTM: "cell/vars")
            out += [(f"{path}/{sub}", leaf) for sub, leaf in layer.keras_weight_groups()]
    return out


def _legacy_weights(layer) -> list[tuple[Any, int, str]]:
    """``(leaf, index in leaf.weights, name)`` in Keras's legacy order for ``layer``:
    its trainable weights, then its non-trainable ones (a nested model: over its layers
    in Keras's order)."""
    leaves = [la for _, la in weight_groups(layer)] if is_model(layer) else layer.leaves()
    trainable, frozen = [], []
    for leaf in leaves:
        names = [*leaf.params, *leaf.state]
        n_params = len(leaf.params)
        for i, name in enumerate(names):
            wname = f"{leaf.name}/{name}" if leaf is layer else f"{layer.name}/{leaf.name}/{name}"
            (trainable if i < n_params and leaf.trainable else frozen).append((leaf, i, wname))
    return trainable + frozen


# -- HDF5, read with care ----------------------------------------------------------------
def _child(group, key: str, path, kind: str = "group"):
    """``group[key]`` if it is a hard link to a group (or dataset): a soft or external link
    would make HDF5 follow it, possibly into another file."""
    h5 = h5py()
    try:
        link = group.get(key, getlink=True)
    except Exception as err:
        raise _bad(path, _("the HDF5 entry {key!r} cannot be read ({err}).").format(
                               key=key, err=err)) from None
    if link is None:
        return None
    if not isinstance(link, h5.HardLink):
        raise _bad(path, _("the HDF5 entry {name}/{key} is a link to elsewhere ({kind}); "
                           "glassnet reads no links in weight files.").format(
                               name=group.name, key=key, kind=type(link).__name__))
    obj = group[key]
    want = h5.Group if kind == "group" else h5.Dataset
    if not isinstance(obj, want):
        raise _bad(path, _("the HDF5 entry {name} is not a {kind}.").format(
                               name=obj.name, kind=kind))
    return obj


def _group(root, path_in_file: str, path):
    group = root
    for part in path_in_file.strip("/").split("/"):
        group = _child(group, part, path)
        if group is None:
            return None
    return group


def _dataset(group, key: str, shape: tuple, path, what: str) -> np.ndarray:
    """A float array of exactly ``shape``: checked (type, shape, storage) before reading."""
    ds = _child(group, key, path, "dataset")
    if ds is None:
        raise _bad(path, _("{what}: the dataset {name}/{key} is missing.").format(
                               what=what, name=group.name, key=key))
    if ds.is_virtual or ds.external:
        raise _bad(path, _("{what}: the dataset {name} keeps its data in other files; "
                           "glassnet reads only data stored in the file itself.").format(
                               what=what, name=ds.name))
    if ds.dtype.kind not in "fiu" or ds.dtype.itemsize > 8:
        raise _bad(path, _("{what}: the dataset {name} holds {dtype} values, not numbers.").format(
                               what=what, name=ds.name, dtype=ds.dtype))
    if tuple(ds.shape) != tuple(shape):
        raise _bad(path, _("{what}: the file has shape {shape}, but the model's weight "
                           "has shape {shape2}. The file was saved from a model with "
                           "other layer sizes.").format(
                               what=what, shape=tuple(ds.shape), shape2=tuple(shape)))
    try:
        return np.asarray(ds[()])
    except Exception as err:
        raise _bad(path, _("{what}: the dataset {name} cannot be read ({err}); the file "
                           "is truncated or corrupted.").format(
                               what=what, name=ds.name, err=err)) from None


def _numbers_in(root, size: int) -> int:
    """How many numbers the file's datasets declare (no data is read), and at most one per
    2 bytes of the file (float16): the budget for the weights a config may create."""
    h5 = h5py()
    total = 0

    def count(name, obj):
        nonlocal total
        if isinstance(obj, h5.Dataset):
            total += math.prod(obj.shape or ())
    root.visititems(count)
    return min(total, size // 2)


def _open_h5(path):
    """An ``h5py.File`` over a regular file; closing it closes the file too."""
    h5 = h5py()
    f = open_regular(path, _("a Keras file"), ModelFileError)
    try:
        return _OwningFile(h5.File(f, "r"), f)
    except Exception as err:
        f.close()
        raise _bad(path, _("not a readable HDF5 file ({kind}: {err}); it may be "
                           "truncated or corrupted.").format(
                               kind=type(err).__name__, err=err)) from None


class _OwningFile:
    """An open HDF5 file and the file (or buffer) under it, closed together."""

    def __init__(self, h5file, raw) -> None:
        self.h5, self.raw = h5file, raw

    def __enter__(self):
        return self.h5

    def __exit__(self, *exc) -> None:
        try:
            self.h5.close()
        finally:
            self.raw.close()


def _attr_text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _attr_list(group, name: str) -> list[str]:
    """Keras's ``load_attributes_from_hdf5_group``: a list attribute, maybe in chunks."""
    if name in group.attrs:
        return [_attr_text(v) for v in np.atleast_1d(group.attrs[name])]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += [_attr_text(v) for v in np.atleast_1d(group.attrs[f"{name}{i}"])]
        i += 1
    return out


# -- reading weights -----------------------------------------------------------------------
def _read_keras_weights(model, root, path) -> list[tuple[Any, list[np.ndarray]]]:
    """Every layer's arrays from Keras 3's layout, all checked before any is written."""
    out = []
    for group_path, layer in weight_groups(model):
        own = layer.weights
        group = _group(root, group_path, path)
        keys = sorted(group.keys(), key=lambda k: (len(k), k)) if group is not None else []
        if hasattr(layer, "keras_arrays"):  # a preprocessing layer's named arrays (TF-IDF's
            keys = [k for k in keys if k.isdigit()]  # idf_weights): read with its assets
        if len(keys) != len(own):
            raise _bad(path, _("layer {name!r} ({kind}) has {n_own} weights, but the "
                               "file holds {n_keys} under {group_path}. The file was "
                               "saved from a different model.").format(
                                   name=layer.name, kind=type(layer).__name__, n_own=len(own),
                                   n_keys=len(keys), group_path=group_path))
        if keys != [str(i) for i in range(len(keys))]:
            raise _bad(path, _("{group_path} holds {keys}, not Keras's variables 0, 1, "
                               "...").format(group_path=group_path, keys=keys[:5]))
        what = f"layer {layer.name!r} weight"
        out.append((layer, [_dataset(group, k, w.shape, path, f"{what} {k}")
                            for k, w in zip(keys, own)]))
    return out


def _read_legacy_weights(model, group, path) -> list[tuple[Any, list[np.ndarray]]]:
    """Keras's legacy layout (``load_weights_from_hdf5_group``): matched by layer order."""
    mine = [la for la in keras_layers(model) if _legacy_weights(la)]
    names = [n for n in _attr_list(group, "layer_names")
             if (g := _child(group, n, path)) is not None and _attr_list(g, "weight_names")]
    if names != [la.name for la in mine] and sorted(names) == sorted(la.name for la in mine):
        # the same layers in another order (Keras lists a graph's layers by depth from the
        # output, glassnet depth-first: ResNet's shortcut convolutions): match by name
        by_name = {la.name: la for la in mine}
        mine = [by_name[n] for n in names]
    if len(names) != len(mine):
        raise _bad(path, _("the file holds weights for {n_names} layers ({names}), but "
                           "the model has {n_mine} layers with weights ({value}).").format(
                               n_names=len(names), names=names[:6], n_mine=len(mine),
                               value=[la.name for la in mine[:6]]))
    values: dict[int, tuple[Any, list]] = {}
    for layer, name in zip(mine, names):
        g = _child(group, name, path)
        wanted = _legacy_weights(layer)
        stored = _attr_list(g, "weight_names")
        if len(stored) != len(wanted):
            raise _bad(path, _("layer {name!r} has {n_wanted} weights, but the file's "
                               "layer {name2!r} holds {n_stored} ({stored}).").format(
                                   name=layer.name, n_wanted=len(wanted), name2=name,
                                   n_stored=len(stored), stored=stored[:4]))
        for (leaf, i, _role), wname in zip(wanted, stored):
            arrays = values.setdefault(id(leaf), (leaf, [None] * len(leaf.weights)))[1]
            folder, _slash, key = wname.rpartition("/")  # "dense/kernel:0" in the layer's group
            ds_group = _group(g, folder, path) if folder else g
            if ds_group is None:
                raise _bad(path, _("layer {name!r}: the dataset {wname} is missing.").format(
                                       name=name, wname=wname))
            arrays[i] = _dataset(ds_group, key, leaf.weights[i].shape, path,
                                 _("layer {layer!r} weight {weight!r}").format(
                                     layer=layer.name, weight=wname))
    return list(values.values())


def _assign(pairs) -> None:
    for layer, arrays in pairs:
        layer.set_weights(arrays)


def load_weights(model, path) -> None:
    """Read weights that Keras (or glassnet) wrote into the built ``model``: a
    ``.weights.h5`` (Keras 3), a legacy ``.h5`` (``save_weights`` of Keras 2, or a whole
    model saved as ``.h5``) or a ``.keras`` archive. Nothing is written unless every
    array fits."""
    if not model.built:
        raise ValueError(_("load_weights needs a built model: give the first layer "
                           "input_shape=, start with Input(shape=...), or call "
                           "model.build(...) first."))
    if sniff(path) == "keras":
        with _KerasArchive(path) as archive, archive.weights() as root:
            _assign(_guard(path, lambda: _read_keras_weights(model, root, path)))
        return
    with _open_h5(path) as root:
        _assign(_guard(path, lambda: _read_any_h5_weights(model, root, path)))


def _read_any_h5_weights(model, root, path):
    if "layers" in root or "vars" in root:  # Keras 3's .weights.h5
        return _read_keras_weights(model, root, path)
    group = _child(root, "model_weights", path) if "model_weights" in root else root
    if not _attr_list(group, "layer_names"):
        raise _bad(path, _("this HDF5 file holds no Keras weights (neither Keras 3's "
                           "layers/... groups nor Keras 2's layer_names)."))
    return _read_legacy_weights(model, group, path)


def _guard(path, read):
    """Run ``read``; any error but ours becomes a ModelFileError naming the file."""
    try:
        return read()
    except (ModelFileError, ImportError):
        raise
    except Exception as err:
        raise _bad(path, _("the file is invalid ({kind}: {err}).").format(
                               kind=type(err).__name__, err=err)) from None


# -- writing weights -----------------------------------------------------------------------
def _h5_bytes(fill) -> bytes:
    h5 = h5py()
    buf = io.BytesIO()
    with h5.File(buf, "w") as f:
        fill(f)
    return buf.getvalue()


def _fill_keras_weights(model, f) -> None:
    for group_path, layer in weight_groups(model):
        # Keras makes a group for every layer, with its name as an attribute
        group = f.require_group(group_path)
        group.attrs["name"] = layer.name
        for i, w in enumerate(layer.weights):
            group.create_dataset(str(i), data=np.asarray(w))
        if hasattr(layer, "keras_arrays"):  # TF-IDF's idf_weights, where Keras keeps them
            base = group_path.rsplit("/", 1)[0]
            for name, array in layer.keras_arrays().items():
                f.create_dataset(f"{base}/{name}", data=array)
    f.require_group("vars").attrs["name"] = model.name
    _fill_optimizer(model, f)


# -- the optimizer's state ---------------------------------------------------------------
#: How Keras lays out each optimizer's variables after ``iteration`` and ``learning_rate``
#: (glassnet's slot names): a tuple of slots is interleaved per variable (Adam: each
#: variable's momentum, then its velocity); successive tuples follow one another
#: (RMSprop: every velocity, then every momentum, then every average gradient).
KERAS_SLOTS = {"Adam": [("m", "v")], "AdamW": [("m", "v")], "SGD": [("velocity",)],
               "RMSprop": [("v",), ("momentum",), ("g_mean",)],
               "Adagrad": [("accumulator",)]}


def _optimizer_layout(model) -> list[tuple[str, slice, tuple]]:
    """``(glassnet slot, slice of θ, weight shape)`` in the order of Keras's optimizer
    variables 2, 3, ...: per trainable weight in Keras's order (``weight_groups``)."""
    opt = model.optimizer
    groups = [tuple(k for k in group if k in opt.slots)
              for group in KERAS_SLOTS.get(type(opt).__name__, [])]
    slices = model.bind().trainable_weights
    weights = [((leaf, name), leaf.params[name].shape) for _, leaf in weight_groups(model)
               for name in leaf.params if (leaf, name) in slices]
    return [(slot, slices[key], shape) for group in groups if group
            for key, shape in weights for slot in group]


def _fill_optimizer(model, f) -> None:
    opt = getattr(model, "optimizer", None)
    if opt is None or type(opt).__name__ not in KERAS_SLOTS:
        return
    group = f.create_group("optimizer/vars")
    group.attrs["name"] = snake_case(type(opt).__name__)
    group.create_dataset("0", data=np.int32(opt.iterations))
    first = _first_slot_var(opt)
    if first == 2:  # a learning-rate schedule has no variable
        group.create_dataset("1", data=np.float32(opt.learning_rate))
    if not all(k in opt.state for k in opt.slots):  # not trained yet: as Keras writes it
        return
    for i, (slot, sl, shape) in enumerate(_optimizer_layout(model), start=first):
        group.create_dataset(str(i), data=opt.state[slot][sl].reshape(shape))


def _first_slot_var(opt) -> int:
    """Keras's optimizer variables: ``iteration``, ``learning_rate`` unless it follows a
    schedule, then the slots."""
    return 1 if getattr(opt, "schedule", None) is not None else 2


def _read_optimizer(model, root, path) -> None:
    """Keras's optimizer variables into glassnet's optimizer (Adam's moments, the step
    count), when the file's layout is the one this model and optimizer have; otherwise
    the optimizer starts afresh, with a warning, as Keras does."""
    opt = model.optimizer
    group = _group(root, "optimizer/vars", path)
    if opt is None or group is None or not len(group):
        return
    layout = _optimizer_layout(model) if type(opt).__name__ in KERAS_SLOTS else None
    first = _first_slot_var(opt)
    if layout is None or len(group) not in (first, first + len(layout)) or not opt.slots:
        if len(group) > first:
            import warnings

            warnings.warn(_("{path}: the optimizer's state ({n_group} variables) does "
                            "not fit glassnet's {kind} for this model; it starts afresh.").format(
                                path=path, n_group=len(group), kind=type(opt).__name__),
                          stacklevel=4)
        return
    iterations = int(_dataset(group, "0", (), path, _("the optimizer's step count")))
    state = _("the optimizer's state")
    arrays = [_dataset(group, str(i), shape, path, state)
              for i, (_, _, shape) in enumerate(layout, start=first)] if len(group) > first \
        else []
    if arrays:
        opt.build(model.bind().trainable)
        for (slot, sl, _shape), a in zip(layout, arrays):
            opt.state[slot][sl] = a.ravel()
    opt.iterations = max(iterations, 0)
    if opt.schedule is not None:  # the rate of the next step, as Keras reports it
        opt.learning_rate = float(opt.schedule(opt.iterations))


def _fill_legacy_weights(model, group) -> None:
    layers = keras_layers(model)
    group.attrs["layer_names"] = [la.name.encode() for la in layers]
    group.attrs["backend"] = b"glassnet"
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    for layer in sorted(layers, key=lambda la: la.name):
        g = group.create_group(layer.name)
        wanted = _legacy_weights(layer)
        g.attrs["weight_names"] = np.array([n.encode() for _, _, n in wanted], dtype=object) \
            if wanted else np.array([], dtype=np.float64)
        for leaf, i, name in wanted:
            g.create_dataset(name, data=np.asarray(leaf.weights[i]))
    group.create_group("top_level_model_weights").attrs["weight_names"] = \
        np.array([], dtype=np.float64)


def save_weights(model, path, legacy: bool) -> None:
    """Write the weights as Keras 3's ``.weights.h5`` or (``legacy``) Keras 2's ``.h5``."""
    from .saving import write_atomic

    fill = _fill_legacy_weights if legacy else _fill_keras_weights
    data = _h5_bytes(lambda f: fill(model, f))
    write_atomic(path, lambda out: out.write(data))


def save_keras(model, path) -> None:
    """Write ``model`` as Keras 3's ``.keras`` archive (architecture, weights, compile)."""
    import datetime

    from . import __version__
    from .saving import write_atomic

    config = keras_config(model)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "saved_by": f"glassnet {__version__}"}
    weights = _h5_bytes(lambda f: _fill_keras_weights(model, f))
    members = {_METADATA: json.dumps(metadata).encode(), _CONFIG: json.dumps(config).encode(),
               _WEIGHTS: weights}

    def write(out) -> None:
        import zipfile

        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
    write_atomic(path, write)


def save_h5(model, path) -> None:
    """Write ``model`` as Keras's legacy whole-model ``.h5``."""
    from .saving import write_atomic

    def fill(f) -> None:
        f.attrs["backend"] = b"glassnet"
        f.attrs["keras_version"] = KERAS_VERSION.encode()
        f.attrs["model_config"] = json.dumps(legacy_config(model)).encode()
        training = legacy_training_config(model)
        if training is not None:
            f.attrs["training_config"] = json.dumps(training).encode()
        _fill_legacy_weights(model, f.create_group("model_weights"))

    data = _h5_bytes(fill)
    write_atomic(path, lambda out: out.write(data))


def _build(entry, path, custom_objects, budget: int):
    """Build a glassnet model from a Keras config entry, weights counted against ``budget``."""
    from . import serialization
    from .saving import WeightBudget

    try:
        spec = glassnet_entry(entry, custom_objects)
    except ValueError as err:
        raise _bad(path, str(err)) from None
    if spec["class_name"] not in ("Sequential", "Functional"):
        raise _bad(path, _("the file holds a {spec} layer, not a model.").format(
                               spec=spec['class_name']))
    watch = WeightBudget(budget, path)
    watched = []

    def on_layer(layer):
        watch.watch(layer)
        watched.append(layer)
    try:
        return serialization.build_layer(spec, custom_objects, on_layer)
    except ModelFileError:
        raise
    except (ValueError, TypeError, LookupError) as err:
        raise _bad(path, str(err)) from None
    finally:
        for layer in watched:
            watch.release(layer)


def _json(raw: bytes | str, path, what: str):
    from .saving import reject_constant

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        return json.loads(text, parse_constant=reject_constant)
    except Exception as err:
        raise _bad(path, _("{what} cannot be read ({kind}: {err}).").format(
                               what=what, kind=type(err).__name__, err=err)) from None


class _KerasArchive:
    """A ``.keras`` zip archive, its sizes checked before anything is read."""

    def __init__(self, path) -> None:
        import zipfile

        self.path = os.fspath(path)
        self.file = open_regular(self.path, _("a model file"), ModelFileError)
        try:
            size = os.fstat(self.file.fileno()).st_size
            self.zf = zipfile.ZipFile(self.file)
            infos = {}
            for info in self.zf.infolist():
                if info.filename in infos:
                    raise _bad(path, _("member {filename!r} appears twice.").format(
                                           filename=info.filename[:100]))
                infos[info.filename] = info
                # stored (Keras's way) or deflated to at most 100 times smaller: a member
                # never expands to more than 100 times the file (no zip bomb)
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or \
                        info.file_size > 100 * max(info.compress_size, 1) or \
                        info.compress_size > size:
                    raise _bad(path, _("member {filename!r} has an unusual compression "
                                       "or size: the file is corrupted or hostile.").format(
                                           filename=info.filename[:100]))
            for name in (_CONFIG, _WEIGHTS):
                if name not in infos:
                    raise _bad(path, _("there is no {name}: not a Keras .keras file.").format(
                                           name=name))
            if infos[_CONFIG].file_size > MAX_CONFIG_BYTES:
                raise _bad(path, _("config.json is {file_size} bytes, more than the "
                                   "{MAX_CONFIG_BYTES} a model description can need.").format(
                                       file_size=infos[_CONFIG].file_size,
                                       MAX_CONFIG_BYTES=MAX_CONFIG_BYTES))
            self.infos = infos
        except ModelFileError:
            self.file.close()
            raise
        except Exception as err:
            self.file.close()
            raise _bad(path, _("not a readable .keras archive ({kind}: {err}); it may be "
                               "truncated or corrupted.").format(
                                   kind=type(err).__name__, err=err)) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()

    def read(self, name: str) -> bytes:
        try:
            return self.zf.read(name)
        except Exception as err:
            raise _bad(self.path, _("{name} cannot be read ({kind}: {err}); the file is "
                                    "truncated or corrupted.").format(
                                        name=name, kind=type(err).__name__, err=err)) from None

    def config(self) -> dict:
        return _json(self.read(_CONFIG), self.path, "config.json")

    def weights(self):
        h5 = h5py()
        data = self.read(_WEIGHTS)
        try:
            buffer = io.BytesIO(data)
            return _OwningFile(h5.File(buffer, "r"), buffer)
        except Exception as err:
            raise _bad(self.path, _("model.weights.h5 is not a readable HDF5 file "
                                    "({kind}: {err}).").format(
                                        kind=type(err).__name__, err=err)) from None


def _read_keras_assets(model, archive, root) -> None:
    """An adapted vocabulary (``assets/<layer path>/vocabulary.txt``, one token a line) and
    the arrays Keras stores by name (``idf_weights``), given to each preprocessing layer's
    ``load_keras_assets``. Text and numbers only: nothing read here runs."""
    for group_path, layer in weight_groups(model):
        if not hasattr(layer, "load_keras_assets"):
            continue
        base = group_path.rsplit("/", 1)[0]
        member = f"assets/{base}/vocabulary.txt"
        lines = None
        if member in archive.infos:
            lines = archive.read(member).decode("utf-8").splitlines()
        group = _group(root, group_path, archive.path)
        arrays = {k: np.asarray(group[k]) for k in (group.keys() if group is not None else ())
                  if not k.isdigit()}
        try:
            layer.load_keras_assets(lines, arrays)
        except (ValueError, TypeError) as err:
            raise _bad(archive.path, _("layer {name!r} ({kind}): its vocabulary in {member} "
                                       "cannot be used ({err}).").format(
                                           name=layer.name, kind=type(layer).__name__,
                                           member=member, err=err)) from None


def _restoring_rng(load):
    """Run ``load`` with glassnet's random generator put back afterwards: building the layers
    draws initial weights that the file overwrites, and a seeded run must go on the same."""
    from . import random as grandom

    generator = grandom.rng()
    state = generator.bit_generator.state
    try:
        return load()
    finally:
        generator.bit_generator.state = state


def load_keras(path, custom_objects: dict | None = None, compile: bool = True):
    """Read a ``.keras`` archive that Keras 3 (or glassnet) wrote."""
    with _KerasArchive(path) as archive:
        config = archive.config()
        with archive.weights() as root:
            def load():
                budget = _numbers_in(root, archive.infos[_WEIGHTS].file_size)
                model = _build(config, path, custom_objects, budget)
                _assign(_read_keras_weights(model, root, path))
                _read_keras_assets(model, archive, root)
                return model
            model = _restoring_rng(lambda: _guard(path, load))
            if compile and isinstance(config.get("compile_config"), dict):
                compile_from_keras(model, config["compile_config"], path)
                _guard(path, lambda: _read_optimizer(model, root, path))
    return model


def load_h5(path, custom_objects: dict | None = None, compile: bool = True):
    """Read a legacy whole-model ``.h5`` that Keras (2 or 3) or glassnet wrote."""
    with _open_h5(path) as root:
        def load():
            if "model_config" not in root.attrs:
                raise _bad(path, _("this HDF5 file has no model_config: it holds only "
                                   "weights (save_weights). Build the model in code, "
                                   "then call model.load_weights(path)."))
            config = _json(root.attrs["model_config"], path, "model_config")
            training = (_json(root.attrs["training_config"], path, "training_config")
                        if "training_config" in root.attrs else None)
            weights = _child(root, "model_weights", path)
            if weights is None:
                raise _bad(path, _("there is no model_weights group: the file is "
                                   "incomplete."))
            model = _build(config, path, custom_objects, _numbers_in(root, os.path.getsize(path)))
            _assign(_read_legacy_weights(model, weights, path))
            return model, training
        model, training = _restoring_rng(lambda: _guard(path, load))
    if compile and isinstance(training, dict):
        compile_from_keras(model, training, path)
    return model
