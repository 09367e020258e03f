"""``tf.config``: what tutorials ask about devices. glassnet computes with NumPy on the CPU,
so there is one device, the CPU, and no GPU (``tf.config.list_physical_devices("GPU")`` is
``[]``, as on a machine without one); the settings for GPUs are accepted and change nothing.
"""

from __future__ import annotations

from typing import NamedTuple


class PhysicalDevice(NamedTuple):
    """TensorFlow's ``PhysicalDevice(name, device_type)``."""

    name: str
    device_type: str


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The CPU for ``None`` or ``"CPU"``; ``[]`` for ``"GPU"``, ``"TPU"``..."""
    return [_CPU] if device_type is None or str(device_type).upper() == "CPU" else []


def list_logical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return [PhysicalDevice("/device:CPU:0", "CPU")] if list_physical_devices(device_type) else []


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted: glassnet always runs on the CPU."""


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted: glassnet always runs eagerly (``tf.function`` returns the function)."""


class experimental:  # noqa: N801  (tf.config.experimental)
    @staticmethod
    def set_memory_growth(device, enable: bool) -> None:
        """Accepted: there is no GPU memory to grow."""

    list_physical_devices = staticmethod(list_physical_devices)
