"""TensorFlow's device boilerplate, answered as TensorFlow answers on a machine without a GPU.

glassnet computes with NumPy on the CPU, so the lines that open countless tutorials run and
tell the truth::

    tf.config.list_physical_devices("GPU")   # []
    tf.config.list_physical_devices("CPU")   # [PhysicalDevice(name='/physical_device:CPU:0',
                                             #                 device_type='CPU')]
    tf.test.is_gpu_available()               # False
    with tf.device("/GPU:0"): ...            # runs on the CPU (TensorFlow places softly too)
    strategy = tf.distribute.MirroredStrategy()   # one replica: the CPU
    with strategy.scope(): model = ...

``tf.config.threading.set_intra_op_parallelism_threads(n)`` records ``n`` (read back with
``get_intra_op_parallelism_threads``); glassnet's BLAS thread count is chosen per batch by
``blas.limit_threads``, so the value changes nothing else.
"""

from __future__ import annotations

import contextlib
import types
from typing import Any, NamedTuple

from . import backend


class PhysicalDevice(NamedTuple):
    """``tf.config.PhysicalDevice``: a device's name and type."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """``tf.config.LogicalDevice``: a device's name and type."""

    name: str
    device_type: str


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_LOGICAL_CPU = LogicalDevice("/device:CPU:0", "CPU")
_THREADS = {"intra_op": 0, "inter_op": 0}  # 0: TensorFlow's "let the system choose"
_MEMORY_GROWTH: dict[str, bool] = {}
_visible: list[PhysicalDevice] = [_CPU]


def _matching(devices: list, device_type: str | None) -> list:
    """The devices of ``device_type`` (``"GPU"``, ``"cpu"``...; all of them for None)."""
    if device_type is None:
        return list(devices)
    return [d for d in devices if d.device_type == str(device_type).upper()]


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The CPU for ``"CPU"`` or None; ``[]`` for ``"GPU"``/``"TPU"``: glassnet has none."""
    return _matching([_CPU], device_type)


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    return _matching([_LOGICAL_CPU] if _visible else [], device_type)


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return _matching(_visible, device_type)


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted; only the CPU computes, with or without it in the list (``[]`` for GPUs,
    the common call, hides nothing that exists)."""
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    if device_type is None or str(device_type).upper() == "CPU":
        _visible[:] = [d for d in devices if d == _CPU] or [_CPU]


def set_memory_growth(device, enable: bool) -> None:
    """Recorded; NumPy allocates CPU memory as it needs it, which is memory growth."""
    _MEMORY_GROWTH[getattr(device, "name", str(device))] = bool(enable)


def get_memory_growth(device) -> bool:
    return _MEMORY_GROWTH.get(getattr(device, "name", str(device)), False)


def get_device_details(device) -> dict:
    return {}


def set_logical_device_configuration(device, logical_devices) -> None:
    """Accepted (used to cap GPU memory); there is no GPU memory to cap."""


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    _THREADS["intra_op"] = int(num_threads)


def get_intra_op_parallelism_threads() -> int:
    return _THREADS["intra_op"]


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    _THREADS["inter_op"] = int(num_threads)


def get_inter_op_parallelism_threads() -> int:
    return _THREADS["inter_op"]


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted: glassnet always runs eagerly."""


def functions_run_eagerly() -> bool:
    return True


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=get_intra_op_parallelism_threads,
    set_inter_op_parallelism_threads=set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=get_inter_op_parallelism_threads)

_CONFIG = dict(
    PhysicalDevice=PhysicalDevice, LogicalDevice=LogicalDevice,
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    set_memory_growth=set_memory_growth, get_memory_growth=get_memory_growth,
    get_device_details=get_device_details,
    set_logical_device_configuration=set_logical_device_configuration,
    run_functions_eagerly=run_functions_eagerly, functions_run_eagerly=functions_run_eagerly)
#: ``tf.config`` and TensorFlow 2.0-2.3's ``tf.config.experimental`` (same functions), and
#: Keras 3's ``keras.config`` (the same module here: ``keras.config.set_floatx``...)
config = types.SimpleNamespace(
    **_CONFIG, threading=threading, epsilon=backend.epsilon, floatx=backend.floatx,
    image_data_format=backend.image_data_format, set_epsilon=backend.set_epsilon,
    set_floatx=backend.set_floatx, set_image_data_format=backend.set_image_data_format,
    experimental=types.SimpleNamespace(**_CONFIG, set_virtual_device_configuration=(
        set_logical_device_configuration)))


def executing_eagerly() -> bool:
    """``tf.executing_eagerly()``: True, always (glassnet has no graphs)."""
    return True


@contextlib.contextmanager
def device(device_name: str):
    """``with tf.device("/GPU:0"):``: the block runs on the CPU, as TensorFlow's soft
    placement does when the device is missing."""
    yield


# -- tf.test ---------------------------------------------------------------------------------
def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability=None) -> bool:
    return False


def gpu_device_name() -> str:
    return ""


def is_built_with_cuda() -> bool:
    return False


def is_built_with_gpu_support() -> bool:
    return False


test = types.SimpleNamespace(
    is_gpu_available=is_gpu_available, gpu_device_name=gpu_device_name,
    is_built_with_cuda=is_built_with_cuda, is_built_with_gpu_support=is_built_with_gpu_support)


# -- tf.distribute ---------------------------------------------------------------------------
class Strategy:
    """A distribution strategy with one replica, the CPU: ``strategy.scope()`` is a block
    that changes nothing, ``num_replicas_in_sync`` is 1 (so ``batch_size = 64 *
    strategy.num_replicas_in_sync`` stays 64) and ``run(fn, args)`` calls ``fn(*args)``."""

    def __init__(self, devices=None, cross_device_ops=None, *args: Any, **kwargs: Any):
        self.extended = types.SimpleNamespace(worker_devices=(_LOGICAL_CPU.name,))

    @property
    def num_replicas_in_sync(self) -> int:
        return 1

    @contextlib.contextmanager
    def scope(self):
        yield self

    def run(self, fn, args=(), kwargs=None):
        return fn(*args, **(kwargs or {}))

    def experimental_distribute_dataset(self, dataset, options=None):
        return dataset

    distribute_datasets_from_function = experimental_distribute_dataset

    def reduce(self, reduce_op, value, axis=None):
        return value


class MirroredStrategy(Strategy):
    """``tf.distribute.MirroredStrategy()``: one replica here (no GPUs)."""


class OneDeviceStrategy(Strategy):
    pass


class MultiWorkerMirroredStrategy(Strategy):
    pass


_DEFAULT = Strategy()


def get_strategy() -> Strategy:
    return _DEFAULT


distribute = types.SimpleNamespace(
    Strategy=Strategy, MirroredStrategy=MirroredStrategy, OneDeviceStrategy=OneDeviceStrategy,
    MultiWorkerMirroredStrategy=MultiWorkerMirroredStrategy, get_strategy=get_strategy,
    has_strategy=lambda: False,
    ReduceOp=types.SimpleNamespace(SUM="SUM", MEAN="MEAN"),
    experimental=types.SimpleNamespace(MultiWorkerMirroredStrategy=MultiWorkerMirroredStrategy))
