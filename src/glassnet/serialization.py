"""Models as JSON-compatible configs, and back: the layers, and the calls that connect them.

A graph model's config lists every layer with the calls made on it, as Keras does::

    {"name": "functional", "layers": [
        {"class_name": "InputLayer", "name": "input_layer", "config": {...},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "dense", "config": {...},
         "inbound_nodes": [{"args": [["input_layer", 0, 0]], "list_call": false}]},
        ...],
     "input_layers": [["input_layer", 0, 0]], "output_layers": [["dense_1", 0, 0]]}

``["dense", 1, 0]`` names a tensor: output 0 of the second call (node 1) of layer
``dense``. Rebuilding replays the calls in order. Only classes in the registry are
built, so a config never runs code: unknown names are an error.
"""

from __future__ import annotations

from typing import Any

from . import layers as layers_module
from .graph import Graph, KerasTensor
from .i18n import _

LAYERS: dict[str, type] = {
    name: cls for name in layers_module.__all__
    if isinstance(cls := getattr(layers_module, name), type)
    and issubclass(cls, layers_module.Layer)
    and name not in ("Layer", "Lambda")}  # Lambda holds Python code: never built from a file


def _graph_node_layers() -> dict[str, type]:
    """The layers that ops and ``add_loss`` on symbolic tensors put into a graph."""
    from .layers.added_loss import AddLoss, AddMetric
    from .layers.op_lambda import OpLambda

    return {"OpLambda": OpLambda, "AddLoss": AddLoss, "AddMetric": AddMetric}


def register_layer(cls: type, name: str | None = None) -> type:
    """Allow ``load_model`` to build a custom layer class, by name. Usable as a decorator.

    ``name`` defaults to the class name; the model file stores this name.
    """
    if not (isinstance(cls, type) and issubclass(cls, layers_module.Layer)):
        raise TypeError(_("register_layer takes a subclass of glassnet.layers.Layer, got "
                          "{cls!r}.").format(cls=cls))
    LAYERS[name or cls.__name__] = cls
    return cls


def _registry(custom_objects: dict | None) -> dict[str, type]:
    from .model import Model, Sequential

    return {**LAYERS, **_graph_node_layers(), "Sequential": Sequential, "Functional": Model,
            "Model": Model, **(custom_objects or {})}


def class_name(layer) -> str:
    """The name a file stores for ``layer``'s class (a registered custom name if any)."""
    from .model import Model, Sequential

    own = type(layer).__name__
    if LAYERS.get(own) is type(layer):  # a built-in class: its own name, not an alias
        return own
    for name, cls in LAYERS.items():  # a custom layer's registered name
        if type(layer) is cls:
            return name
    if type(layer) is Model:
        return "Functional"
    if type(layer) is Sequential:
        return "Sequential"
    return type(layer).__name__


def layer_entry(layer) -> dict[str, Any]:
    entry = {"class_name": class_name(layer), "config": layer.get_config()}
    if entry["class_name"] not in _registry(None):  # your own class: named in errors
        entry["module"] = type(layer).__module__
    if getattr(layer, "uses_call", False) and getattr(layer, "built", False):
        # a subclassed model builds its weights on its first call: say for what shape(s)
        shape = _call_input_shape(layer)
        if shape is not None:
            entry["build_config"] = {"input_shape": shape}
    return entry


def _call_input_shape(layer):
    """One sample's input shape (a list), or a dict or list of them for several inputs."""
    graph = getattr(layer, "graph_or_none", None)
    if graph is None:
        shape = getattr(layer, "input_shape_", None)
        return None if shape is None else list(shape)
    shapes = [list(t.shape[1:]) for t in graph.inputs]
    if layer.input_keys is not None:
        return dict(zip(layer.input_keys, shapes))
    return shapes[0] if len(shapes) == 1 and not graph.nodes[0].list_call else shapes


# -- graph -> config ------------------------------------------------------------------
def graph_config(model) -> dict[str, Any]:
    graph = model.graph
    index: dict[int, tuple[str, int]] = {}  # id(node) -> (layer name, node index here)
    per_layer: dict[int, list] = {id(layer): [] for layer in graph.layers}
    for t in graph.inputs:
        index[id(t.node)] = (t.node.layer.name, 0)
    for node in graph.nodes:
        index[id(node)] = (node.layer.name, len(per_layer[id(node.layer)]))
        per_layer[id(node.layer)].append(node)

    def ref(t: KerasTensor) -> list:
        name, i = index[id(t.node)]
        return [name, i, t.index]

    entries = []
    for layer in graph.layers:
        entry = layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": [ref(t) for t in node.inputs],
                                   "list_call": node.list_call,
                                   **({"kwargs": node.call_kwargs} if node.call_kwargs else {})}
                                  for node in per_layer[id(layer)]]
        entries.append(entry)
    config: dict[str, Any] = {
        "name": model.name,
        "trainable": model.trainable,
        "layers": entries,
        "input_layers": [ref(t) for t in graph.inputs],
        "output_layers": [ref(t) for t in graph.outputs],
    }
    if graph.hidden:  # the ends of model.add_loss / add_metric on symbolic tensors
        config["hidden_layers"] = [ref(t) for t in graph.hidden]
    if model.input_keys is not None:
        config["input_keys"] = list(model.input_keys)
    if model.output_keys is not None:
        config["output_keys"] = list(model.output_keys)
    elif not model.single_output:
        config["output_list"] = True
    return config


# -- config -> model ------------------------------------------------------------------
def build_layer(entry, custom_objects: dict | None = None, on_layer=None):
    """One layer (or a nested model) from ``{"class_name", "config"}``.

    ``on_layer(layer)`` is called on each new layer before it is built (the loader's
    weight budget watches what it creates).
    """
    from .model import Model, Sequential

    if (not isinstance(entry, dict) or not isinstance(entry.get("config"), dict)
            or not isinstance(entry.get("class_name"), str)):
        raise ValueError(_("a layer entry is malformed: {entry}").format(entry=str(entry)[:200]))
    registry = _registry(custom_objects)
    name = entry["class_name"]
    cls = registry.get(name)
    if cls is None and isinstance(entry.get("module"), str):
        own, short = f"{entry['module'][:100]}.{name[:100]}", name[:100]
        raise ValueError(_("unknown layer {short!r}: the file was saved from your own class "
                           "{own}, and only classes you name are built (a glassnet file holds "
                           "configs and weights, never code). Pass custom_objects={{{short!r}: "
                           "{short}}} to load_model, or register the class once: "
                           "@keras.utils.register_keras_serializable() or "
                           "glassnet.saving.register_layer({short}).").format(short=short,
                                                                               own=own))
    if cls is None:
        known = sorted(set(registry) - {"Functional", "Model", "Sequential"})
        raise ValueError(_("unknown layer {name!r}. Known layers: {join}. For a class of your "
                           "own, pass custom_objects={{'MyLayer': MyLayer}} to load_model, or "
                           "register the class once: "
                           "@keras.utils.register_keras_serializable() or "
                           "glassnet.saving.register_layer(MyLayer).").format(
                               name=name[:100], join=', '.join(known)))
    if isinstance(cls, type) and issubclass(cls, Model) and "layers" in entry["config"] and \
            cls.from_config.__func__ in (Model.from_config.__func__,
                                         Sequential.from_config.__func__):
        return cls.from_config(dict(entry["config"]), custom_objects, on_layer=on_layer)
    try:
        layer = cls.from_config(dict(entry["config"]))
    except Exception as err:
        raise ValueError(_("layer {name} cannot be built from its config ({kind}: {err}).").format(
                               name=name, kind=type(err).__name__, err=err)) from None
    if on_layer is not None:
        on_layer(layer)
    shape = (entry.get("build_config") or {}).get("input_shape")
    if shape is not None and isinstance(layer, Model) and layer.graph_or_none is None:
        layer.build(_checked_build_shape(shape, name))
    return layer


def _checked_build_shape(shape, name: str):
    """A saved input shape with the batch axis put back: ``[784]`` -> ``(None, 784)``; a dict
    or list of shapes (a model whose call takes several inputs) likewise, entry by entry."""
    def one(s):
        if not (isinstance(s, list) and s and all(isinstance(d, int) and 0 < d < 1 << 31
                                                 for d in s)):
            raise ValueError(_("layer {name}: build_config {shape} is malformed.").format(
                name=name, shape=str(shape)[:100]))
        return (None, *s)
    if isinstance(shape, dict):
        return {str(k): one(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and all(isinstance(s, list) for s in shape):
        return [one(s) for s in shape]
    return one(shape)


def sequential_from_config(config: dict, custom_objects: dict | None = None, on_layer=None):
    from .model import Sequential

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(_("the model description is missing or malformed."))
    model = Sequential(name=str(config.get("name", "sequential"))[:200])
    if config.get("input_shape") is not None:
        from .layers.input import InputLayer

        model.add(InputLayer(shape=tuple(config["input_shape"])))
    for entry in config["layers"]:
        layer = build_layer(entry, custom_objects, on_layer)
        try:
            model.add(layer)  # builds it when the input shape is known
        except Exception as err:
            raise ValueError(_("layer {entry} ({name!r}) cannot be built ({kind}: {err}).").format(
                                   entry=entry['class_name'], name=layer.name,
                                   kind=type(err).__name__, err=err)) from None
    if config.get("trainable") is False:
        model.trainable = False
    return model


def model_from_config(config: dict, custom_objects: dict | None = None, on_layer=None):
    """Rebuild a graph model: create its layers, then replay their calls in order."""
    from .model import Model

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(_("the model description is missing or malformed."))
    if "input_layers" not in config:  # a Sequential saved under another class name
        return sequential_from_config(config, custom_objects, on_layer)
    created: dict[str, Any] = {}
    pending: list[tuple[Any, list]] = []
    for entry in config["layers"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in created:
            raise ValueError(_("a layer entry has a missing or repeated name: {name}").format(
                                   name=str(name)[:100]))
        layer = build_layer(entry, custom_objects, on_layer)
        layer.name = name
        created[name] = layer
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(_("layer {name!r}: inbound_nodes is malformed.").format(name=name))
        pending.append((layer, list(nodes)))
    outputs: dict[str, list] = {}  # layer name -> outputs of each of its calls

    def tensor(ref) -> KerasTensor:
        if (not isinstance(ref, list) or len(ref) != 3 or not isinstance(ref[0], str)
                or not all(isinstance(i, int) for i in ref[1:])):
            raise ValueError(_("a tensor reference is malformed: {ref}").format(ref=str(ref)[:100]))
        name, node, index = ref
        if name in created and type(created[name]).__name__ == "InputLayer":
            return created[name].output
        calls = outputs.get(name, [])
        if node >= len(calls):
            raise LookupError(name)
        out = calls[node]
        return out[index] if isinstance(out, (list, tuple)) else out

    progress = True
    while progress and any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes:
                node = nodes[0]
                if not isinstance(node, dict) or not isinstance(node.get("args"), list):
                    raise ValueError(_("layer {name!r}: a call entry is malformed.").format(
                                           name=layer.name))
                try:
                    args = [tensor(r) for r in node["args"]]
                except LookupError:
                    break  # its inputs are not computed yet
                call = args if node.get("list_call") else args[0]
                kwargs = node.get("kwargs") or {}
                if not isinstance(kwargs, dict) or not all(
                        isinstance(v, (bool, int, float, str)) for v in kwargs.values()):
                    raise ValueError(_("layer {name!r}: a call entry is malformed.").format(
                                           name=layer.name))
                outputs.setdefault(layer.name, []).append(layer(call, **kwargs))
                nodes.pop(0)
                progress = True
    if any(nodes for _, nodes in pending):
        stuck = [layer.name for layer, nodes in pending if nodes]
        raise ValueError(_("the calls of layers {stuck} read tensors that no layer makes "
                           "(a broken or cyclic graph).").format(stuck=stuck[:5]))

    def structure(refs, keys, as_list):
        tensors = [tensor(r) for r in refs]
        if keys is not None:
            return dict(zip(keys, tensors))
        return tensors if as_list or len(tensors) != 1 else tensors[0]

    inputs = structure(config["input_layers"], config.get("input_keys"), False)
    outs = structure(config["output_layers"], config.get("output_keys"),
                     config.get("output_list", False))
    model = Model(inputs, outs, name=str(config.get("name", "functional"))[:200])
    if config.get("hidden_layers"):
        graph = model.graph
        model.set_graph(Graph(graph.inputs, graph.outputs,
                              [tensor(r) for r in config["hidden_layers"]]))
    if config.get("trainable") is False:
        model.trainable = False
    return model
