"""Keras 3 model configs <-> glassnet's, both ways, as ``keras_format`` reads and writes them.

glassnet's layer configs already use Keras's argument names (``units``, ``kernel_size``,
``padding``, ...), so the translation is mostly about the wrapping:

* glassnet -> Keras: each layer becomes ``{"module": "keras.layers", "class_name",
  "config", "registered_name"}``; initializers, regularizers and constraints get their
  Keras ``module``; a Sequential starts with its ``InputLayer``; a functional model's calls
  become ``{"args": [tensor or [tensors]], "kwargs": {}}`` where a tensor is
  ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history":
  [layer, call, output]}}``; the compile settings become Keras's ``compile_config``.
* Keras -> glassnet (Keras 3, and the legacy configs of tf.keras 2): the same, backwards.
  A setting glassnet's layer lacks is dropped when its value changes nothing (``dtype``,
  ``data_format="channels_last"``, ``dilation_rate=1``, a ``None``) and refused otherwise,
  naming it. A class glassnet lacks is refused by name, with the fix; a ``Lambda`` layer
  (Python bytecode) is refused: nothing from a file is ever run.
"""

from __future__ import annotations

import inspect
import re
import warnings
from typing import Any

from .i18n import _


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``"BatchNormalization"`` -> ``"batch_normalization"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def is_model(layer) -> bool:
    from .model import Model

    return isinstance(layer, Model)


def is_sequential(layer) -> bool:
    from .model import Sequential

    return isinstance(layer, Sequential)


# -- configs: glassnet -> Keras --------------------------------------------------------------
_MODULES = {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
            "constraint": "keras.constraints"}


def _keras_object(value, kind: str):
    if isinstance(value, dict) and "class_name" in value:
        return {"module": _MODULES[kind], "class_name": value["class_name"],
                "config": value.get("config", {}), "registered_name": None}
    return value


def _keras_layer(layer) -> dict:
    """One layer's entry in a Keras 3 config."""
    from .serialization import LAYERS, class_name

    if is_sequential(layer):
        return _keras_sequential(layer)
    if is_model(layer) and layer.uses_call:
        raise NotImplementedError(
            f"Model {layer.name!r} is a subclassed model (it has its own call): glassnet "
            "writes those to its own format only, not yet to Keras's .keras/.h5. Save it "
            "with model.save('model.glassnet'), or its weights with "
            "model.save_weights('model.weights.h5').")
    if is_model(layer):
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "config": _keras_functional(layer), "registered_name": "Functional"}
    name = class_name(layer)
    if name in ("OpLambda", "AddLoss", "AddMetric"):  # glassnet's nodes, not Keras 3 layers
        raise NotImplementedError(_(
            "Layer {name!r} is a TensorFlow op or an add_loss/add_metric on a symbolic "
            "tensor: glassnet writes those to its own format only, not to Keras's .keras/.h5. "
            "Save the model with model.save('model.glassnet'), or its weights with "
            "model.save_weights('model.weights.h5').").format(name=layer.name))
    if name == "InputLayer":
        return _keras_input(layer.name, [None, *layer.declared_input_shape], layer.dtype)
    config = dict(layer.get_config())
    config.pop("input_shape", None)
    for key, value in config.items():
        kind = key.rsplit("_", 1)[-1]
        if kind in _MODULES:
            config[key] = _keras_object(value, kind)
    for key, sub in getattr(layer, "wrapped_layers", {}).items():  # Bidirectional's, a cell
        config[key] = [_keras_layer(s) for s in sub] if isinstance(sub, list) else \
            _keras_layer(sub)
    builtin = LAYERS.get(name) is type(layer)
    return {"module": "keras.layers" if builtin else None, "class_name": name,
            "config": config, "registered_name": None if builtin else name}


def _keras_input(name: str, batch_shape: list, dtype: str) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": batch_shape, "dtype": dtype, "sparse": False,
                       "ragged": False, "name": name}, "registered_name": None}


def _keras_sequential(model) -> dict:
    layers = [_keras_layer(la) for la in model.layers]
    config: dict[str, Any] = {"name": model.name, "trainable": model.trainable}
    entry: dict[str, Any] = {"module": "keras", "class_name": "Sequential", "config": config,
                             "registered_name": None}
    if model.built:
        shape = [None, *model.input_shape_]
        first = model.inputs[0]
        layers.insert(0, _keras_input(first.node.layer.name, shape, first.dtype))
        config["build_input_shape"] = shape
        entry["build_config"] = {"input_shape": shape}
    config["layers"] = layers
    return entry


def _keras_node(layer, node: dict, tensor) -> dict:
    """One call of ``layer`` as Keras writes it: ``{"args": [x or [x, y]], "kwargs": {}}``;
    an RNN called on ``[x, *states]`` is Keras's ``rnn(x, initial_state=[...])``."""
    from .layers.recurrent import RNN

    refs = node["args"]
    if hasattr(layer, "keras_call"):  # attention: mha(query, value, key=..., ...)
        args, kwargs = layer.keras_call([tensor(r) for r in refs], node.get("kwargs") or {})
        return {"args": args, "kwargs": kwargs}
    if node["list_call"] and isinstance(layer, RNN):
        states, k = [tensor(r) for r in refs[1:]], 0
        if len(layer.cells) > 1:  # a stack of cells: Keras nests the states per cell
            nested = []
            for cell in layer.cells:
                n = cell.n_states
                nested.append(states[k] if n == 1 else states[k:k + n])
                k += n
            states = nested
        return {"args": [tensor(refs[0])], "kwargs": {"initial_state": states}}
    return {"args": [[tensor(r) for r in refs] if node["list_call"] else tensor(refs[0])],
            "kwargs": {}}


def _keras_functional(model) -> dict:
    from .serialization import graph_config

    glassnet_config = graph_config(model)
    tensors = {}  # (layer, call, output) -> the KerasTensor, for Keras's tensor entries
    by_name = {la.name: la for la in model.layers}

    def tensor(ref) -> dict:
        t = tensors[tuple(ref)]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype, "keras_history": list(ref)}}

    graph = model.graph
    calls: dict[str, int] = {}
    for t in graph.inputs:
        tensors[(t.node.layer.name, 0, t.index)] = t
    for node in graph.nodes:  # numbered as graph_config numbers them: calls in this model
        i = calls[node.layer.name] = calls.get(node.layer.name, -1) + 1
        for t in node.outputs:
            tensors[(node.layer.name, i, t.index)] = t
    layers = []
    for entry in glassnet_config["layers"]:
        keras_entry = _keras_layer(by_name[entry["name"]])
        keras_entry["name"] = entry["name"]
        layer = by_name[entry["name"]]
        keras_entry["inbound_nodes"] = [_keras_node(layer, node, tensor)
                                        for node in entry["inbound_nodes"]]
        layers.append(keras_entry)

    def structure(refs, keys, as_list):
        if keys is not None:
            return dict(zip(keys, refs))
        return refs if as_list or len(refs) != 1 else refs[0]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": structure(glassnet_config["input_layers"],
                                      glassnet_config.get("input_keys"), False),
            "output_layers": structure(glassnet_config["output_layers"],
                                       glassnet_config.get("output_keys"),
                                       glassnet_config.get("output_list", False))}


def keras_compile(model) -> dict | None:
    """The compile settings as Keras's ``compile_config`` (the optimizer's state goes in
    the weights file)."""
    if model.optimizer is None or model.compiled is None:
        return None
    from . import losses

    settings = model.compiled.get_config(model)

    def loss(cfg):
        if cfg is None or isinstance(cfg, str):
            return cfg
        options = {k: v for k, v in cfg.items() if k != "name"}
        if not any(options.values()):
            return cfg["name"]
        return {"module": "keras.losses", "class_name": type(losses.get(cfg)).__name__,
                "config": options, "registered_name": None}

    raw = settings["loss"]
    keras_loss = ({k: loss(v) for k, v in raw.items()}
                  if isinstance(raw, dict) and "name" not in raw else loss(raw))
    opt = dict(model.optimizer.get_config())
    if isinstance(opt.get("learning_rate"), dict):  # a schedule
        opt["learning_rate"] = {"module": "keras.optimizers.schedules", **opt["learning_rate"],
                                "registered_name": None}
    return {"optimizer": {"module": "keras.optimizers",
                          "class_name": type(model.optimizer).__name__,
                          "config": opt, "registered_name": None},
            "loss": keras_loss, "loss_weights": settings.get("loss_weights"),
            "metrics": settings.get("metrics") or None, "weighted_metrics": None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def keras_config(model) -> dict:
    """The Keras 3 ``config.json`` of ``model``."""
    entry = _keras_layer(model)
    if not is_sequential(model):
        entry["build_config"] = {"input_shape": None}
    compile_config = keras_compile(model)
    if compile_config is not None:
        entry["compile_config"] = compile_config
    return entry


def legacy_config(model) -> dict:
    """Keras's legacy ``model_config`` (the ``.h5`` attribute): the same config, without
    the ``module`` keys on the layers."""
    return _without_modules(_keras_layer(model))


#: config keys that hold a whole layer entry (Bidirectional's layers, an RNN's cell)
_WRAPPED_KEYS = ("layer", "backward_layer", "cell")


def _without_modules(entry):
    if isinstance(entry, dict):  # a wrapped layer (Bidirectional's) keeps its module, as Keras
        out = {k: v if k in _WRAPPED_KEYS else _without_modules(v)
               for k, v in entry.items()}
        if "inbound_nodes" in out or ("class_name" in out and "config" in out
                                      and str(out.get("module")).startswith("keras.layers")):
            out.pop("module", None)
            out.pop("registered_name", None)
        return out
    if isinstance(entry, list):
        return [_without_modules(v) for v in entry]
    return entry


def legacy_training_config(model) -> dict | None:
    """Keras's legacy ``training_config``: the compile settings, ``optimizer_config`` for
    the optimizer."""
    c = keras_compile(model)
    if c is None:
        return None
    return {"loss": c["loss"], "metrics": c["metrics"], "weighted_metrics": None,
            "loss_weights": c["loss_weights"],
            "optimizer_config": {"class_name": c["optimizer"]["class_name"],
                                 "config": c["optimizer"]["config"]}}


# -- configs: Keras -> glassnet --------------------------------------------------------------
#: Settings a Keras layer has and glassnet's lacks, with the values that change nothing.
_NEUTRAL: dict[str, Any] = {
    "data_format": ("channels_last",), "dilation_rate": (1, [1], [1, 1], (1, 1)),
    "groups": (1,), "renorm_momentum": None, "sparse": (False,), "ragged": (False,),
    "optional": (False,), "input_length": None, "autocast": (True,), "batch_size": None,
    "seed": None, "renorm": (False,), "synchronized": (False,), "fused": None,
    "virtual_batch_size": None, "adjustment": None, "unroll": (False,), "rms_scaling": (False,),
    # how Keras runs a recurrent layer's loop (tf.keras 2 writes them): same results
    "implementation": (1, 2), "time_major": (False,), "use_cudnn": ("auto", True, False),
}
_REFUSED = {"Lambda", "TFOpLambda", "SlicingOpLambda"}
#: Keras operations on symbolic tensors (``x * y``) that are glassnet merge layers.
_OPERATORS = {"Add", "Subtract", "Multiply"}


def _accepted(cls) -> set[str] | None:
    """The keyword arguments ``cls`` takes (None: any); an LSTM also takes its cell's."""
    names: set[str] = set()
    cell_class = getattr(cls, "cell_class", None)
    if cell_class is not None:
        names |= _accepted(cell_class) or set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names - {"self"}
    return names - {"self"}


def _plain(value, kind: str, where: str):
    """A Keras serialized object (``{"module", "class_name", "config"}``) as glassnet's
    ``{"class_name", "config"}`` with settings left at None dropped."""
    if not isinstance(value, dict):
        return value
    if kind == "activation":  # Keras 3 may write a function as {"class_name": "function", ...}
        if isinstance(value.get("config"), str):
            return value["config"]
        raise ValueError(_("{where}: the activation {value} is not one glassnet has.").format(
                               where=where, value=str(value)[:100]))
    config = value.get("config") or {}
    if not isinstance(config, dict):
        raise ValueError(_("{where}: the {kind} {value} is malformed.").format(
                               where=where, kind=kind, value=str(value)[:100]))
    plain = {"class_name": value.get("class_name"),
             "config": {k: v for k, v in config.items() if v is not None and k != "name"}}
    if kind == "initializer":
        from . import initializers

        try:  # checked here; a name when the settings are the defaults, as glassnet writes
            given = initializers.get(plain)
            if given.get_config() == type(given)().get_config():
                return type(given).__name__
        except (TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"{where}: {err}") from None
    return plain


def _shape(value) -> list:
    """A Keras batch shape ``[None, 28, 28]`` as glassnet's sample shape ``[28, 28]``."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(_("an input shape is malformed: {value}").format(value=str(value)[:100]))
    return list(value[1:])


def glassnet_entry(entry, custom_objects: dict | None = None) -> dict:
    """A Keras layer entry (Keras 3, or Keras 2's legacy config) as glassnet's."""
    from .serialization import LAYERS

    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) \
            or not isinstance(entry.get("config"), dict):
        raise ValueError(_("a layer entry is malformed: {entry}").format(entry=str(entry)[:200]))
    cls_name, config = entry["class_name"], entry["config"]
    name = config.get("name", cls_name)
    if cls_name in _REFUSED:
        raise ValueError(
            _("layer {name!r} is a {cls_name} layer: Keras stores its Python function as "
              "bytecode in the file, and glassnet never runs code from a file. Rebuild "
              "the model in code, with layers.Lambda(your_function) (or a layer of your "
              "own) in its place, then call model.load_weights(path) on this file.").format(
                  name=name, cls_name=cls_name))
    if str(entry.get("module") or "").startswith("keras.src.ops"):
        if cls_name not in _OPERATORS:  # keras.ops.* called on symbolic tensors
            raise ValueError(
                _("{name!r} is the Keras operation keras.ops.{snake_case}, which "
                  "glassnet's graphs do not have (only x + y, x - y and x * y, as Add, "
                  "Subtract and Multiply layers). Use a layer in the Keras model and "
                  "save again.").format(name=name, snake_case=snake_case(cls_name)))
        return {"class_name": cls_name, "config": {"name": name}}
    if cls_name == "Sequential":
        return {"class_name": "Sequential", "config": _glassnet_sequential(config, custom_objects)}
    if cls_name in ("Functional", "Model"):
        return {"class_name": "Functional", "config": _glassnet_functional(config,
                                                                            custom_objects)}
    if cls_name == "InputLayer":
        shape = (config.get("batch_shape") or config.get("batch_input_shape"))
        return {"class_name": "InputLayer",
                "config": {"name": name, "dtype": _dtype(config.get("dtype")),
                           "shape": _shape(shape) if shape is not None else config.get("shape")}}
    registry = {**LAYERS, **(custom_objects or {})}
    keys = [cls_name, entry.get("registered_name")]
    cls = next((registry[k] for k in keys if isinstance(k, str) and k in registry), None)
    if cls is None:
        raise ValueError(
            _("layer {name!r} is a Keras {cls_name} layer, which glassnet does not have. "
              "glassnet has: {join}. Replace it in the Keras model with layers glassnet "
              "has and save again, or write it as a glassnet layer and pass "
              "custom_objects={{{cls_name!r}: YourLayer}} to load_model.").format(
                  name=name, cls_name=cls_name, join=', '.join(sorted(LAYERS))))
    accepted = _accepted(cls)
    out: dict[str, Any] = {}
    where = f"layer {name!r} ({cls_name})"
    for key, value in config.items():
        if key == "dtype":
            continue
        if key == "batch_input_shape" and value is not None:  # Keras 2's first layer
            out["input_shape"] = _shape(value)
            continue
        if cls_name == "LeakyReLU" and key == "alpha":  # Keras 2's name
            key = "negative_slope"
        if accepted is not None and key not in accepted:
            if value is None or value == {} or value == [] or (
                    key in _NEUTRAL and (_NEUTRAL[key] is None or value in _NEUTRAL[key])):
                continue
            raise ValueError(_("{where} has {key}={value!r}, a setting glassnet's "
                               "{cls_name} does not have (it takes {join}). Use the "
                               "default in Keras and save again.").format(
                                   where=where, key=key, value=value, cls_name=cls_name,
                                   join=', '.join(sorted(accepted))))
        if key in _WRAPPED_KEYS and isinstance(value, dict):  # Bidirectional's, RNN's cell
            out[key] = glassnet_entry(value, custom_objects)
            continue
        if key == "cells" and isinstance(value, list):  # StackedRNNCells
            out[key] = [glassnet_entry(v, custom_objects) for v in value]
            continue
        kind = key.rsplit("_", 1)[-1] if key != "activation" else "activation"
        out[key] = _plain(value, kind, where) if kind in (*_MODULES, "activation") else value
    if cls.__name__ != cls_name and cls_name not in (custom_objects or {}):
        cls_name = cls.__name__  # an alias (MaxPool2D)
    return {"class_name": cls_name, "config": out}


def _dtype(value) -> str:
    if isinstance(value, dict):  # Keras 3's DTypePolicy
        value = (value.get("config") or {}).get("name")
    return value if value in ("float32", "float64", "float16", "int32", "int64", "uint8",
                              "string") else "float32"


def _glassnet_sequential(config: dict, custom_objects) -> dict:
    entries = list(config.get("layers") or [])
    input_shape = config.get("build_input_shape")
    if entries and isinstance(entries[0], dict) and entries[0].get("class_name") == "InputLayer":
        first = glassnet_entry(entries.pop(0))
        input_shape = [None, *first["config"]["shape"]]
    out = {"name": config.get("name", "sequential"),
           "layers": [glassnet_entry(e, custom_objects) for e in entries],
           "trainable": config.get("trainable", True) is not False}
    if input_shape is not None:
        out["input_shape"] = _shape(input_shape)
    return out


def _ref(value) -> list:
    """A tensor reference, from Keras 3's ``__keras_tensor__`` entry or Keras 2's list."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        value = (value.get("config") or {}).get("keras_history")
    if isinstance(value, (list, tuple)) and len(value) >= 3:
        return [value[0], value[1], value[2]]
    raise ValueError(_("a tensor reference is malformed: {value}").format(value=str(value)[:100]))


def _node(node, layer: str, operator: bool = False, masks: frozenset = frozenset(),
          cls: type | None = None) -> dict:
    if isinstance(node, dict) and hasattr(cls, "from_keras_call"):  # attention layers
        tensors, kwargs = cls.from_keras_call(node.get("args") or [], node.get("kwargs") or {})
        return {"args": [_ref(t) for t in tensors], "list_call": True,
                **({"kwargs": kwargs} if kwargs else {})}
    if isinstance(node, dict):  # Keras 3: {"args": [x or [x, y]], "kwargs": {...}}
        args, kwargs = node.get("args") or [], node.get("kwargs") or {}
        extra = {k: v for k, v in kwargs.items() if v is not None and k != "training"}
        mask = extra.get("mask")
        if isinstance(mask, dict) and _ref(mask)[0] in masks:  # glassnet wires it itself
            del extra["mask"]
        states = extra.pop("initial_state", None)  # rnn(x, initial_state=[h, c])
        if states is not None and len(args) == 1:
            flat = [t for s in (states if isinstance(states, list) else [states])
                    for t in (s if isinstance(s, list) else [s])]  # stacked cells: nested
            return {"args": [_ref(args[0]), *(_ref(t) for t in flat)], "list_call": True}
        if operator and not extra:  # x * y: keras.ops.multiply(x, y), two tensor arguments
            refs = []
            for t in args:
                if not (isinstance(t, dict) and t.get("class_name") == "__keras_tensor__"):
                    raise ValueError(_("{layer!r} combines a tensor with the constant "
                                       "{t}; glassnet's graphs combine tensors only.").format(
                                           layer=layer, t=str(t)[:50]))
                refs.append(_ref(t))
            return {"args": refs, "list_call": True}
        if len(args) != 1 or extra:
            raise ValueError(_("layer {layer!r} is called with arguments glassnet does "
                               "not pass (args {args}, kwargs {extra}).").format(
                                   layer=layer, args=str(args[1:])[:80], extra=str(extra)[:80]))
        first = args[0]
        if isinstance(first, list):
            return {"args": [_ref(t) for t in first], "list_call": True}
        return {"args": [_ref(first)], "list_call": False}
    if isinstance(node, list):  # Keras 2: [[name, node, index, kwargs], ...]
        refs = [_ref(t) for t in node]
        return {"args": refs, "list_call": len(refs) > 1}
    raise ValueError(_("layer {layer!r}: a call entry is malformed: {node}").format(
                           layer=layer, node=str(node)[:100]))


def _refs(value) -> tuple[list, list | None, bool]:
    """Keras's input_layers/output_layers: one reference, a list of them, or a dict."""
    if isinstance(value, dict):
        return [_ref(v) for v in value.values()], list(value), False
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [_ref(value)], None, False
    if isinstance(value, list):
        refs = [_ref(v) for v in value]
        return refs, None, len(refs) > 1
    raise ValueError(_("the model's inputs or outputs are malformed: {value}").format(
                           value=str(value)[:100]))


def _is_mask_zero(entry) -> bool:
    """Keras's ``x != 0`` node: the mask of an ``Embedding(mask_zero=True)`` on ``x``, which
    Keras records in the graph and passes to the layers after it as ``mask=``. glassnet
    makes that mask in the Embedding itself (``Layer.connect_mask``), so it drops both."""
    nodes = entry.get("inbound_nodes") or []
    return (entry.get("class_name") == "NotEqual"  # the legacy .h5 config has no module
            and str(entry.get("module") or "keras.src.ops").startswith("keras.src.ops")
            and len(nodes) == 1 and isinstance(nodes[0], dict)
            and (nodes[0].get("args") or [None, None])[1:] == [0])


def _is_mask_op(entry, masks: set) -> bool:
    """Keras's ops on masks only (a merge's ``logical_or`` of its inputs' masks, a
    ``convert_to_tensor`` of one), which Keras records in the graph to pass ``mask=`` to the
    next layer: glassnet passes masks on in its layers (``Layer.connect_mask``)."""
    nodes = entry.get("inbound_nodes") or []
    if entry.get("class_name") not in ("LogicalOr", "LogicalAnd", "ConvertToTensor") or \
            not str(entry.get("module") or "keras.src.ops").startswith("keras.src.ops") or \
            len(nodes) != 1 or not isinstance(nodes[0], dict):
        return False
    args = nodes[0].get("args") or []
    return bool(args) and all(isinstance(a, dict) and a.get("class_name") == "__keras_tensor__"
                              and _ref(a)[0] in masks for a in args)


def _glassnet_functional(config: dict, custom_objects) -> dict:
    from .serialization import LAYERS

    entries = [e for e in config.get("layers") or [] if isinstance(e, dict)]
    found: set = set()
    for e in entries:
        if _is_mask_zero(e) or _is_mask_op(e, found):
            found.add(e.get("name") or e["config"].get("name"))
    masks = frozenset(found)
    layers = []
    for entry in config.get("layers") or []:
        if isinstance(entry, dict) and (entry.get("name") or entry["config"].get("name")) \
                in masks:
            continue
        converted = glassnet_entry(entry, custom_objects)
        converted["name"] = entry.get("name") or entry["config"].get("name")
        operator = str(entry.get("module") or "").startswith("keras.src.ops")
        cls = LAYERS.get(str(entry.get("class_name")))
        converted["inbound_nodes"] = [_node(n, converted["name"], operator, masks, cls)
                                      for n in entry.get("inbound_nodes") or []]
        layers.append(converted)
    inputs, input_keys, _ = _refs(config.get("input_layers"))
    outputs, output_keys, as_list = _refs(config.get("output_layers"))
    out: dict[str, Any] = {"name": config.get("name", "functional"), "layers": layers,
                           "input_layers": inputs, "output_layers": outputs,
                           "trainable": config.get("trainable", True) is not False}
    if input_keys is not None:
        out["input_keys"] = input_keys
    if output_keys is not None:
        out["output_keys"] = output_keys
    elif as_list:
        out["output_list"] = True
    return out


def compile_from_keras(model, compile_config, path) -> None:
    """Compile ``model`` as Keras's ``compile_config`` (or legacy ``training_config``)
    says; settings glassnet lacks leave it uncompiled, with a warning (as Keras does)."""
    from . import losses, optimizers

    opt = compile_config.get("optimizer") or compile_config.get("optimizer_config")
    if opt is None or compile_config.get("loss") is None:
        return  # saved before compile (Keras writes an empty compile_config)
    try:
        if isinstance(opt, dict):
            cls = optimizers.ALL.get(str(opt.get("class_name")).lower())
            if cls is None:
                raise ValueError(_("the optimizer {get!r} is not one glassnet has").format(
                                       get=opt.get('class_name')))
            accepted = _accepted(cls) or set()
            settings = {}
            for k, v in (opt.get("config") or {}).items():
                if k in accepted:
                    settings[k] = v
                elif v not in (None, False) and k not in ("name", "ema_momentum"):
                    raise ValueError(_("optimizer setting {k}={v!r} is not one glassnet "
                                       "has").format(k=k, v=v))
            rate = settings.get("learning_rate")
            if isinstance(rate, dict):  # a schedule: one of glassnet's, with Keras's settings
                from . import schedules

                settings["learning_rate"] = schedules.deserialize(
                    {"class_name": rate.get("class_name"),
                     "config": {k: v for k, v in (rate.get("config") or {}).items()
                                if k != "name"}})
            opt = cls(**settings)

        def loss(value):
            if isinstance(value, dict) and "class_name" in value:
                options = {k: v for k, v in (value.get("config") or {}).items()
                           if k not in ("name", "reduction", "dtype") and v is not None}
                return type(losses.get(value["class_name"]))(**options)
            return value

        raw = compile_config.get("loss")
        keras_loss = ({k: loss(v) for k, v in raw.items()}
                      if isinstance(raw, dict) and "class_name" not in raw else loss(raw))
        metrics = compile_config.get("metrics")

        def metric(m):
            if isinstance(m, dict):
                return (m.get("config") or {}).get("name") or m.get("class_name")
            return m
        if isinstance(metrics, list) and metrics and all(isinstance(m, list) for m in metrics):
            # Keras 2's training_config: one list per output
            metrics = [[metric(m) for m in ms] for ms in metrics]
            metrics = metrics[0] if len(metrics) == 1 else metrics
        elif isinstance(metrics, list):
            metrics = [metric(m) for m in metrics]
        elif isinstance(metrics, dict):
            metrics = {k: [metric(m) for m in (v if isinstance(v, list) else [v])]
                       for k, v in metrics.items()}
        model.compile(optimizer=opt, loss=keras_loss, metrics=metrics,
                      loss_weights=compile_config.get("loss_weights"))
    except Exception as err:
        warnings.warn(_("{path}: the model is loaded but not compiled ({kind}: {err}). "
                        "Call model.compile(...) before fit or evaluate.").format(
                            path=path, kind=type(err).__name__, err=err), stacklevel=3)
