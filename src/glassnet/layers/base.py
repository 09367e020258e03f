"""The ``Layer`` contract every layer follows.

A layer is a function ``y = f(x; θ)`` with two methods:

* ``forward(x, training)`` computes ``y`` and keeps what ``backward`` will need;
* ``backward(dy)`` receives ``dy = dL/dy``, fills ``self.grads`` with ``dL/dθ`` and
  returns ``dx = dL/dx`` for the layer below (the chain rule, one layer at a time).

Shapes exclude the batch dimension: ``input_shape = (784,)`` means batches of
shape ``(batch, 784)``. A sequence's length may be None (``Input(shape=(None, 8))``): any
number of steps, one per batch, for the layers that ``handles_variable_length``.
Weights are created lazily in ``build(input_shape)`` when
the first batch (or ``input_shape=``) tells the layer its input size.

A user's layer (Keras style) defines ``call(inputs)`` made of glassnet ops instead of
``forward``/``backward``; ``Layer`` then gives it both: ``forward`` runs ``call`` on a
private ``GradientTape``, and ``backward`` applies that tape. Its ``build`` receives the
shape with the batch axis, ``(None, 784)``, as in Keras. Layers assigned as attributes
(or in lists) are its sub-layers: their weights are its weights.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from .. import activations, backend, blas, constraints, initializers, regularizers
from ..errors import InputError
from ..graph import KerasTensor, Node, symbolic
from ..i18n import _
from ..tape import (
    GradientTape,
    call_layer,
    flatten,
    map_structure,
    note_threads,
    paused,
    warn_once,
)
from ..tensor import Tensor, Variable, to_array


class Layer:
    """Base class of all layers.

    Attributes:
        params: trainable weights by name, e.g. ``{"kernel": W, "bias": b}``.
        grads: ``dL/dθ`` for each entry of ``params``, same shapes, filled by ``backward``.
        state: non-trainable weights (e.g. BatchNormalization's moving statistics).
        need_input_grad: when False, ``backward`` may skip ``dx`` and return None
            (the model sets it on its first layer with weights during ``fit``).
    """

    #: True when the layer works on samples whose leading axes (the time steps of a
    #: sequence) have no fixed size, ``Input(shape=(None, 8))``: only the last axis must be
    #: known. Layers whose weights or output size depend on every axis (Flatten, Conv2D)
    #: leave it False and refuse such inputs by name (``check_variable_length``).
    handles_variable_length = False
    #: True when the layer passes its input's mask on unchanged (Keras's name): the mask of
    #: ``Embedding(mask_zero=True)`` reaches an LSTM through Dropout or Dense.
    supports_masking = False

    def __init__(
        self,
        *,
        name: str | None = None,
        trainable: bool = True,
        input_shape: tuple[int, ...] | None = None,
        input_dim: int | None = None,
        dtype: Any = None,
        batch_input_shape: tuple | None = None,
    ) -> None:
        if batch_input_shape is not None:  # Keras 2: (batch, *input_shape) on any layer
            from ..legacy import warn_once as warn_keras2

            warn_keras2("batch_input_shape=", "keras.Input(batch_shape=...)")
            input_shape = tuple(batch_input_shape)[1:]
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.built = False
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.need_input_grad = True
        if input_dim is not None:
            input_shape = (input_dim,)
        self.declared_input_shape = _as_shape(input_shape) if input_shape is not None else None
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.inbound_nodes: list[Node] = []  # one per call on symbolic tensors

    @property
    def dtype_policy(self):
        """Keras's dtype policy (``mixed_precision.global_policy()``): glassnet computes
        in ``floatx()`` whatever it says (see ``mixed_precision``)."""
        from ..mixed_precision import global_policy

        return global_policy()

    @property
    def compute_dtype(self) -> str:
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self.dtype_policy.variable_dtype

    # -- building -------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...]) -> None:
        """Create weights for inputs of shape ``(batch,) + input_shape``."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def add_variable(self, *args, **kwargs) -> Variable:
        """Keras 2's old name of ``add_weight`` (removed in Keras 3; one warning)."""
        from ..legacy import warn_once as warn_keras2

        warn_keras2("Layer.add_variable", "Layer.add_weight")
        return self.add_weight(*args, **kwargs)

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True,
                   name=None, regularizer=None, constraint=None, **kwargs) -> Variable:
        """Create a weight and return it as a ``Variable`` backed by ``params[name]``
        (trainable, with a gradient buffer ``grads[name]``) or ``state[name]``.

        Keras 3: ``add_weight(shape=(784, 128), initializer="glorot_uniform",
        trainable=True, name="kernel")`` (``shape`` first when positional). Keras 2 and
        glassnet's own layers: ``add_weight("kernel", (784, 128), "glorot_uniform")``.
        The initializer defaults to ``glorot_uniform``, as in Keras.
        """
        if args and isinstance(args[0], str):  # Keras 2 / built-in order: name, shape, init
            name, *args = args
            positional = ["shape", "initializer", "trainable"]
            if len(args) > 2 or len(args) > 1 and (args[1] is None or _is_dtype(args[1])):
                # Keras 2: name, shape, dtype, initializer, regularizer, trainable
                positional = ["shape", "dtype", "initializer", "regularizer", "trainable"]
        else:  # Keras 3 order
            positional = ["shape", "initializer", "dtype", "trainable"]
        given = dict(zip(positional, args))
        regularizer = given.get("regularizer", regularizer)
        shape = given.get("shape", shape)
        initializer = given.get("initializer", initializer)
        dtype = given.get("dtype", dtype)
        trainable = given.get("trainable", trainable)
        if shape is None:
            raise ValueError(_("Layer {name!r}: add_weight needs a shape, e.g. "
                               "self.add_weight(shape=(input_dim, units)).").format(
                name=self.name))
        if regularizer is not None or constraint is not None:
            warn_once(self, _("add_weight's regularizer and constraint are not supported by "
                              "glassnet yet and are ignored."))
        shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
        key = name or "variable"
        n = 1
        while key in self.params or key in self.state:  # names are unique within a layer
            key, n = f"{name or 'variable'}_{n}", n + 1
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        value = np.asarray(init(shape, np.dtype(dtype or backend.floatx())), order="C")
        if trainable:
            self.params[key] = value
            self.grads[key] = np.zeros_like(value)
        else:
            self.state[key] = value
        return self.variable(key)

    def variable(self, key: str) -> Variable:
        """The ``Variable`` of weight ``key`` (one object per weight, for the tape): it reads
        ``params[key]`` (or ``state[key]``) live, so it follows the model's flat vector θ."""
        variables = vars(self).setdefault("_variables", {})
        if key not in variables:
            trainable = key in self.params
            store = self.params if trainable else self.state
            if key not in store:
                raise KeyError(_("Layer {name!r} has no weight {key!r}; it has "
                                 "{weights}.").format(name=self.name, key=key,
                                                      weights=[*self.params, *self.state]))
            variables[key] = Variable.slot(store, key, name=f"{self.name}/{key}",
                                           trainable=trainable)
        return variables[key]

    # -- the two passes -------------------------------------------------------
    # Built-in layers override forward and backward. For a layer with ``call`` these
    # defaults differentiate the call with a tape: this is how fit trains a user's layer.
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``y = call(x)`` on tensors, recorded on a private tape kept for ``backward``.

        ``x`` may be a structure of arrays (a list or dict, a model with several inputs):
        ``call`` receives the same structure of tensors. Several outputs (a tuple, list
        or dict from ``call``) come back as a list of arrays, in ``flatten`` order."""
        if not self.uses_call:
            raise NotImplementedError(_(
                "{cls} must define call(self, inputs) (made of glassnet "
                "ops), or forward(x, training) and backward(dy).").format(
                cls=type(self).__name__))
        if not self.built:
            self.ensure_built(map_structure(lambda a: a.shape[1:], x))
        tape = GradientTape(persistent=True)
        for layer in self.leaves():  # add_loss/add_metric collect this call's values
            vars(layer)["_call_losses"] = []
            vars(layer)["_call_metrics"] = []
        with tape:
            x_t = map_structure(Tensor, x)
            xs = flatten(x_t)
            for t in xs:
                tape.watch(t)
            y = self.run_call(x_t, training)
        ys = flatten(y)
        for t in ys:
            if not isinstance(t, Tensor):
                raise TypeError(_(
                    "Layer {name!r}: call returned {type}, not a tensor. Build "
                    "the output with glassnet ops (tf.matmul, tf.nn.relu, ...) so that its "
                    "gradient can be computed; NumPy code is invisible to the tape.").format(
                    name=self.name, type=type(t).__name__))
        self.last_call = (tape, x_t, xs, ys)
        return y.array if isinstance(y, Tensor) else [t.array for t in ys]

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        """Apply the tape of the last ``forward``: fill ``grads`` (and the sub-layers'
        ``grads``) with ``dL/dθ`` and return ``dL/dx`` (a list for several inputs;
        ``dy`` a list for several outputs)."""
        if not self.uses_call:
            raise NotImplementedError(_("{cls} must define backward(dy).").format(
                cls=type(self).__name__))
        tape, x_t, xs, ys = self.last_call
        if dy is None:  # only the add_loss values depend on this call (an endpoint layer)
            dy = [np.zeros_like(t.array) for t in ys]
        dys = dy if isinstance(dy, list) else [dy]
        slots = [(layer, k) for layer in self.leaves() if layer.trainable
                 for k in layer.params]
        added = self.added_loss_tensors()  # add_loss: their gradients join dy's
        sources = [*xs, *(layer.variable(k) for layer, k in slots)]
        grads = tape.gradient([*ys, *added], sources,
                              output_gradients=[*dys, *(np.ones_like(t.array) for t in added)])
        n = len(xs)
        for (layer, k), g in zip(slots, grads[n:]):
            if g is None:
                warn_once(self, _("Layer {name!r}: weight {weight} received no "
                                  "gradient, so training does not change it. Its call does not "
                                  "use it, or uses it through NumPy code that the tape cannot "
                                  "see: use glassnet ops (tf.matmul, tf.nn.relu, ...) on "
                                  "it.").format(name=self.name, weight=f"{layer.name}/{k}"))
                layer.grads[k][...] = 0
            else:
                layer.grads[k][...] = g.array
        if not self.need_input_grad:
            return None
        dxs = [np.zeros_like(x.array) if g is None else g.array for x, g in zip(xs, grads)]
        return dxs[0] if isinstance(x_t, Tensor) else dxs

    def added_loss_tensors(self) -> list[Tensor]:
        """The tensors that this layer's (and its sub-layers') last ``call`` gave to
        ``add_loss``: training adds their sum to the loss, so their gradients count even
        when the layer's output does not reach the compiled loss."""
        if not self.uses_call:
            return []
        return [t for layer in self.leaves() for t in vars(layer).get("_call_losses", ())
                if isinstance(t, Tensor)]

    def compute_mask(self, inputs, mask=None):
        """Keras's mask of this layer's output for a call on ``inputs`` whose mask is
        ``mask``: the same mask when the layer ``supports_masking``, else None (a layer
        that makes or splits a mask overrides it: Embedding, Masking, a user's layer)."""
        return mask if self.supports_masking else None

    def call(self, inputs, *args, **kwargs):
        """The layer's computation on tensors (defined by a user's layer)."""
        raise NotImplementedError(_("{cls} does not define call.").format(
            cls=type(self).__name__))

    @property
    def uses_call(self) -> bool:
        """True for a layer written Keras style, with ``call`` (its gradient from the tape)."""
        return type(self).call is not Layer.call

    def run_call(self, inputs, training=None, **kwargs):
        """``call(inputs)``, passing ``training`` when ``call`` takes it (as Keras does).

        The layers it calls without ``training=`` take this call's (Keras 3's call
        context): a ``Dropout`` inside a ``call(self, inputs)`` drops during ``fit``."""
        training = current_training(training)
        if _takes_training(type(self)):
            kwargs["training"] = training
        _TRAINING.append(training)
        try:
            if vars(self).get("positional_inputs"):  # layer(a, b): call(a, b)
                return self.call(*inputs, **kwargs)
            return self.call(inputs, **kwargs)
        finally:
            _TRAINING.pop()

    def call_state(self) -> dict[str, Any]:
        """What ``backward`` needs from the last ``forward``: a shallow copy of the layer's
        attributes, so the tape can differentiate a layer called several times (see
        ``tape.call_layer``). Override it when a layer reuses arrays between calls."""
        return dict(vars(self))

    def restore_call_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state)

    def __getstate__(self) -> dict[str, Any]:
        """For pickle and deepcopy: without the last call's tape (its closures cannot be
        pickled, and a copy needs a forward pass before its backward anyway)."""
        state = dict(vars(self))
        state.pop("last_call", None)
        return state

    def __call__(self, x=None, *args, training: bool | None = None, **kwargs) -> Tensor:
        """``layer(x)``: on a symbolic tensor (from ``Input``), record the call and return
        the symbolic output (the functional API); on arrays or tensors, compute it now
        (recorded on a ``GradientTape`` if one is watching).

        ``layer(a, b)`` on a layer with ``call(self, a, b)`` passes both, as Keras does
        (an endpoint layer's ``call(targets, logits)``); ``layer(x, True)`` is ``training``.
        The first input may also come by its name in ``call`` (``layer(inputs=x)``,
        ``endpoint(logits=z, targets=y)``). Without ``training``, a layer called inside
        another layer's ``call`` takes that call's (``current_training``), else False.
        """
        if x is None:
            name = _first_input_name(type(self)) if self.uses_call else "inputs"
            if name not in kwargs:
                raise TypeError(_("{cls} was called without its input: give it first, as "
                                  "layer(x), or by name, as layer({name}=x).").format(
                                      cls=type(self).__name__, name=name))
            x = kwargs.pop(name)
        if len(args) == 1 and (args[0] is None or isinstance(args[0], (bool, np.bool_))):
            training = args[0]
        elif args:
            if not self.uses_call:
                raise TypeError(_("{cls} takes one input (a list for several), got "
                                  "{n} positional arguments.").format(
                                      cls=type(self).__name__, n=1 + len(args)))
            vars(self)["positional_inputs"] = 1 + len(args)
            x = [x, *args]
        if symbolic(x):
            return self.call_symbolic(x)
        training = current_training(training)
        if self.uses_call:  # layer.losses holds what this call adds (add_loss)
            for leaf in self.leaves():
                vars(leaf)["_call_losses"] = []
                vars(leaf)["_call_metrics"] = []
        given = x
        x = map_structure(lambda t: _as_input(t, self.uses_call), x)
        if not self.built:
            # a layer with call learns its output shape from these very inputs, as Keras
            # builds on the first call (a call may need their batch size)
            vars(self)["_first_inputs"] = x if self.uses_call else None
            try:
                self.ensure_built(map_structure(lambda t: t.shape[1:], x))
            finally:
                vars(self).pop("_first_inputs", None)
        if self.uses_call and not _TRAINING:  # a user's model called by a training loop
            y = _call_choosing_threads(self, x, training, kwargs)
        else:
            y = call_layer(self, x, training, **kwargs)
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask \
                or getattr(self, "output_mask", None) is not None:
            _attach_masks(self, given, y)
        return y

    def ensure_built(self, input_shape) -> None:
        """Build for inputs of shape ``(batch,) + input_shape``, once.

        Built-in layers get ``build(input_shape)``; a layer with ``call`` gets
        ``build((None,) + input_shape)`` (Keras's convention), and its ``output_shape``
        from ``compute_output_shape`` or else from running ``call`` on one sample of zeros.
        """
        if self.built:
            return
        if not self.uses_call:  # a merge layer's input_shape is a list of shapes
            self.build(input_shape if isinstance(input_shape, list) else tuple(input_shape))
            self.restore_pending()
            return
        # layer(a, b): build sees the first input's shape, as in Keras
        first = input_shape[0] if vars(self).get("positional_inputs") else input_shape
        self.build(_with_batch(first))
        self.built = True
        self.input_shape = input_shape
        self.output_shape = self._call_output_shape(input_shape)

    def restore_on_build(self, values: dict[str, np.ndarray]) -> None:
        """Values for weights this layer creates when it is built, ``{key: array}`` (a
        ``tf.train.Checkpoint`` restored into a model before its first call)."""
        vars(self)["pending_weights"] = dict(values)

    def restore_pending(self) -> None:
        """Assign the values of ``restore_on_build`` to the weights just built."""
        pending = vars(self).pop("pending_weights", None)
        for key, value in (pending or {}).items():
            if key in self.params or key in self.state:
                self.variable(key).assign(value)

    def _call_output_shape(self, input_shape):
        """The output's shape without the batch axis (a list of shapes when ``call`` returns
        a list or tuple, a dict when it returns a dict); None when ``call`` fails on zeros."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shape = self.compute_output_shape(_with_batch(input_shape))
            return tuple(shape)[1:]
        one = vars(self).get("_first_inputs")
        if one is not None:
            return _shapes_of(self._trial_call(one))
        shapes = _shapes_of(self._trial_call(_zeros_like_shape(input_shape)))
        if shapes is None or None not in flatten(input_shape):
            return shapes
        # a sequence of any length: the axes that change with it are None (steps 1, then 2)
        other = _shapes_of(self._trial_call(_zeros_like_shape(input_shape, 2)))
        return None if other is None else _unknown_where_different(shapes, other)

    def _trial_call(self, sample):
        """``call`` on a sample of zeros, or None where it fails; stateful recurrent layers
        inside keep the states they had."""
        stateful = [la for la in self.submodules if getattr(la, "stateful", False)]
        held = [la.states for la in stateful]
        try:
            with paused():
                return self.run_call(sample, training=False)
        except Exception:  # the real call will report it, with the user's own data
            return None
        finally:
            for layer, states in zip(stateful, held):
                layer.states = states

    def call_symbolic(self, inputs):
        """Record ``self(inputs)`` in the graph: build for the inputs' shapes, return the
        output ``KerasTensor`` (a list when the layer has several outputs)."""
        list_call = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if list_call else [inputs]
        for t in tensors:
            if not isinstance(t, KerasTensor):
                raise TypeError(_("Layer {name!r} was called on a mix of symbolic tensors and "
                                  "{type}; pass only tensors from Input(...) or "
                                  "from other layers.").format(name=self.name,
                                                               type=type(t).__name__))
        shapes = [tuple(t.shape[1:]) for t in tensors]
        shape = shapes if list_call else shapes[0]
        if any(None in s for s in shapes):
            self.check_variable_length(shapes)
        self.ensure_built(shape)
        node = Node(self, tensors, [(None, *s) for s in self.output_shapes(shape)], list_call)
        node.outputs[0].mask_source = self.connect_mask(tensors)
        node.call_kwargs = dict(getattr(self, "call_kwargs", {}))  # see Node
        self.inbound_nodes.append(node)
        return node.outputs[0] if len(node.outputs) == 1 else node.outputs

    # -- sequences of any length, and their masks ----------------------------------------
    def check_variable_length(self, shapes: list[tuple]) -> None:
        """Refuse sample shapes with an unknown axis (None) unless the layer handles them
        (``handles_variable_length``, with a known last axis), naming the fix."""
        if self.uses_call:  # a user's layer: its call decides
            return
        for shape in shapes:
            if None in shape and not (self.handles_variable_length and shape[-1] is not None):
                raise InputError(_variable_length_message(shape, self))

    def connect_mask(self, inputs: list[KerasTensor]) -> Layer | None:
        """Keras's ``compute_mask``, decided once when the graph is built: the layer whose
        ``output_mask`` (after each forward pass) is the mask of this layer's output, or
        None. A layer that ``supports_masking`` passes its input's mask on; a layer that
        uses the mask (an RNN) also remembers it here."""
        if self.supports_masking and len(inputs) == 1:
            return inputs[0].mask_source
        return None

    def output_shapes(self, input_shape) -> list[tuple]:
        """The shape of each output for ``input_shape`` (one output, except models)."""
        if self.input_shape is not None and not isinstance(input_shape, list) and \
                tuple(self.input_shape) != tuple(input_shape):
            raise InputError(_(
                "Layer {name!r} was built for inputs of shape "
                "{built} and is now called on inputs of shape "
                "{shape}. A layer called twice (shared) needs inputs of the "
                "same shape; create a new layer for the other shape.").format(
                name=self.name, built=(None, *self.input_shape), shape=(None, *input_shape)))
        if self.uses_call:  # a user's layer: its compute_output_shape, or call on zeros
            shape = self._call_output_shape(input_shape)
            if shape is None:
                raise ValueError(_("Layer {name!r}: call failed on a sample of shape "
                                   "{shape}; call the layer on real data to "
                                   "see the error, or define compute_output_shape.").format(
                    name=self.name, shape=(None, *input_shape)))
            return shape_list(shape)
        return [tuple(self.compute_output_shape(input_shape))]

    @property
    def input(self):
        """The symbolic input of this layer's first call (Keras's ``layer.input``)."""
        node = self._first_node("input")
        return node.inputs if node.list_call else node.inputs[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call (Keras's ``layer.output``)."""
        outputs = self._first_node("output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    def _first_node(self, what: str) -> Node:
        if not self.inbound_nodes:
            raise AttributeError(_(
                "Layer {name!r} has no {what} yet: it has not been called on a symbolic "
                "tensor. Build the model first (give it an Input, or call "
                "model.build(...)).").format(name=self.name, what=what))
        return self.inbound_nodes[0]

    # -- what the graph needs (models override these) --------------------------
    def leaves(self) -> list[Layer]:
        """The layers whose weights this layer uses: ``[self]`` for a built-in layer (its
        helpers' weights are views of its own); a layer written with ``call`` adds its
        sub-layers', and a model its layers'."""
        if not self.tracks_sublayers:
            return [self]
        self.adopt_variables()
        out: list[Layer] = [self]
        for sub in self.sublayers:
            out += [leaf for leaf in sub.leaves() if not any(leaf is o for o in out)]
        return out

    @property
    def tracks_sublayers(self) -> bool:
        """Whether the layers assigned to its attributes are its parts (a layer with
        ``call``; models add the case of a model with only ``train_step``)."""
        return self.uses_call

    def adopt_variables(self) -> None:
        """``self.w = tf.Variable(...)`` in a layer of your own makes ``w`` one of its
        weights, as Keras tracks it: the value moves into ``params`` (trainable, with a
        gradient buffer) or ``state``, and the variable reads it from there."""
        own = vars(self).setdefault("_variables", {})
        for name, value in list(vars(self).items()):
            if isinstance(value, Variable) and not any(value is v for v in own.values()):
                store = self.params if value.trainable else self.state
                value.attach(store, name)
                if value.trainable:
                    self.grads[name] = np.zeros_like(store[name])
                own[name] = value

    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Where Keras 3 keeps this layer's weights in a ``.weights.h5``, relative to the
        layer's group, and whose weights they are: ``[("vars", self)]``; see
        ``keras_format``."""
        return [("vars", self)]

    def leaf_grads(self) -> list[np.ndarray]:
        """The gradient arrays of every weight, for summing over a shared layer's calls."""
        return [g for leaf in self.leaves() for g in leaf.grads.values()]

    @property
    def trainable(self) -> bool:
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """``layer.trainable = False`` freezes its weights and those of the layers it holds
        (``frozen_with``), as in Keras."""
        self.__dict__["_trainable"] = bool(value)
        for sub in self.frozen_with():
            sub.trainable = bool(value)

    def frozen_with(self) -> list:
        """The layers that follow this one's ``trainable``: none for a plain layer; a
        model's layers, a wrapper's wrapped layers, an RNN's cells."""
        return []

    @property
    def has_trainable_weights(self) -> bool:
        return any(leaf.trainable and leaf.params for leaf in self.leaves())

    @property
    def submodules(self) -> tuple[Layer, ...]:
        """Every layer inside this one, at any depth, breadth first (``tf.Module``'s
        ``submodules``: a model's layers, a layer's sub-layers, and theirs)."""
        found: list[Layer] = []
        queue: list[Layer] = [self]
        while queue:
            layer = queue.pop(0)
            children = layer.layers if hasattr(layer, "layers") else layer.sublayers
            for child in children:
                if child is not self and not any(child is f for f in found):
                    found.append(child)
                    queue.append(child)
        return tuple(found)

    @property
    def sublayers(self) -> list[Layer]:
        """The layers assigned to this layer's attributes (directly, or in a list, tuple or
        dict), in the order they were assigned: Keras's tracking of nested layers."""
        found: list[Layer] = []
        for value in vars(self).values():
            items = value.values() if isinstance(value, dict) else (
                value if isinstance(value, (list, tuple)) else (value,))
            found += [v for v in items if isinstance(v, Layer) and v is not self
                      and not any(v is f for f in found)]
        return found

    @property
    def weights(self) -> list[Variable]:
        """All weights (its own, then its sub-layers'), trainable first, as ``Variable``s
        (as in Keras: ``layer.weights == [layer.kernel, layer.bias]``); each reads and writes
        the live array, ``np.asarray(w)`` gives it."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self) -> list[Variable]:
        return self.trainable_variables

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return self.non_trainable_variables

    @property
    def trainable_variables(self) -> list[Variable]:
        """The trainable weights as ``Variable``s, for ``tape.gradient`` and
        ``optimizer.apply_gradients``."""
        return [layer.variable(k) for layer in self.leaves() if layer.trainable
                for k in layer.params]

    @property
    def non_trainable_variables(self) -> list[Variable]:
        layers = self.leaves()
        return ([layer.variable(k) for layer in layers if not layer.trainable
                 for k in layer.params]
                + [layer.variable(k) for layer in layers for k in layer.state])

    @property
    def variables(self) -> list[Variable]:
        return self.trainable_variables + self.non_trainable_variables

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights, in the order of ``weights``."""
        return [np.array(w) for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Write new values into the existing weight arrays (shapes must match)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(_(
                "Layer {name!r} has {n} weights, but set_weights got {got}."
            ).format(name=self.name, n=len(own), got=len(weights)))
        for i, (w, new) in enumerate(zip(own, weights)):
            new = np.asarray(new)
            if new.shape != w.shape:
                raise ValueError(_(
                    "Layer {name!r} weight {i} has shape {shape}, "
                    "but set_weights got shape {got}."
                ).format(name=self.name, i=i, shape=w.shape, got=new.shape))
        for w, new in zip(own, weights):
            w.array[...] = new

    def count_params(self) -> int:
        return sum(int(w.size) for w in self.weights)

    @property
    def metrics(self) -> list:
        """The ``keras.metrics.Metric`` objects this layer and its sub-layers hold as
        attributes (Keras's ``layer.metrics``: an endpoint layer's accuracy)."""
        from ..metrics import Metric

        return [v for leaf in self.leaves() for v in vars(leaf).values()
                if isinstance(v, Metric)]

    @property
    def losses(self) -> list[float]:
        """Penalties this layer and its sub-layers add to the loss (Keras's
        ``layer.losses``): each one's ``own_losses``."""
        return [p for leaf in self.leaves() for p in leaf.own_losses]

    @property
    def own_losses(self) -> list[float]:
        """The values this layer's ``call`` gave to ``add_loss`` in the last forward pass
        (and see ``KernelLayer.own_losses``)."""
        return [float(np.asarray(t)) for t in vars(self).get("_call_losses", ())]

    def add_metric(self, value, name: str | None = None, aggregation=None) -> None:
        """Keras 2's ``self.add_metric(value, name=...)`` inside ``call`` (Keras 3 removed
        it; one warning): ``fit`` and ``evaluate`` report the mean of ``value`` over the
        epoch's batches under ``name`` (``val_name`` on validation data)."""
        from ..legacy import warn_once as warn_keras2

        warn_keras2("Layer.add_metric", "a keras.metrics.Metric (e.g. a metrics.Mean that "
                                        "your train_step updates)")
        if isinstance(value, KerasTensor):
            raise NotImplementedError(_(
                "add_metric on a symbolic tensor (model.add_metric(x) on a functional model) "
                "is not supported: call self.add_metric(...) inside the call of a layer of "
                "your own, placed where x is computed."))
        if aggregation not in (None, "mean"):
            raise NotImplementedError(_("add_metric(aggregation={aggregation!r}): glassnet "
                                        "reports the mean only.").format(
                aggregation=aggregation))
        vars(self).setdefault("_call_metrics", []).append((name or "metric", value))

    def added_metrics(self) -> list[tuple[str, Any]]:
        """``(name, value)`` for each ``add_metric`` of the last call."""
        return list(vars(self).get("_call_metrics", ()))

    def add_loss(self, value) -> None:
        """Keras's ``self.add_loss(tensor)`` inside ``call``: the value is added to the loss
        that training minimises, and its gradient (from the tape) to the weights'."""
        vars(self).setdefault("_call_losses", []).append(value)

    # -- saving ---------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as JSON-compatible values."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.declared_input_shape is not None:
            config["input_shape"] = list(self.declared_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class KernelLayer(Layer):
    """A layer with a ``kernel`` weight ``W`` and an optional ``bias`` ``b``, named as in the math,
    followed by an activation ``f`` (``Dense``, ``Conv2D``).

    ``W``/``kernel``, ``b``/``bias`` and their gradients ``dW``, ``db`` are the live
    arrays in ``params`` and ``grads`` (views into the model's flat vectors).

    Regularizers add penalties to the loss (see ``regularizers``): ``R_W(W)``, ``R_b(b)``
    and, on the output ``a``, ``R_a(a) / batch``. ``losses`` lists their current values,
    ``add_regularization_grads`` adds ``dR_W/dW`` to ``dW`` and ``dR_b/db`` to ``db``, and
    ``activity_gradient`` is ``dR_a/da / batch``, which ``backward`` adds to ``da``.
    Constraints project ``W`` and ``b`` after each optimizer step (``apply_constraints``).
    """

    def __init__(
        self,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str | initializers.Initializer = "glorot_uniform",
        bias_initializer: str | initializers.Initializer = "zeros",
        *,
        kernel_regularizer: str | regularizers.Regularizer | None = None,
        bias_regularizer: str | regularizers.Regularizer | None = None,
        activity_regularizer: str | regularizers.Regularizer | None = None,
        kernel_constraint: str | constraints.Constraint | None = None,
        bias_constraint: str | constraints.Constraint | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        initializers.get(kernel_initializer)  # an unknown name fails here, not at build
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def add_kernel(self, shape: tuple[int, ...]) -> None:
        """Create ``kernel`` of ``shape`` and, with ``use_bias``, one bias per output
        (``shape[-1]`` of them)."""
        self.add_weight("kernel", shape, self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (shape[-1],), self.bias_initializer)

    def kernel_config(self) -> dict[str, Any]:
        """The constructor arguments this class handles, for ``get_config``."""
        config = {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        # written only when set, so files of models without them stay as they were
        for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if getattr(self, key) is not None:
                config[key] = regularizers.serialize(getattr(self, key))
        for key in ("kernel_constraint", "bias_constraint"):
            if getattr(self, key) is not None:
                config[key] = constraints.serialize(getattr(self, key))
        return config

    # -- regularization and constraints --------------------------------------
    @property
    def own_losses(self) -> list[float]:
        """The current penalties (Keras's ``layer.losses``): ``R_W(W)``, ``R_b(b)`` and the
        activity penalty ``R_a(a) / batch`` of the last forward pass, for those that are set.
        The loss that training minimises is the model's loss plus their sum."""
        out = []
        if self.built and self.kernel_regularizer is not None:
            out.append(float(self.kernel_regularizer(self.W)))
        if self.built and self.use_bias and self.bias_regularizer is not None:
            out.append(float(self.bias_regularizer(self.b)))
        a = getattr(self, "a", None)
        if self.activity_regularizer is not None and a is not None:
            out.append(float(self.activity_regularizer(a)) / len(a))
        return out

    def add_regularization_grads(self) -> None:
        """``dW += dR_W/dW`` and ``db += dR_b/db``: called by ``backward`` once ``dW`` and
        ``db`` hold the loss's gradient, so they become the gradient of loss + penalties."""
        if self.kernel_regularizer is not None:
            np.add(self.dW, self.kernel_regularizer.gradient(self.W), out=self.dW)
        if self.use_bias and self.bias_regularizer is not None:
            np.add(self.db, self.bias_regularizer.gradient(self.b), out=self.db)

    def activity_gradient(self) -> np.ndarray | None:
        """``dR_a/da / batch`` at the output ``a`` of the last forward pass (None without an
        activity regularizer). ``backward`` adds it to the incoming ``da``."""
        if self.activity_regularizer is None:
            return None
        return self.activity_regularizer.gradient(self.a) / len(self.a)

    @property
    def has_constraints(self) -> bool:
        return self.kernel_constraint is not None or (
            self.use_bias and self.bias_constraint is not None)

    def apply_constraints(self) -> None:
        """``W ← c_W(W)``, ``b ← c_b(b)`` in place (the weights are views into the model's
        θ). The model calls this after each optimizer step, as Keras applies constraints
        after the update."""
        if self.kernel_constraint is not None:
            self.W[...] = self.kernel_constraint(self.W)
        if self.use_bias and self.bias_constraint is not None:
            self.b[...] = self.bias_constraint(self.b)

    @property
    def W(self) -> np.ndarray:
        if "kernel" not in self.params:  # as Keras: no attribute until the layer is built
            raise AttributeError(_(
                "Layer {name!r} has no kernel yet: weights are created when the layer "
                "is built, on its first call or in the first fit. Build the model first: "
                "start it with Input(shape=...), or call model.build((None, "
                "n_features)).").format(name=self.name))
        return self.params["kernel"]

    @property
    def dW(self) -> np.ndarray:
        return self.grads["kernel"]

    @property
    def b(self) -> np.ndarray | None:
        return self.params.get("bias")

    @property
    def db(self) -> np.ndarray | None:
        return self.grads.get("bias")

    kernel = W
    bias = b


def shape_list(shape) -> list[tuple]:
    """One shape, a list of shapes or a dict of them, as a list of shapes."""
    if isinstance(shape, dict):
        return list(shape.values())
    return [shape] if isinstance(shape, tuple) else list(shape)


def _as_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if not all(d is None or isinstance(d, (int, np.integer)) and d > 0
               for d in shape):  # () = one number per sample
        raise ValueError(_(
            "input_shape must be a tuple of positive integers without the batch size, "
            "such as (28, 28) or (784,), or None for a sequence's length, such as "
            "(None,); got {shape!r}."
        ).format(shape=shape))
    return tuple(None if d is None else int(d) for d in shape)


def _as_input(x, keep_ints: bool) -> Tensor:
    """A layer's input as a tensor of ``floatx()`` (a tensor stays the same object, so the
    tape follows it; a user's layer keeps integer inputs, e.g. token ids)."""
    if isinstance(x, Tensor):
        if x.dtype == backend.floatx() or (keep_ints and x.dtype.kind not in "fc"):
            return x
        from ..ops.array import cast  # the ops import this module: not at the top

        return cast(x, backend.floatx())
    a = to_array(x) if keep_ints else np.asarray(x, backend.floatx())
    return Tensor(a.astype(backend.floatx(), copy=False) if a.dtype.kind == "f" else a)


def _with_batch(shape):
    """``(784,)`` -> ``(None, 784)``, for each shape of a structure of shapes."""
    if isinstance(shape, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                        for d in shape):
        return (None, *shape)
    if isinstance(shape, dict):
        return {k: _with_batch(v) for k, v in shape.items()}
    return [_with_batch(s) for s in shape]


def _zeros_like_shape(shape, steps: int = 1):
    """One sample of zeros of ``shape`` (a sequence of any length, None: ``steps`` long)."""
    if isinstance(shape, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                        for d in shape):
        return Tensor(np.zeros((1, *(steps if d is None else d for d in shape)),
                               backend.floatx()))
    if isinstance(shape, dict):
        return {k: _zeros_like_shape(v, steps) for k, v in shape.items()}
    return [_zeros_like_shape(s, steps) for s in shape]


def _shapes_of(y):
    """The shape(s) of ``call``'s output without the batch axis: a tuple, a list of them
    (a list or tuple of tensors) or a dict; None for anything else."""
    if isinstance(y, Tensor):
        return tuple(y.shape[1:])
    if not isinstance(y, (list, tuple, dict)) or not y or not all(
            isinstance(t, Tensor) for t in flatten(y)):
        return None
    if isinstance(y, dict):
        return {k: tuple(t.shape[1:]) for k, t in y.items()}
    return [tuple(t.shape[1:]) for t in flatten(y)]


def _unknown_where_different(a, b):
    """``a`` with None on the axes where ``b``'s size differs (same structure)."""
    if isinstance(a, dict):
        return {k: _unknown_where_different(a[k], b[k]) for k in a}
    if isinstance(a, list):
        return [_unknown_where_different(s, t) for s, t in zip(a, b)]
    if len(a) != len(b):
        return a
    return tuple(d if d == e else None for d, e in zip(a, b))


#: the ``training`` of the layer calls in progress (``run_call``), innermost last
_TRAINING: list[bool] = []


def _call_choosing_threads(layer: Layer, x, training: bool, kwargs: dict):
    """``call_layer`` under the BLAS threads that ``fit`` would choose for ``layer`` at this
    batch size (``blas.py``: one thread for small products; OpenBLAS's default of one per
    core made the advanced quickstart's tape step 8x slower than its ``fit`` step on a busy
    2-core machine). A tape recording it runs the backward pass with as many."""
    first = flatten(x)[0]
    batch = len(first) if np.ndim(first) else 1
    with blas.limit_threads(layer, batch) as limit:
        note_threads(limit.threads)
        return call_layer(layer, x, training, **kwargs)


def current_training(training: bool | None = None) -> bool:
    """``training`` if given, else that of the layer call in progress (a layer called inside
    another's ``call``, as Keras 3 passes it on), else False."""
    if training is None:
        return _TRAINING[-1] if _TRAINING else False
    return bool(training)


_TAKES_TRAINING: dict[type, bool] = {}


def _takes_training(cls: type) -> bool:
    """Does ``cls.call`` accept ``training=`` (by name or through ``**kwargs``)?"""
    if cls not in _TAKES_TRAINING:
        params = inspect.signature(cls.call).parameters.values()
        _TAKES_TRAINING[cls] = any(p.name == "training" or p.kind is p.VAR_KEYWORD
                                   for p in params)
    return _TAKES_TRAINING[cls]


def _first_input_name(cls: type) -> str:
    """The name of ``cls.call``'s first parameter after ``self`` (``inputs``, ``logits``...)."""
    params = list(inspect.signature(cls.call).parameters.values())[1:]
    return params[0].name if params else "inputs"


def _is_dtype(value) -> bool:
    """True for ``"float32"``, ``np.float64``...: Keras 2's third ``add_weight`` argument."""
    if value is None or callable(value) and not isinstance(value, type):
        return False
    try:
        np.dtype(value)
    except (TypeError, ValueError):  # an initializer's name, object or config dict
        return False
    return not (isinstance(value, str) and value.lower() in initializers.ALL)


def _variable_length_message(shape: tuple, layer: Layer) -> str:
    """Why ``layer`` cannot take samples of ``shape`` (with an axis of unknown size, None),
    and the fix: a layer that makes one vector of a sequence, or a fixed length."""
    fixed = tuple("T" if d is None else d for d in shape)
    example = "(" + ", ".join(map(str, fixed)) + ("," if len(fixed) == 1 else "") + ")"
    if len(shape) == 1:
        fix = _("start with Embedding(...) (token ids) and an RNN layer such as LSTM(32), "
                "which take sequences of any length; or pad the sequences to one length T "
                "first, e.g. x = glassnet.utils.pad_sequences(x, maxlen=200), and declare "
                "Input(shape=(200,))")
    elif len(shape) >= 3 and shape[:2].count(None):
        fix = _("resize the images to one size first and declare it, e.g. "
                "Input(shape=(64, 64, 3))")
    else:
        fix = _("put a layer that makes one vector of each sequence before it, "
                "GlobalAveragePooling1D() or an RNN layer such as LSTM(32); or pad or cut "
                "every sample to one length T first (glassnet.utils.pad_sequences takes "
                "sequences of vectors too) and declare Input(shape={example})").format(
            example=example)
    return _("Layer {name!r} ({cls}) cannot take inputs of shape {shape}: the axis of "
             "unknown size (None, a variable length) would change its weights or its output "
             "size. Fix: {fix}.").format(name=layer.name, cls=type(layer).__name__,
                                         shape=(None, *shape), fix=fix)


def _attach_masks(layer: Layer, inputs, outputs) -> None:
    """Keras's ``output._keras_mask`` after an eager call: the mask the layer made in its
    forward pass (``output_mask``: Embedding, Masking), or ``compute_mask(inputs, mask)``
    of the input's own ``_keras_mask``."""
    made = getattr(layer, "output_mask", None)
    if made is not None and isinstance(outputs, Tensor):
        outputs._keras_mask = Tensor(np.asarray(made))
        return
    if isinstance(inputs, (list, tuple)):  # a merge: one mask per input
        mask = [getattr(t, "_keras_mask", None) for t in inputs]
        mask = None if all(m is None for m in mask) else mask
    else:
        mask = getattr(inputs, "_keras_mask", None)
    # a layer's own compute_mask may make a mask from unmasked inputs (TensorFlow's
    # PositionalEmbedding returns its Embedding's), as Keras calls it
    if type(layer).compute_mask is Layer.compute_mask and (
            mask is None or not layer.supports_masking or isinstance(mask, list)):
        return
    masks = layer.compute_mask(inputs, mask)
    for t, m in zip(flatten(outputs), flatten(masks) if masks is not None else []):
        if isinstance(t, Tensor) and m is not None:
            t._keras_mask = m if isinstance(m, Tensor) else Tensor(np.asarray(m))


def flat_size(shape: tuple[int, ...]) -> int:
    return int(math.prod(shape))
