"""``tf.train.Checkpoint`` and ``CheckpointManager``: save and restore the variables of
objects by the names of the attributes that lead to them (TensorFlow's object graph).

    ckpt = tf.train.Checkpoint(step=tf.Variable(1), net=net)
    manager = tf.train.CheckpointManager(ckpt, "./tf_ckpts", max_to_keep=3)
    path = manager.save()                     # ./tf_ckpts/ckpt-1
    ckpt.restore(manager.latest_checkpoint)   # the values come back into the variables

Each variable is stored under its path from the checkpoint, as TensorFlow names it:
``net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE`` for ``ckpt.net.l1.kernel``. The path of a
sub-object is the attribute that holds it (a list item's index, a dict's key); the layers
of a Sequential or functional model are ``layer_with_weights-0``, ``layer_with_weights-1``...
A checkpoint is one NumPy ``.npz`` file, ``PREFIX.index`` (TensorFlow writes ``.index``
and ``.data-*`` files; glassnet reads only its own). The basics only: the optimizer's
slots, dataset iterators and restoring into variables created later (TensorFlow's
deferred restoration) are not saved or done.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .i18n import _
from .tensor import Variable

_VALUE = ".ATTRIBUTES/VARIABLE_VALUE"
_STATE_FILE = "checkpoint"  # the directory's list of checkpoints, TensorFlow's text format


def _children(obj: Any) -> dict[str, Any]:
    """The named sub-objects of ``obj`` that can hold variables."""
    from .layers.base import Layer
    from .model import Model
    from .module import Module

    if isinstance(obj, Checkpoint):
        return dict(obj.tracked)
    if isinstance(obj, dict):
        return {str(k): v for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return {str(i): v for i, v in enumerate(obj)}
    if isinstance(obj, Model) and not obj.tracks_sublayers:  # Sequential, functional
        with_weights = [layer for layer in obj.layers if layer.weights]
        return {f"layer_with_weights-{i}": layer for i, layer in enumerate(with_weights)}
    if isinstance(obj, Layer) and not obj.tracks_sublayers:  # a built-in layer
        own = {k: obj.variable(k) for k in [*obj.params, *obj.state]}
        if own or obj.leaves() == [obj]:
            return own
        # its weights are its parts' (MultiHeadAttention's four projections): by attribute
        return {k: v for k, v in vars(obj).items() if isinstance(v, Layer) and v.weights}
    if isinstance(obj, (Layer, Module)):
        out = {k: v for k, v in vars(obj).items() if not k.startswith("_") and _holds(v)}
        if isinstance(obj, Layer):  # add_weight's variables, by their key
            out.update({k: obj.variable(k) for k in [*obj.params, *obj.state] if k not in out})
        return out
    return {}


def _holds(value: Any) -> bool:
    """Whether ``value`` is (or contains) something a checkpoint tracks."""
    from .layers.base import Layer
    from .module import Module

    if isinstance(value, (Variable, Layer, Module, Checkpoint)):
        return True
    if isinstance(value, dict):
        return any(_holds(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds(v) for v in value)
    return False


def _variables(obj: Any, prefix: str = "", seen: set | None = None,
               unbuilt: dict | None = None) -> dict[str, Variable]:
    """``{path: variable}`` for every variable reachable from ``obj`` (each object once);
    layers not built yet (no weights yet) go into ``unbuilt`` as ``{path: layer}``."""
    from .layers.base import Layer

    seen = set() if seen is None else seen
    out: dict[str, Variable] = {}
    for name, child in _children(obj).items():
        path = f"{prefix}{name}"
        if isinstance(child, Variable):
            out[f"{path}/{_VALUE}"] = child
        elif id(child) not in seen:
            seen.add(id(child))
            if unbuilt is not None and isinstance(child, Layer) and not child.built:
                unbuilt[path] = child
            out.update(_variables(child, path + "/", seen, unbuilt))
    return out


class CheckpointLoadStatus:
    """What ``restore`` matched: ``assert_consumed`` fails unless every saved value found a
    variable and every variable a saved value."""

    def __init__(self, unused: list[str], missing: list[str]) -> None:
        self.unused, self.missing = unused, missing

    def assert_consumed(self) -> CheckpointLoadStatus:
        if self.unused or self.missing:
            raise AssertionError(_("The checkpoint and the objects do not match: saved values "
                                   "with no variable {unused}; variables with no saved value "
                                   "{missing}.").format(unused=self.unused,
                                                        missing=self.missing))
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        if self.missing:
            raise AssertionError(_("Variables with no saved value in the checkpoint: "
                                   "{missing}.").format(missing=self.missing))
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        return self

    def run_restore_ops(self, session=None) -> None:
        """Nothing to run: glassnet restores at once."""


class Checkpoint:
    """``tf.train.Checkpoint(**objects)``: the variables of ``objects`` (and of the
    attributes set on it later), saved with ``save``/``write`` and put back with
    ``restore``. ``save_counter`` counts the saves and is saved too."""

    def __init__(self, root=None, **kwargs) -> None:
        vars(self)["tracked"] = {}
        if root is not None:
            kwargs = {**_children(root), **kwargs}
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        if type(value) is list:  # appending to it later restores the new item too
            value = _TrackedList(value, self, name)
        self.tracked[name] = value
        self.restore_late(name, value)

    def restore_late(self, path: str, value) -> None:
        """After ``restore``, an object attached later (at ``path``) gets its saved values
        at once (TensorFlow's deferred restoration)."""
        saved = vars(self).get("restored")
        if not saved:
            return
        if isinstance(value, Variable):
            key = f"{path}/{_VALUE}"
            if key in saved:
                value.assign(saved[key])
            return
        for key, variable in _variables(value, path + "/").items():
            if key in saved:
                variable.assign(saved[key])

    def __getattr__(self, name: str):
        try:
            return vars(self)["tracked"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def save_counter(self) -> Variable:
        """How many times ``save`` ran (made on first use, so that a checkpoint nested in
        another saves no counter of its own, as in TensorFlow)."""
        if "save_counter" not in self.tracked:
            self.tracked["save_counter"] = Variable(np.int64(0), trainable=False)
        return self.tracked["save_counter"]

    def write(self, file_prefix: str, options=None) -> str:
        """Write the variables to ``file_prefix`` (no counter); returns the path."""
        path = os.fspath(file_prefix)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        arrays = {key: np.asarray(v.numpy()) for key, v in _variables(self).items()}
        with open(path + ".index", "wb") as f:
            np.savez(f, **arrays)
        return path

    def save(self, file_prefix: str, options=None) -> str:
        """``save_counter += 1``, then write ``file_prefix-<save_counter>`` and list it in
        the directory's ``checkpoint`` file (for ``latest_checkpoint``)."""
        self.save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        _record(os.path.dirname(path) or ".", path, None)
        return path

    def read(self, save_path: str, options=None) -> CheckpointLoadStatus:
        return self.restore(save_path)

    def restore(self, save_path: str | None, options=None) -> CheckpointLoadStatus:
        """Put the saved values back into the variables of the same paths (``save_path``
        None, as from an empty directory's ``latest_checkpoint``: nothing to restore)."""
        self.save_counter  # noqa: B018 (made now, so that it is restored too)
        unbuilt: dict[str, Any] = {}
        targets = _variables(self, unbuilt=unbuilt)
        if save_path is None:
            return CheckpointLoadStatus([], sorted(targets))
        saved = _read(save_path)
        _remember(self, saved)
        for key, variable in targets.items():
            if key in saved:
                variable.assign(saved[key])
        used = set(targets)
        for path, layer in unbuilt.items():  # their weights get the values when built
            head, tail = path + "/", "/" + _VALUE
            own = {k[len(head):-len(tail)]: v for k, v in saved.items()
                   if k.startswith(head) and k.endswith(tail)}
            own = {k: v for k, v in own.items() if "/" not in k}  # its own weights only
            if own:
                layer.restore_on_build(own)
                used.update(head + k + tail for k in own)
        counter = f"save_counter/{_VALUE}"  # a file from write() has none: not missing
        return CheckpointLoadStatus(sorted(set(saved) - used),
                                    sorted(set(targets) - set(saved) - {counter}))


def _remember(checkpoint: Checkpoint, saved: dict[str, np.ndarray]) -> None:
    """Keep the restored values on ``checkpoint`` and on the checkpoints inside it (each
    with the keys below its own path), for objects attached to them later."""
    vars(checkpoint)["restored"] = saved
    for name, child in checkpoint.tracked.items():
        if isinstance(child, Checkpoint):
            head = name + "/"
            _remember(child, {k[len(head):]: v for k, v in saved.items() if k.startswith(head)})


class _TrackedList(list):
    """A list attribute of a ``Checkpoint``: items appended after a ``restore`` get their
    saved values (TensorFlow's ``ListWrapper``)."""

    def __init__(self, items, owner: Checkpoint, name: str) -> None:
        super().__init__(items)
        self.owner, self.name = owner, name

    def append(self, value) -> None:
        super().append(value)
        self.owner.restore_late(f"{self.name}/{len(self) - 1}", value)


def _read(save_path: str) -> dict[str, np.ndarray]:
    path = os.fspath(save_path)
    if os.path.isdir(path):
        path = latest_checkpoint(path) or path
    file = path if path.endswith(".index") else path + ".index"
    if not os.path.exists(file):
        raise FileNotFoundError(_("No checkpoint at {path!r} (looked for {file!r}). Pass the "
                                  "path that save() returned, or "
                                  "tf.train.latest_checkpoint(directory).").format(
                                      path=save_path, file=file))
    with np.load(file, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _record(directory: str, latest: str, all_paths: list[str] | None) -> None:
    """Write the directory's ``checkpoint`` file: the latest path and the kept ones."""
    state = os.path.join(directory, _STATE_FILE)
    paths = all_paths if all_paths is not None else [
        p for p in _listed(directory) if p != latest] + [latest]
    with open(state, "w", encoding="utf-8") as f:
        f.write(f'model_checkpoint_path: "{os.path.basename(latest)}"\n')
        for p in paths:
            f.write(f'all_model_checkpoint_paths: "{os.path.basename(p)}"\n')


def _listed(directory: str) -> list[str]:
    state = os.path.join(directory, _STATE_FILE)
    if not os.path.exists(state):
        return []
    with open(state, encoding="utf-8") as f:
        names = [line.split('"')[1] for line in f if line.startswith("all_model_checkpoint")]
    return [os.path.join(directory, n) for n in names]


def latest_checkpoint(checkpoint_dir: str, latest_filename=None) -> str | None:
    """The path of the newest checkpoint saved in ``checkpoint_dir``, or None.

    The one a ``CheckpointManager`` (or ``Checkpoint.save``) recorded in the folder's state
    file; without one, the weights file saved last (by modification time, then name), for
    ``model.load_weights``: ``ModelCheckpoint("./training_checkpoints/ckpt_{epoch}",
    save_weights_only=True)`` writes ``ckpt_1``, ``ckpt_2``, ... Hidden files (a save in
    progress, ``.tmp-glassnet-...``) do not count.
    """
    folder = os.fspath(checkpoint_dir)
    if not os.path.isdir(folder):
        return None
    state = os.path.join(folder, latest_filename or _STATE_FILE)
    if os.path.exists(state):
        with open(state, encoding="utf-8") as f:
            for line in f:
                if line.startswith("model_checkpoint_path"):
                    return os.path.join(folder, line.split('"')[1])
        return None
    files = [entry for entry in os.scandir(folder)
             if entry.is_file() and not entry.name.startswith(".")]
    if not files:
        return None
    newest = max(files, key=lambda e: (e.stat().st_mtime_ns, e.name))
    return os.path.join(folder, newest.name)


class CheckpointManager:
    """``CheckpointManager(checkpoint, directory, max_to_keep=5)``: ``save()`` writes
    ``directory/ckpt-<n>`` and deletes the oldest beyond ``max_to_keep``."""

    def __init__(self, checkpoint: Checkpoint, directory: str, max_to_keep: int | None = 5,
                 keep_checkpoint_every_n_hours=None, checkpoint_name: str = "ckpt",
                 step_counter=None, checkpoint_interval=None, init_fn=None) -> None:
        self.checkpoint = checkpoint
        self.directory = os.fspath(directory)
        self.max_to_keep = max_to_keep
        self.prefix = os.path.join(self.directory, checkpoint_name)
        self.checkpoints = [p for p in _listed(self.directory) if os.path.exists(p + ".index")]

    @property
    def latest_checkpoint(self) -> str | None:
        return self.checkpoints[-1] if self.checkpoints else None

    def restore_or_initialize(self) -> str | None:
        if self.latest_checkpoint is not None:
            self.checkpoint.restore(self.latest_checkpoint)
        return self.latest_checkpoint

    def save(self, checkpoint_number=None, check_interval: bool = True, options=None) -> str:
        counter = self.checkpoint.save_counter
        counter.assign_add(1)
        number = int(counter.numpy()) if checkpoint_number is None else int(checkpoint_number)
        path = self.checkpoint.write(f"{self.prefix}-{number}")
        self.checkpoints = [p for p in self.checkpoints if p != path] + [path]
        if self.max_to_keep is not None:
            while len(self.checkpoints) > self.max_to_keep:
                old = self.checkpoints.pop(0)
                if os.path.exists(old + ".index"):
                    os.remove(old + ".index")
        _record(self.directory, path, self.checkpoints)
        return path


class CheckpointReader:
    """``tf.train.load_checkpoint(path)``: the saved values by key."""

    def __init__(self, save_path: str) -> None:
        self.values = _read(save_path)

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {k: list(v.shape) for k, v in self.values.items()}

    def get_variable_to_dtype_map(self) -> dict[str, np.dtype]:
        return {k: v.dtype for k, v in self.values.items()}

    def get_tensor(self, key: str) -> np.ndarray:
        return self.values[key]

    def has_tensor(self, key: str) -> bool:
        return key in self.values


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    return CheckpointReader(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """``(key, shape)`` of every saved value, sorted by key."""
    return sorted(CheckpointReader(ckpt_dir_or_file).get_variable_to_shape_map().items())
