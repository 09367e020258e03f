"""``tf.config`` and ``keras.config``: the devices a program may ask about, and Keras 3's
global settings.

glassnet computes with NumPy on the CPU, so the device list holds one CPU, and asking for
GPUs gives an empty list, as TensorFlow does on a machine without one (tutorials print
``tf.config.list_physical_devices('GPU')`` and go on). Settings that only steer
TensorFlow's devices or graphs (memory growth, visible devices, eager functions) are
accepted and change nothing: glassnet always runs eagerly on the CPU.
"""

from __future__ import annotations

import types
from typing import NamedTuple

from .backend import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)


class PhysicalDevice(NamedTuple):
    """A device as ``tf.config.list_physical_devices`` lists it."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """``[PhysicalDevice('/physical_device:CPU:0', 'CPU')]``, or ``[]`` for GPUs and TPUs."""
    if device_type is None or device_type.upper() == "CPU":
        return [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    return []


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    if device_type is None or device_type.upper() == "CPU":
        return [LogicalDevice("/device:CPU:0", "CPU")]
    return []


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted; glassnet has only the CPU to show."""


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted; glassnet runs every ``tf.function`` eagerly anyway."""


def functions_run_eagerly() -> bool:
    return True


def _set_memory_growth(device, enable: bool) -> None:
    """Accepted; NumPy takes memory as it needs it."""


def _get_memory_growth(device) -> bool:
    return True


experimental = types.SimpleNamespace(
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    set_memory_growth=_set_memory_growth,
    get_memory_growth=_get_memory_growth,
    set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices,
)

__all__ = ["LogicalDevice", "PhysicalDevice", "epsilon", "experimental", "floatx",
           "functions_run_eagerly", "get_visible_devices", "image_data_format",
           "list_logical_devices", "list_physical_devices", "run_functions_eagerly",
           "set_epsilon", "set_floatx", "set_image_data_format", "set_visible_devices"]
