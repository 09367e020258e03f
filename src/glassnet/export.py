"""Export a ``Sequential`` to ONNX, to run it in onnxruntime, PyTorch, or anything else.

    model.export("model.onnx")           # or glassnet.export.export_onnx(model, "model.onnx")

    import onnxruntime as ort
    session = ort.InferenceSession("model.onnx")
    probs = session.run(None, {"input": x_test[:5].astype("float32")})[0]

The graph has one input ``"input"`` of shape ``(batch, *model.input_shape[1:])`` and one
output ``"output"``, both float32, with a free batch size. Each layer becomes the ONNX
operators that compute its ``forward`` in inference mode:

================================  ====================================================
glassnet                          ONNX
================================  ====================================================
Dense(units, activation)          Gemm (``xW + b``; MatMul without bias), activation;
                                  MatMul + Add on inputs with more than 2 axes
Activation / activations          Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Softplus;
                                  swish = ``x · Sigmoid(x)``; gelu (exact) =
                                  ``x · (1 + Erf(x/√2)) / 2``; linear = nothing
Flatten, Reshape                  Reshape to ``(batch, ...)``
Dropout                           nothing (the identity at inference)
Conv2D                            Conv (kernel ``(kh, kw, C, F)`` -> ``(F, C, kh, kw)``)
MaxPooling2D, AveragePooling2D    MaxPool, AveragePool (padding never averaged in)
GlobalAveragePooling2D            ReduceMean over height and width
BatchNormalization                ``(x - moving_mean) · (1/√(moving_variance + ε)) · γ + β``
================================  ====================================================

**Channels.** glassnet images are channels-last, ``(batch, H, W, C)``; ONNX's Conv and
pooling operators want channels-first, ``(batch, C, H, W)``. The exporter remembers
which layout the current tensor is in and inserts a ``Transpose`` only where the next
operator needs the other one: into channels-first before the first convolution or
pooling, back to channels-last before a ``Flatten``/``Reshape``/the output, so that
flattening orders the values exactly as glassnet does. Layers that work on any layout
(activations, ``BatchNormalization``, ``GlobalAveragePooling2D``) just use the matching axis.

This module, and only this module, imports ``onnx`` (``pip install onnx``).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from . import activations
from . import layers as L
from .i18n import _

OPSET = 17  # ONNX 1.12 (2022): Softmax over one axis, ReduceMean with an axes attribute
IR_VERSION = 8  # the IR version that goes with opset 17, readable by onnxruntime >= 1.12

TO_FIRST = [0, 3, 1, 2]  # (N, H, W, C) -> (N, C, H, W)
TO_LAST = [0, 2, 3, 1]  # (N, C, H, W) -> (N, H, W, C)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(_("ONNX export needs the onnx package: pip install onnx   (or, in "
                            "the glassnet folder: pip install \".[onnx]\")")) from None
    return onnx


class _Graph:
    """The nodes and weights of the graph being built, and the current tensor's layout."""

    def __init__(self, onnx) -> None:
        self.onnx = onnx
        self.nodes: list = []
        self.initializers: list = []
        self.names: set[str] = set()
        self.layout = "last"  # of the current tensor when it is 4-D: "last" or "first"

    def name(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def const(self, base: str, value) -> str:
        """Add a weight or constant tensor (float32, or int64 for shapes)."""
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(np.float32)
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, inputs: list[str], base: str, **attrs) -> str:
        """Add one node with one output; returns the output's name."""
        out = self.name(f"{base}/{op_type}")
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def to_layout(self, x: str, rank: int, layout: str, base: str) -> str:
        """The 4-D tensor ``x`` in ``layout``, with a Transpose when it is in the other."""
        if rank != 4 or self.layout == layout:
            return x
        self.layout = layout
        return self.op("Transpose", [x], base, perm=TO_FIRST if layout == "first" else TO_LAST)

    def axis(self, glassnet_axis: int, rank: int) -> int:
        """Where glassnet's (channels-last) axis is in the current tensor."""
        axis = glassnet_axis % rank
        if rank == 4 and self.layout == "first":
            return TO_FIRST.index(axis)
        return axis


# -- activations ------------------------------------------------------------------------
def _activation(g: _Graph, act: activations.Activation, x: str, rank: int, base: str) -> str:
    """The ONNX nodes computing ``act.forward(x)``, element-wise (softmax: the last axis)."""
    kind = type(act)
    if kind is activations.Linear:
        return x
    simple = {activations.ReLU: "Relu", activations.Sigmoid: "Sigmoid",
              activations.Tanh: "Tanh", activations.Softplus: "Softplus"}
    if kind in simple:
        return g.op(simple[kind], [x], base)
    if kind is activations.Softmax:
        return g.op("Softmax", [x], base, axis=g.axis(-1, rank))
    if kind is activations.LeakyReLU:
        return g.op("LeakyRelu", [x], base, alpha=act.negative_slope)
    if kind is activations.ELU:
        return g.op("Elu", [x], base, alpha=act.alpha)
    if kind is activations.Swish:  # x · sigmoid(x)
        return g.op("Mul", [x, g.op("Sigmoid", [x], base)], base)
    if kind is activations.GELU:  # x · Φ(x), Φ(x) = (1 + erf(x/√2)) / 2
        erf = g.op("Erf", [g.op("Mul", [x, g.const(f"{base}/inv_sqrt2", 1 / math.sqrt(2))],
                                base)], base)
        cdf = g.op("Mul", [g.op("Add", [erf, g.const(f"{base}/one", 1.0)], base),
                           g.const(f"{base}/half", 0.5)], base)
        return g.op("Mul", [x, cdf], base)
    raise NotImplementedError(
        _("Cannot export the activation {act!r} of {base!r} to ONNX: only glassnet's "
          "built-in activations are supported ({join}).").format(
              act=act, base=base, join=', '.join(sorted(activations.ALL)))
    )


# -- layers -----------------------------------------------------------------------------
def _dense(g: _Graph, layer, x: str, shape) -> str:
    base = layer.name
    W = g.const(f"{base}/kernel", layer.W)
    rank = len(shape) + 1
    if rank > 2:  # on the last axis (Gemm takes 2-D only): MatMul broadcasts, then + b
        z = g.op("MatMul", [g.to_layout(x, rank, "last", base), W], base)
        if layer.use_bias:
            z = g.op("Add", [z, g.const(f"{base}/bias", layer.b)], base)
    elif layer.use_bias:
        z = g.op("Gemm", [x, W, g.const(f"{base}/bias", layer.b)], base)  # z = xW + b
    else:
        z = g.op("MatMul", [x, W], base)
    return _activation(g, layer.activation, z, rank, base)


def _activation_layer(g: _Graph, layer, x: str, shape) -> str:
    return _activation(g, layer.activation, x, len(shape) + 1, layer.name)


def _identity(g: _Graph, layer, x: str, shape) -> str:
    return x  # Dropout and InputLayer: nothing happens at inference


def _reshape(g: _Graph, layer, x: str, shape) -> str:
    """Flatten and Reshape: the values of each sample, in channels-last order, re-shaped."""
    x = g.to_layout(x, len(shape) + 1, "last", layer.name)
    target = g.const(f"{layer.name}/shape", np.array([-1, *layer.output_shape], np.int64))
    return g.op("Reshape", [x, target], layer.name)


def _pads(layer) -> list[int]:
    """glassnet's ``((top, bottom), (left, right))`` as ONNX's ``[top, left, bottom, right]``."""
    (pt, pb), (pl, pr) = layer.pads
    return [pt, pl, pb, pr]


def _conv2d(g: _Graph, layer, x: str, shape) -> str:
    base = layer.name
    x = g.to_layout(x, 4, "first", base)
    W = g.const(f"{base}/kernel", np.transpose(layer.W, (3, 2, 0, 1)))  # (F, C, kh, kw)
    inputs = [x, W] + ([g.const(f"{base}/bias", layer.b)] if layer.use_bias else [])
    z = g.op("Conv", inputs, base, kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), pads=_pads(layer))
    return _activation(g, layer.activation, z, 4, base)


def _pool2d(op_type: str, **attrs):
    def export(g: _Graph, layer, x: str, shape) -> str:
        x = g.to_layout(x, 4, "first", layer.name)
        return g.op(op_type, [x], layer.name, kernel_shape=list(layer.pool_size),
                    strides=list(layer.strides), pads=_pads(layer), **attrs)
    return export


def _global_average_pooling(g: _Graph, layer, x: str, shape) -> str:
    axes = [g.axis(1, 4), g.axis(2, 4)]  # height and width, wherever they are
    y = g.op("ReduceMean", [x], layer.name, axes=sorted(axes), keepdims=int(layer.keepdims))
    if not layer.keepdims:
        g.layout = "last"  # (batch, C): no layout left to track
    return y


def _batch_normalization(g: _Graph, layer, x: str, shape) -> str:
    """``(x - μ) · (1/√(σ² + ε)) · γ + β``, the order of glassnet's own arithmetic."""
    base, rank = layer.name, len(shape) + 1
    mean = layer.state["moving_mean"]
    inv_std = (1 / np.sqrt(layer.state["moving_variance"] + layer.epsilon)).astype(mean.dtype)
    bshape = [1] * rank
    bshape[g.axis(layer.axis, rank)] = -1

    def vec(name: str, v: np.ndarray) -> str:
        return g.const(f"{base}/{name}", np.asarray(v, np.float32).reshape(bshape))

    y = g.op("Sub", [x, vec("moving_mean", mean)], base)
    y = g.op("Mul", [y, vec("inv_std", inv_std)], base)
    if layer.scale:
        y = g.op("Mul", [y, vec("gamma", layer.params["gamma"])], base)
    if layer.center:
        y = g.op("Add", [y, vec("beta", layer.params["beta"])], base)
    return y


def _exporters() -> dict[type, Any]:
    table = {L.Dense: _dense, L.Activation: _activation_layer, L.Dropout: _identity,
             L.InputLayer: _identity, L.Flatten: _reshape}
    optional = {  # the image layers, when this glassnet has them
        "Reshape": _reshape,
        "Conv2D": _conv2d,
        "MaxPooling2D": _pool2d("MaxPool"),
        "AveragePooling2D": _pool2d("AveragePool", count_include_pad=0),
        "GlobalAveragePooling2D": _global_average_pooling,
        "BatchNormalization": _batch_normalization,
    }
    for name, fn in optional.items():
        if hasattr(L, name):
            table[getattr(L, name)] = fn
    return table


# -- the whole model ----------------------------------------------------------------------
def to_onnx(model) -> Any:
    """The ``onnx.ModelProto`` that computes ``model.predict`` (inference mode)."""
    onnx = _onnx()
    if not model.built:
        raise ValueError(
            _("Model {name!r} has no weights yet, so there is nothing to export. Build "
              "it first: train it with fit, call predict once, or give the first layer "
              "input_shape=... (or start with Input(shape=...)).").format(name=model.name)
        )
    table = _exporters()
    g = _Graph(onnx)
    g.names.update({"input", "output"})
    x, shape = "input", tuple(model.input_shape_)
    for layer in model.chain_layers("ONNX export"):  # graphs that branch: not yet
        export = table.get(type(layer))
        if export is None:
            supported = ", ".join(sorted(cls.__name__ for cls in table))
            raise NotImplementedError(
                _("Cannot export layer {name!r} ({kind}) to ONNX. Exportable layers: "
                  "{supported}.").format(
                      name=layer.name, kind=type(layer).__name__, supported=supported)
            )
        x = export(g, layer, x, shape)
        shape = tuple(layer.output_shape)
    x = g.to_layout(x, len(shape) + 1, "last", "output")
    g.nodes.append(onnx.helper.make_node("Identity", [x], ["output"], name="output"))

    float32 = onnx.TensorProto.FLOAT
    graph = onnx.helper.make_graph(
        g.nodes, model.name,
        [onnx.helper.make_tensor_value_info("input", float32, ["batch", *model.input_shape_])],
        [onnx.helper.make_tensor_value_info("output", float32, ["batch", *shape])],
        initializer=g.initializers,
    )
    proto = onnx.helper.make_model(graph, producer_name="glassnet",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    proto.ir_version = IR_VERSION
    from . import __version__

    proto.producer_version = __version__
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(model, path: str | os.PathLike) -> str:
    """Write ``model`` as an ONNX file at ``path`` (for ``model.export`` and the CLI).

    Returns the path written. Raises ``ValueError`` for a model that is not built and
    ``NotImplementedError`` for a layer or activation that has no ONNX translation.
    """
    onnx = _onnx()
    proto = to_onnx(model)
    path = os.fspath(path)
    onnx.save(proto, path)
    return path
