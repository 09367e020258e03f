"""The ``.glassnet`` model file: a zip archive that never holds code.

Layout (format version 1; the full specification is docs/model-format.md)::

    model.glassnet              a zip archive, every member stored (not compressed)
    ├── config.json             {"format": "glassnet", "format_version": 1,
    │                            "model": {"name", "input_shape",
    │                                      "layers": [{"class_name", "config"}, ...]},
    │                            "compile": {"optimizer": {...}, "loss": {...},
    │                                        "metrics": [...]} or null,
    │                            "weights": [{"shape": [...], "dtype": "float32"}, ...],
    │                            "optimizer_state": {"iterations": t,
    │                                                "slots": ["m", "v"]} or null}
    ├── weights/0.npy ...       each weight, in model.get_weights() order
    └── optimizer/m.npy ...     optimizer state vectors (Adam's m and v, ...), each as
                                long as the model's trainable weights laid end to end

Safety. Only a regular file is opened (a device such as ``/dev/zero``, a FIFO or a
socket, also behind a symlink, is refused before anything is read, without
blocking). Arrays are ``.npy`` files whose header is parsed with NumPy's safe
parser and checked (float dtype, exactly the shape the model expects) before any
data is read; nothing is ever unpickled. The JSON names layers by class name, and
only classes in ``LAYERS`` (the built-in layers and those added with
``register_layer``) or passed in ``custom_objects`` are built: opening a file never
runs code from it. Sizes are checked before reading: each member name appears
once, members must be stored (so a member can be no larger than the file: no zip
bombs) and together no larger than the file, config.json is at most
``MAX_CONFIG_BYTES``, and while the layers are built every weight they create is
counted against what the file's weight members hold, so loading never allocates
much more than the file's size. Any problem with the file -- truncated,
corrupted, hostile, wrong shapes, unknown layer names, a config naming a Python
object -- raises ``ModelFileError`` and no other exception type (a missing file
raises ``FileNotFoundError``, a folder ``IsADirectoryError``).

Atomic saving. The file is written to a temporary file beside the target
(``.tmp-glassnet-<host>-<pid>-<random>.glassnet``, created with mode 0666 so the
kernel applies the umask: no process-wide state is changed), flushed to disk,
then moved over it with ``os.replace``, so an interrupted save leaves the old file
whole. An exception or Ctrl-C removes the temporary file; a process killed
outright (``kill -9``, a power cut) cannot, and the next save into the same folder
removes it once its writer is dead and it is 10 minutes old
(``remove_stale_temp_files``).
"""

from __future__ import annotations

import errno
import io
import math
import os
import re
import stat
import warnings
import zipfile

import numpy as np

from . import random as grandom
from . import saved_model, serialization
from .custom_objects import (  # noqa: F401 - keras.saving's API (Keras 3)
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)
from .errors import ModelFileError, ModelNotFoundError
from .files import kind, open_regular
from .i18n import _
from .serialization import LAYERS, register_layer  # noqa: F401 - glassnet.saving's API

FORMAT = "glassnet"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 1 << 20
MAX_NPY_HEADER_BYTES = 1 << 16  # np.save writes about 128 bytes
def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # reshape: ascontiguousarray makes a 0-d weight (Normalization's count) 1-d
    np.save(buf, np.ascontiguousarray(array).reshape(np.shape(array)), allow_pickle=False)
    return buf.getvalue()


#: A temporary file of a save: ``.tmp-glassnet-<host>-<pid>-<random>.glassnet`` beside the target.
_TEMP_NAME = re.compile(r"\.tmp-glassnet-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]{16}"
                        r"\.glassnet\Z")
#: A temporary file this old whose writer is dead is left over from a killed save.
STALE_TEMP_SECONDS = 600


def _host_tag() -> str:
    import platform
    import zlib

    return f"{zlib.crc32(platform.node().encode()) & 0xFFFFFFFF:08x}"


def _create_temp(folder: str) -> tuple[int, str]:
    """Create a new temporary file in ``folder``, named after this host and process.

    It is opened with mode 0666 and ``O_EXCL``: the kernel applies the umask (and a
    folder's default ACL) as it does for any new file, so nothing process-wide is read
    or changed (``os.umask`` would set the mask of every thread for a moment).
    """
    import secrets

    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_NOFOLLOW", 0))
    while True:
        name = f".tmp-glassnet-{_host_tag()}-{os.getpid()}-{secrets.token_hex(8)}.glassnet"
        tmp = os.path.join(folder, name)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # 2**64 names: only by chance, try another
            continue


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (``True`` when in doubt: then nothing is removed)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: another user's; a pid out of range
        return True
    return True


def remove_stale_temp_files(folder: str, now: float | None = None) -> list[str]:
    """Remove temporary files that saves killed with ``kill -9`` (or a power cut) left in
    ``folder``; returns their paths. ``save`` calls it before writing into a folder.

    A file is removed only if all of these hold, so a save in progress never loses
    its file, whichever process or thread runs it:
    - its name is glassnet's own temporary name (``.tmp-glassnet-<host>-<pid>-...``),
      written on this host (the tag is a hash of the host name: on a shared network
      folder, another machine's process ids mean nothing here);
    - the process ``pid`` that wrote it no longer exists (a live writer, or an
      unrelated process that reused the id, keeps it);
    - it is a regular file not modified for ``STALE_TEMP_SECONDS`` (10 minutes), which
      also covers a process id namespace (container) sharing the folder and host name.
    Only on POSIX systems; on Windows, leftovers stay (remove ``.tmp-glassnet-*`` by hand).
    """
    import time

    if os.name != "posix":
        return []
    now = time.time() if now is None else now
    host, removed = _host_tag(), []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        match = _TEMP_NAME.match(name)
        if match is None or match["host"] != host or _alive(int(match["pid"])):
            continue
        tmp = os.path.join(folder, name)
        try:
            info = os.lstat(tmp)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                os.unlink(tmp)
                removed.append(tmp)
        except OSError:  # removed meanwhile by another save, or not ours to remove
            pass
    return removed


def _write_atomic(path: str, members: dict[str, bytes]) -> None:
    def write(f) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
    write_atomic(path, write)


def write_atomic(path: str, write) -> None:
    """Create or replace the file ``path`` with what ``write(f)`` writes into the binary
    file ``f``: a temporary file beside it, flushed to disk, then moved over it (see the
    module's docstring), so a failed or interrupted write leaves the old file whole."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:  # replacing a file keeps its mode; a new file gets 0666 minus the umask
        info = os.stat(path)
    except FileNotFoundError:
        mode = None
    else:
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, _("a folder: give a file name to save "
                                                    "to"), path)
        if not stat.S_ISREG(info.st_mode):  # os.replace would put a file in its place
            raise FileExistsError(errno.EEXIST, _("{kind}, which saving would replace "
                                                  "with a file; give a regular file's "
                                                  "name").format(kind=kind(info.st_mode)), path)
        mode = stat.S_IMODE(info.st_mode)
    os.makedirs(folder, exist_ok=True)  # as Keras's model.save does
    remove_stale_temp_files(folder)
    fd, tmp = _create_temp(folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                if hasattr(os, "fchmod"):
                    os.fchmod(f.fileno(), mode)
                else:
                    os.chmod(tmp, mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def save_model(model, path: str, save_format: str | None = None, **kwargs) -> None:
    """Write ``model`` (architecture, weights, compile settings, optimizer state) to ``path``.

    ``.keras`` writes Keras 3's format and ``.h5`` (or ``save_format="h5"``) Keras's legacy
    HDF5 format (``keras_format``, needs h5py); any other name a ``.glassnet`` archive. A
    name without an extension (or ``save_format="tf"``) is a folder holding
    ``model.glassnet``, where Keras 2 wrote a SavedModel (see ``saved_model.py``).
    """
    if save_format is not None and str(save_format).lower() == "tf":  # Keras 2's SavedModel
        saved_model.save(model, path)  # glassnet's folder, not TensorFlow's format
        return
    fmt = _keras_format().file_format(path, save_format)
    if fmt != "glassnet":
        (_keras_format().save_keras if fmt == "keras" else _keras_format().save_h5)(model, path)
        return
    if save_format is None and saved_model.is_folder_name(path):
        saved_model.save(model, path)  # Keras 2's SavedModel folder, glassnet inside
        return
    weights = model.get_weights()
    spec = serialization.layer_entry(model)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": spec,
        "compile": None,
        "weights": [{"shape": list(w.shape), "dtype": str(w.dtype)} for w in weights],
        "optimizer_state": None,
    }
    members = {f"weights/{i}.npy": _npy_bytes(w) for i, w in enumerate(weights)}
    try:
        compile_settings = None if model.optimizer is None else model.compiled.get_config(model)
    except TypeError as err:  # a loss of your own: its code cannot go into the file
        warnings.warn(_("{err} The file is saved without the compile settings.").format(
                            err=err), stacklevel=3)
        compile_settings = None
    if compile_settings is not None:
        config["compile"] = {"optimizer": model.optimizer.get_config(), **compile_settings}
        slots = sorted(model.optimizer.state)
        config["optimizer_state"] = {"iterations": model.optimizer.iterations, "slots": slots}
        for slot in slots:
            members[f"optimizer/{slot}.npy"] = _npy_bytes(model.optimizer.state[slot])
    import json  # here and below, not at the top: `import glassnet` stays fast

    members = {"config.json": json.dumps(config, indent=1).encode(), **members}
    _write_atomic(path, members)


def save_weights(model, path: str, save_format: str | None = None, **kwargs) -> None:
    """Write only the weights (a zip of ``weights/i.npy``); ``x.weights.h5`` in Keras 3's
    layout, ``x.h5`` (or ``save_format="h5"``, Keras 2's spelling) in Keras's legacy one."""
    fmt = _keras_format().file_format(path, save_format, weights=True)
    if fmt != "glassnet":
        _keras_format().save_weights(model, path, legacy=fmt == "h5")
        return
    weights = model.get_weights()
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "weights_only": True,
              "weights": [{"shape": list(w.shape), "dtype": str(w.dtype)} for w in weights]}
    import json

    members = {"config.json": json.dumps(header).encode()}
    members.update({f"weights/{i}.npy": _npy_bytes(w) for i, w in enumerate(weights)})
    _write_atomic(path, members)


def _keras_format():
    from . import keras_format  # here, not at the top: `import glassnet` stays fast

    return keras_format


def _keras_file(path) -> str | None:
    """``"keras"`` or ``"hdf5"`` for a file in one of Keras's formats (whatever its name),
    None for anything else (a ``.glassnet`` archive, or a file too broken to tell, which
    the ``.glassnet`` reader then describes)."""
    kind = _keras_format().sniff(path)
    name = os.fspath(path).lower()
    if kind is None and name.endswith(".keras"):
        return "keras"  # a truncated .keras: its reader names the problem
    if kind is None and name.endswith((".h5", ".hdf5")):
        return "hdf5"
    return kind if kind in ("keras", "hdf5") else None


def _bad(path, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


def reject_constant(name: str):
    raise ValueError(_("{name} is not a number a glassnet file may hold").format(name=name))


class _Archive(zipfile.ZipFile):
    """A zip archive read from a file descriptor that was checked to be a regular file;
    closing the archive closes the file too."""

    def __init__(self, file) -> None:
        self._file = file
        super().__init__(file)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._file.close()


def _check_members(zf: zipfile.ZipFile, path, size: int) -> None:
    """Every member stored, unencrypted, named once, and all of them together no larger
    than the file: members of an honest archive occupy disjoint bytes, so the sizes the
    zip's directory claims can be trusted once their sum fits in the file."""
    seen: set[str] = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        if name in seen:
            raise _bad(path, _("member {name!r} appears twice in the archive; a glassnet "
                               "file names each member once: the file is corrupted or "
                               "hostile.").format(name=name[:100]))
        seen.add(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise _bad(path, _("member {name!r} is compressed; glassnet files store "
                               "every member uncompressed.").format(name=name))
        if info.flag_bits & 0x1:
            raise _bad(path, _("member {name!r} is encrypted.").format(name=name))
        if info.file_size != info.compress_size:
            raise _bad(path, _("member {name!r} claims {file_size} bytes but stores "
                               "{compress_size}: the file is corrupted.").format(
                                   name=name, file_size=info.file_size,
                                   compress_size=info.compress_size))
        if info.file_size > size:
            raise _bad(path, _("member {name!r} claims {file_size} bytes, more than the "
                               "whole file ({size} bytes): the file is corrupted.").format(
                                   name=name, file_size=info.file_size, size=size))
        total += info.file_size
    if total > size:
        raise _bad(path, _("the members claim {total} bytes together, more than the "
                           "whole file ({size} bytes): the file is corrupted or hostile.").format(
                               total=total, size=size))


def _open(path) -> tuple[zipfile.ZipFile, dict]:
    """Open the archive and read config.json, checking every size before reading.

    A missing file (or a folder, or no permission) raises the usual ``OSError``;
    anything that is not a regular file (a device such as ``/dev/zero``, a FIFO, a
    socket, or a symlink to one), or anything wrong with the file's contents, raises
    ``ModelFileError``.
    """
    import json

    path = os.fspath(path)
    file = open_regular(path, _("a model file"), ModelFileError)
    try:
        size = os.fstat(file.fileno()).st_size
        zf = _Archive(file)
    except Exception as err:
        file.close()
        raise ModelFileError(_("{path} is not a glassnet model file (not a readable zip "
                               "archive: {err}). It may be truncated or corrupted.").format(
                                   path=path, err=err)) from None
    except BaseException:
        file.close()
        raise
    try:
        _check_members(zf, path, size)
        try:
            info = zf.getinfo("config.json")
        except KeyError:
            raise _bad(path, _("there is no config.json: not a glassnet model file.")) from None
        if info.file_size > MAX_CONFIG_BYTES:
            raise _bad(path, _("config.json is {file_size} bytes, more than the "
                               "{MAX_CONFIG_BYTES} a model description can need.").format(
                                   file_size=info.file_size, MAX_CONFIG_BYTES=MAX_CONFIG_BYTES))
        try:
            config = json.loads(zf.read("config.json").decode("utf-8"),
                                parse_constant=reject_constant)
        except Exception as err:  # bad CRC, bad JSON, bad UTF-8, NaN, deep nesting ...
            raise _bad(path, _("config.json cannot be read ({kind}: {err}).").format(
                                   kind=type(err).__name__, err=err)) \
                from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise _bad(path, _("not a glassnet model file (config.json lacks format: "
                               "glassnet)."))
        if config.get("format_version") != FORMAT_VERSION:
            raise _bad(path, _("format version {version!r}; this glassnet reads version "
                               "{FORMAT_VERSION}. Upgrade glassnet.").format(
                                   version=config.get("format_version"),
                                   FORMAT_VERSION=FORMAT_VERSION))
    except BaseException:
        zf.close()
        raise
    return zf, config


def _read_array(zf: zipfile.ZipFile, name: str, path, shape: tuple) -> np.ndarray:
    """Read ``name`` as a float array of exactly ``shape``, checking sizes before reading.

    The ``.npy`` header is parsed with NumPy's safe parser (no pickle, no ``eval``),
    and the data bytes are taken only once dtype and shape are known to be right.
    """
    shape = tuple(int(d) for d in shape)
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise _bad(path, _("{name} is missing.").format(name=name)) from None
    most = 8 * math.prod(shape) + MAX_NPY_HEADER_BYTES  # float64 data plus the largest header
    if info.file_size > most:
        raise _bad(path, _("{name} is {file_size} bytes, too large for an array of shape "
                           "{shape} (at most {most}).").format(
                               name=name, file_size=info.file_size, shape=shape, most=most))
    try:
        raw = zf.read(name)  # size bounded just above; the zip checks the CRC
        f = io.BytesIO(raw)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            header = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_NPY_HEADER_BYTES)
        elif version == (2, 0):
            header = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_NPY_HEADER_BYTES)
        else:
            raise ValueError(_(".npy format version {version} is not one glassnet writes").format(
                                   version=version))
    except Exception as err:
        raise _bad(path, _("{name} is not a valid .npy array ({kind}: {err}).").format(
                               name=name, kind=type(err).__name__, err=err)) \
            from None
    got, fortran, dtype = header
    if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
        raise _bad(path, _("{name} holds {dtype} values; weights are float16, float32 or "
                           "float64.").format(name=name, dtype=dtype))
    if tuple(got) != shape:
        raise _bad(path, _("{name} has shape {got}, but the model needs {shape}.").format(
                               name=name, got=tuple(got), shape=shape))
    n = math.prod(shape) * dtype.itemsize
    data = raw[f.tell():f.tell() + n]
    if len(data) != n:
        raise _bad(path, _("{name} is truncated: {n_data} of {n} data bytes.").format(
                               name=name, n_data=len(data), n=n))
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")


class WeightBudget:
    """Counts the weights that layers create while a file is loaded.

    All of them must be filled from the file, so together they cannot hold more
    numbers than the file's weight members have bytes (at 2 bytes per float16; for a
    Keras file, ``keras_format`` counts its HDF5 datasets the same way):
    a config asking for ``Dense(10**9)`` fails here before allocating anything.
    ``_check_members`` has made sure that each member is counted once and that the
    sizes add up to no more than the file, so the budget is at most half the file's
    size in numbers, however the archive's directory is forged.
    """

    def __init__(self, left: int, path) -> None:
        self.left = left  # how many numbers the layers may still create
        self.path = path

    def watch(self, layer) -> None:
        """Check each ``layer.add_weight`` call against the budget (until ``release``)."""
        add_weight = layer.add_weight

        def checked(name, shape, *args, **kwargs):
            n = math.prod(int(d) for d in shape)
            if n > self.left:
                raise _bad(self.path, _("layer {layer!r} would create weight {name!r} of "
                                        "shape {shape} ({n} numbers), more than the file "
                                        "holds: the file is corrupted or hostile.").format(
                                            layer=layer.name, name=name, shape=tuple(shape), n=n))
            self.left -= n
            return add_weight(name, shape, *args, **kwargs)

        layer.add_weight = checked

    @staticmethod
    def release(layer) -> None:
        vars(layer).pop("add_weight", None)


def _compile_settings(c, path) -> dict:
    """The compile section, checked to hold only names and plain numbers."""
    if not isinstance(c, dict):
        raise _bad(path, _("the compile section is malformed."))
    opt, loss, metrics = c.get("optimizer"), c.get("loss"), c.get("metrics") or []
    if isinstance(opt, dict):
        for k, v in opt.items():
            ok = isinstance(v, str) if k == "name" else (isinstance(v, (int, float))
                                                         and math.isfinite(v))
            if k == "learning_rate" and isinstance(v, dict):
                ok = _schedule_ok(v)
            if not ok:
                raise _bad(path, _("optimizer setting {k!r} = {v!r} is not allowed.").format(
                                       k=k, v=str(v)[:50]))
    elif not isinstance(opt, str):
        raise _bad(path, _("the optimizer {opt!r} is not a name or settings.").format(
                               opt=str(opt)[:50]))
    if isinstance(loss, dict) and "name" not in loss:  # one loss per output, by name
        for value in loss.values():
            _loss_ok(value, path, allow_none=True)
    else:
        _loss_ok(loss, path)
    names = (list(metrics.values()) if isinstance(metrics, dict) else [metrics])
    if not all(isinstance(m, list) and all(isinstance(i, str) for i in m) for m in names):
        raise _bad(path, _("the metrics must be lists of names."))
    weights = c.get("loss_weights")
    if weights is not None and not (isinstance(weights, dict) and all(
            isinstance(w, (int, float)) and math.isfinite(w) for w in weights.values())):
        raise _bad(path, _("the loss weights must be numbers."))
    return {"optimizer": opt, "loss": loss, "metrics": metrics, "loss_weights": weights}


_LOSS_OPTIONS = {"name", "from_logits", "label_smoothing", "delta"}


def _loss_ok(loss, path, allow_none: bool = False) -> None:
    if loss is None and allow_none:
        return
    if isinstance(loss, dict):  # a name, a flag and numbers (Huber's delta, label smoothing)
        ok = isinstance(loss.get("name"), str) and set(loss) <= _LOSS_OPTIONS and all(
            isinstance(v, bool) if k == "from_logits" else
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for k, v in loss.items() if k != "name")
        if not ok:
            raise _bad(path, _("the loss settings {loss} are not allowed.").format(
                                   loss=str(loss)[:100]))
    elif not isinstance(loss, str):
        raise _bad(path, _("the loss {loss!r} is not a name or settings.").format(
                               loss=str(loss)[:50]))


def _schedule_ok(config: dict) -> bool:
    """A learning-rate schedule saved by ``schedules.serialize``: one of glassnet's own
    classes, with settings that build it (numbers, lists of numbers, a name)."""
    from . import schedules

    try:
        schedules.deserialize(config)
    except (TypeError, ValueError):
        return False
    return True


def load_model(path, custom_objects: dict | None = None, compile: bool = True):
    """Read a model written by ``model.save``.

    ``custom_objects`` maps class names to your own layer classes (or register them
    once with ``register_layer``). With ``compile=True`` the optimizer, its state
    (Adam's moments and step count) and the loss come back too, so ``fit`` resumes
    where it stopped. Raises ``ModelFileError``, and no other exception, for a file
    that is truncated, corrupted or hostile. Functions in ``custom_objects`` (an
    activation of your own) are known by name while the file loads.
    """
    functions = {k: v for k, v in (custom_objects or {}).items()
                 if callable(v) and not isinstance(v, type)}
    if functions:
        from .custom_objects import CustomObjectScope

        with CustomObjectScope(functions):
            classes = {k: v for k, v in custom_objects.items() if k not in functions}
            return load_model(path, classes, compile)
    if os.path.isdir(path):  # tf.saved_model.save or Keras 2's model.save("folder")
        path = saved_model.model_file(path)
    if not os.path.lexists(path):
        raise _not_found(path)
    kind = _keras_file(path)
    if kind is not None:
        loader = _keras_format().load_keras if kind == "keras" else _keras_format().load_h5
        return loader(path, custom_objects, compile)
    zf, config = _open(path)
    # Building the layers draws initial weights that the file then overwrites: put the
    # random generator back, so a seeded run that saves and reloads goes on identically.
    generator = grandom.rng()
    random_state = generator.bit_generator.state
    with zf:
        try:
            return _load_model(zf, config, path, custom_objects, compile)
        except ModelFileError:
            raise
        except Exception as err:  # a check missed above: still only ever ModelFileError
            raise _bad(path, _("the file is invalid ({kind}: {err}).").format(
                                   kind=type(err).__name__, err=err)) from None
        finally:
            generator.bit_generator.state = random_state


def _not_found(path) -> ModelNotFoundError:
    """A ``FileNotFoundError`` that names the model file meant, if one is near."""
    from .filetype import nearest
    from .i18n import _

    name = os.fspath(path)
    close = nearest(name, os.path.splitext(name)[1] or ".glassnet")
    message = (_("No such file: {path} — did you mean {close}?").format(path=name, close=close)
               if close else _("No such file: {path} (in the folder {folder}).").format(
                   path=name, folder=os.path.abspath(os.path.dirname(name) or ".")))
    return ModelNotFoundError(errno.ENOENT, message, name)


def _load_model(zf, config, path, custom_objects, compile: bool):
    if config.get("weights_only"):
        raise _bad(path, _("this file holds only weights (model.save_weights): build the "
                           "model in code, then call model.load_weights(path)."))
    spec = config.get("model")
    if not isinstance(spec, dict):
        raise _bad(path, _("the model description is missing or malformed."))
    if "class_name" not in spec:  # files from before graph models: a Sequential's config
        spec = {"class_name": "Sequential", "config": spec}
    budget = WeightBudget(sum(i.file_size for i in zf.infolist()
                              if i.filename.startswith("weights/")) // 2, path)
    watched = []

    def on_layer(layer):
        budget.watch(layer)
        watched.append(layer)
    try:
        model = serialization.build_layer(spec, custom_objects, on_layer)
    except ModelFileError:
        raise
    except (ValueError, TypeError) as err:
        raise _bad(path, str(err)) from None
    finally:
        for layer in watched:
            budget.release(layer)
    _load_weight_arrays(model, zf, config, path)
    if compile and config.get("compile"):
        c = _compile_settings(config["compile"], path)
        try:
            model.compile(**c)
        except Exception as err:
            raise _bad(path, _("the compile settings are invalid ({kind}: {err}).").format(
                                   kind=type(err).__name__, err=err)) \
                from None
        _load_optimizer_state(model, zf, config.get("optimizer_state"), path)
    return model


def _load_optimizer_state(model, zf, state, path) -> None:
    if state is None:
        return
    if not isinstance(state, dict):
        raise _bad(path, _("the optimizer state is malformed."))
    iterations, slots = state.get("iterations", 0), state.get("slots") or []
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise _bad(path, _("the optimizer step count {iterations!r} is not a "
                           "non-negative integer.").format(iterations=str(iterations)[:50]))
    opt = model.optimizer
    if not isinstance(slots, list) or not all(isinstance(k, str) and k in opt.slots
                                              for k in slots):
        raise _bad(path, _("the optimizer state {slots} does not match {kind}, which "
                           "keeps {expected}.").format(
                               slots=str(slots)[:100], kind=type(opt).__name__,
                               expected=list(opt.slots)))
    if slots:
        if not model.built:
            raise _bad(path, _("the file has optimizer state but the model has no "
                               "weights."))
        theta = model.bind().trainable
        arrays = {k: _read_array(zf, f"optimizer/{k}.npy", path, theta.shape) for k in slots}
        opt.build(theta)
        for k, a in arrays.items():
            opt.state[k][...] = a
    opt.iterations = iterations
    if opt.schedule is not None:  # the rate of the next step, as Keras reports it
        opt.learning_rate = float(opt.schedule(iterations))


def _weight_arrays(model, zf, config, path) -> list[np.ndarray]:
    """Every weight of ``model`` read from the file, checked, before any is written."""
    own = model.weights
    specs = config.get("weights")
    if specs is not None and (not isinstance(specs, list) or len(specs) != len(own)):
        count = len(specs) if isinstance(specs, list) else "?"
        raise _bad(path, _("the file holds {count} weight arrays, but the model has "
                           "{own} ({shapes}).").format(
                               count=count, own=len(own),
                               shapes=", ".join(str(tuple(w.shape)) for w in own[:6])))
    return [_read_array(zf, f"weights/{i}.npy", path, w.shape) for i, w in enumerate(own)]


def _load_weight_arrays(model, zf, config, path) -> None:
    model.set_weights(_weight_arrays(model, zf, config, path))


def load_weights(model, path, **kwargs) -> None:
    """Read weights saved by ``save_weights`` or ``save`` into an already built model
    (also Keras's ``.weights.h5``, ``.h5`` and ``.keras`` files). A subclassed model not
    built yet reads them when it is built (its first call), as Keras 2 restores a checkpoint.

    Every array is read and checked before any weight is written, so a bad file
    leaves the model as it was.
    """
    if model.built and _keras_file(path) is not None:
        _keras_format().load_weights(model, path)
        return
    if not model.built and _keras_file(path) is None:
        # a subclassed model has no weights before its first call, a Sequential model
        # without an input shape none before fit or build: Keras 2 restores a TensorFlow
        # checkpoint when the model is built, and so does glassnet with its file
        _open(path)[0].close()  # a missing or broken file is reported now
        model.deferred_weights = os.fspath(path)
        return
    if not model.built:
        raise ValueError(_("load_weights needs a built model: give the first layer "
                           "input_shape=, start with Input(shape=...), or call "
                           "model.build(...) first."))
    zf, config = _open(path)
    with zf:
        try:
            arrays = _weight_arrays(model, zf, config, path)
        except ModelFileError:
            raise
        except Exception as err:
            raise _bad(path, _("the file is invalid ({kind}: {err}).").format(
                                   kind=type(err).__name__, err=err)) from None
    model.set_weights(arrays)
