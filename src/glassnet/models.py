"""``glassnet.models``: ``Sequential``, ``Model``, ``load_model``, ``model_from_json`` and
``clone_model``, as in ``keras.models``."""

from __future__ import annotations

from ._lazy import attach
from .i18n import _
from .model import Model, Sequential

# reading and writing files is imported when first used
__getattr__, __dir__ = attach(__name__, {"load_model": ".saving"})

# model_from_yaml is here only to raise Keras's error (it was removed for safety)
__all__ = ["Model", "Sequential", "clone_model", "load_model",  # noqa: F822  (lazy)
           "model_from_json"]


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """The model that ``model.to_json()`` described, with new weights (the JSON holds the
    architecture only; copy weights with ``set_weights(old.get_weights())``).

    Only layer classes of glassnet, or those in ``custom_objects``/registered with
    ``glassnet.saving.register_layer``, are built: reading JSON never runs code."""
    import json

    from .serialization import build_layer

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as err:
        raise ValueError(_("model_from_json needs the text that model.to_json() "
                           "returned; this is not JSON ({err}).").format(err=err)) from None
    return build_layer(config, custom_objects)


def model_from_yaml(yaml_string: str, custom_objects: dict | None = None):
    """Removed, as in Keras since 2.6: YAML loading could run arbitrary code."""
    raise RuntimeError(_("model_from_yaml() was removed from Keras (2.6 and later) "
                         "because loading YAML could run arbitrary code; glassnet does "
                         "not have it either. Use model.to_json() and "
                         "glassnet.models.model_from_json()."))


def clone_model(model: Model) -> Model:
    """A new model with the same layers and connections and newly initialised weights, as
    ``keras.models.clone_model`` (compile it again before training)."""
    from .serialization import build_layer, layer_entry

    return build_layer(layer_entry(model))
