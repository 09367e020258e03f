"""``Model`` and ``Sequential``: a graph of layers, trained with ``compile`` and ``fit``.

Reading guide: ``fit`` checks the data once, then runs the loop in ``training.py``
(epochs, batches, callbacks). Each batch goes through ``train_step``, the whole
algorithm:

1. forward propagation: ``graph.forward`` runs ``layer.forward`` from the inputs to
   the outputs (for ``Sequential``, from the first layer to the last);
2. the loss ``L(y, a)`` and its gradient ``dL/da`` for each output;
3. backpropagation: ``graph.backward`` runs ``layer.backward`` from the outputs back
   to the inputs (``Dense.backward`` is the tutorial's chain rule);
4. gradient descent: ``optimizer.step(θ, dL/dθ)`` on the flat parameter vector.

``Model(inputs, outputs)`` is Keras's functional API (``graph.py``); ``Sequential`` is a
chain, the special case with one input, one output and one node per layer.
"""

from __future__ import annotations

import copy
import inspect
import math
import threading
from typing import Any

import numpy as np

from . import _lazy, backend, batches, blas, fit_arguments, optimizers, training, validation
from . import data as data_module
from .errors import InputError, NotCompiledError
from .faults import NonFiniteLoss
from .graph import Graph, KerasTensor, Node, flatten, symbolic
from .i18n import _
from .layers.base import Layer, _as_shape, current_training, shape_list
from .layers.input import InputLayer
from .params import ParameterVector
from .tape import note_threads, record, watched
from .tensor import Tensor, to_array

# needed from compile and fit on, not by import glassnet
losses = _lazy.module(__package__ + ".losses")
metrics_module = _lazy.module(__package__ + ".metrics")
callbacks_module = _lazy.module(__package__ + ".callbacks")


#: compile options of TensorFlow 2.0 that tf.keras 2.2-2.15 accept and drop unread
#: (``Model._validate_compile`` pops them); Keras 3 refuses them
_KERAS2_IGNORED_COMPILE_OPTIONS = ("experimental_run_tf_function", "cloning")


class Model(Layer):
    """A model of layers: ``Model(inputs, outputs)`` for a graph built with the functional
    API, or ``Sequential([...])`` for a stack.

    >>> inputs = Input(shape=(784,))
    >>> h = Dense(64, activation="relu")(inputs)
    >>> model = Model(inputs, Dense(10, activation="softmax")(h))

    ``inputs`` and ``outputs`` may each be one tensor, a list or a dict; ``fit`` and
    ``predict`` then take (and ``predict`` returns) the data in the same form.
    """

    def __init__(self, inputs=None, outputs=None, name: str | None = None,
                 trainable: bool = True, **kwargs) -> None:
        default = ("sequential" if isinstance(self, Sequential) else "functional"
                   if type(self).call is Layer.call else backend.snake_case(type(self).__name__))
        super().__init__(name=name or backend.unique_name(default), trainable=trainable)
        self.optimizer: optimizers.Optimizer | None = None
        self.compiled: _Compiled | None = None
        self.stop_training = False
        self.terminate_on_nan = False  # set by fit: train_step raises before a NaN update
        self.fitting = False  # True while fit runs (fit may be called again by a callback)
        self.fit_thread: int | None = None
        #: held for each forward pass: layers keep per-call state for backward, so predict
        #: in another thread waits between fit's steps instead of overwriting it
        self.lock = threading.RLock()
        self.resume_epoch: int | None = None  # set by BackupAndRestore: where fit goes on
        self.history: callbacks_module.History | None = None
        self.parameters = ParameterVector()
        self.training_columns: list | None = None  # a training DataFrame's columns, in order
        self.warned_unscaled = False  # fit warned once about 0-255 inputs
        self._graph: Graph | None = None
        self.input_keys: list | None = None  # dict inputs/outputs: their keys, in order
        self.output_keys: list | None = None
        self.single_output = True
        self.output_shape_structure = None  # a subclassed model's outputs: shape(s) of call's
        self.deferred_weights: str | None = None  # load_weights before the model's build
        if inputs is self and outputs is None:  # Keras 2 code's super().__init__(self)
            inputs = None
        if inputs is None and outputs is None:
            if type(self) is Model:
                raise TypeError(_("Model needs inputs and outputs: "
                                  "Model(inputs=Input(shape=...), outputs=...). For a stack of "
                                  "layers use Sequential([...])."))
            return
        if inputs is None or outputs is None:
            raise TypeError(_("Model(inputs, outputs) needs both: the Input tensors and the "
                              "tensors computed from them."))
        self.input_keys = list(inputs) if isinstance(inputs, dict) else None
        self.output_keys = list(outputs) if isinstance(outputs, dict) else None
        self.single_output = isinstance(outputs, KerasTensor)
        self._graph = Graph(flatten(inputs), flatten(outputs))
        self.built = True

    # -- the graph ------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        if self._graph is None:
            raise ValueError(_("Model {name!r} is not built yet: it does not know its input "
                               "shape. Call fit or predict, or pass input_shape=... to the first "
                               "layer, or start with Input(shape=...).").format(name=self.name))
        return self._graph

    @property
    def graph_or_none(self) -> Graph | None:
        """The graph if the model has one yet (a subclassed model: after its first call)."""
        return self._graph

    def set_graph(self, graph: Graph) -> None:
        """Replace the graph (``add_loss`` adds nodes to it); a compiled model re-reads it."""
        self._graph = graph
        if self.compiled is not None:
            self.compiled.configure(self)

    @property
    def layers(self) -> list[Layer]:
        if self.tracks_sublayers:  # a subclassed model: the layers assigned to its attributes
            return self.sublayers
        return list(self.graph.layers) if self._graph is not None else []

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self.graph.inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self.graph.outputs)

    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else self.inputs

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else self.outputs

    @property
    def input_names(self) -> list[str]:
        return self.input_keys or [t.node.layer.name for t in self.graph.inputs]

    @property
    def output_names(self) -> list[str]:
        if self.output_keys:
            return self.output_keys
        if self.uses_call and len(self.graph.outputs) > 1:  # Keras 2's names for call's
            return [f"output_{i + 1}" for i in range(len(self.graph.outputs))]
        return [t.node.layer.name for t in self.graph.outputs]

    @property
    def input_shape(self):
        if not self.built:
            return None
        shapes = [t.shape for t in self.graph.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if not self.built:
            return None
        shapes = [t.shape for t in self.graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @input_shape.setter
    def input_shape(self, value) -> None:  # set by Layer.__init__; derived from the graph
        pass

    @output_shape.setter
    def output_shape(self, value) -> None:
        pass

    @property
    def tracks_sublayers(self) -> bool:
        """A model with ``call``, or one with neither ``call`` nor a graph (a GAN made of two
        models, with its own ``train_step``): its layers are those of its attributes."""
        return self.uses_call or (self._graph is None and not isinstance(self, Sequential))

    @property
    def steps_only(self) -> bool:
        """A model with its own ``train_step`` and no ``call`` nor graph: ``fit`` hands it
        the data as given, batch by batch, and checks nothing against layers."""
        return self.custom_train_step and self._graph is None and not self.uses_call \
            and not isinstance(self, Sequential)

    def leaves(self) -> list[Layer]:
        """Every layer that owns weights, nested models opened up, each once."""
        if self.tracks_sublayers:
            return Layer.leaves(self)
        seen: dict[int, Layer] = {}
        for layer in self.layers:
            if not isinstance(layer, InputLayer):
                for leaf in layer.leaves():
                    seen.setdefault(id(leaf), leaf)
        return list(seen.values())

    def __getstate__(self) -> dict[str, Any]:  # copy.deepcopy, pickle: a new lock
        state = super().__getstate__()
        state.pop("lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self.lock = threading.RLock()

    def call_state(self) -> list:
        """What a forward pass left in every layer inside (a model used twice as a layer)."""
        return [layer.call_state() for layer in self.layers]

    def restore_call_state(self, state: list) -> None:
        for layer, saved in zip(self.layers, state):
            layer.restore_call_state(saved)

    def frozen_with(self) -> list:
        """``model.trainable = False`` freezes every layer inside it, as in Keras."""
        return list(self.layers) if "compiled" in self.__dict__ else []  # (not in __init__)

    # -- a model used as a layer ------------------------------------------------------
    def __init_subclass__(cls, **kwargs) -> None:
        """A subclass's own ``build`` (Keras style: it makes weights) is wrapped so that the
        model also gets its graph (see ``user_build``)."""
        super().__init_subclass__(**kwargs)
        own = vars(cls).get("build")
        mine = cls.__module__.partition(".")[0] == __name__.partition(".")[0]  # Sequential
        if own is not None and not mine and not getattr(own, "makes_graph", False):
            cls.build = user_build(own)

    def build(self, input_shape=None) -> None:
        """A subclassed model (with ``call``) becomes a one-node graph for inputs of
        ``input_shape``: its ``forward`` runs ``call`` on a tape, its ``backward`` applies
        it. ``input_shape`` may be a dict or list of shapes (a ``call`` that takes several
        inputs): each becomes an ``Input`` of the graph, named by its key, and ``call``
        receives them in that structure. A functional model is built when it is made."""
        if vars(self).get("building_weights"):  # super().build(...) in a subclass's build
            self.built = True
            return
        if self._graph is not None:
            return
        if not self.uses_call or input_shape is None:
            raise ValueError(_("Model {name!r} does not know its input shape yet: call it "
                               "on data, or model.build((None, features)).").format(
                name=self.name))
        self.built = True  # so the call below does not build again
        try:
            if isinstance(input_shape, (dict, list)):
                inputs = _inputs_for(input_shape)
                self.input_keys = list(inputs) if isinstance(inputs, dict) else None
                flat = flatten(inputs)
                shapes = self.output_shapes(_without_batch(input_shape))
                node = Node(self, flat, [(None, *s) for s in shapes], list_call=True)
                self.inbound_nodes.append(node)
                outputs = node.outputs
            else:
                shape = tuple(input_shape)
                shape = shape[1:] if shape and shape[0] is None else shape
                flat = [InputLayer(shape=_as_shape(shape)).output]
                outputs = flatten(Layer.call_symbolic(self, flat[0]))
        except Exception:
            self.built = False
            raise
        self.single_output = len(outputs) == 1
        if isinstance(self.output_shape_structure, dict):
            self.output_keys = list(self.output_shape_structure)
        self._graph = Graph(flat, outputs)
        if self.compiled is not None:
            self.compiled.configure(self)
        self.load_deferred_weights()

    def load_deferred_weights(self) -> None:
        """Read the file of a ``load_weights`` that came before the model was built."""
        if self.deferred_weights is not None:
            path, self.deferred_weights = self.deferred_weights, None
            self.load_weights(path)

    def check_variable_length(self, shapes) -> None:
        """A model takes what its inputs declare (``Input(shape=(None,))`` included): its
        layers checked their shapes when its graph was built."""

    def output_shapes(self, input_shape) -> list[tuple]:
        if self.uses_call:
            shape = self._call_output_shape(input_shape)
            if shape is None:
                raise ValueError(_("Model {name!r}: running call on a sample of shape "
                                   "{shape} failed; call the model on real data "
                                   "first to see the error.").format(
                    name=self.name, shape=_with_batch_axis(input_shape)))
            self.output_shape_structure = shape
            return shape_list(shape)
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        expected = [t.shape[1:] for t in self.graph.inputs]
        if len(shapes) != len(expected) or not all(  # Input(shape=(None,)) takes any length
                validation.fits(tuple(s), tuple(e)) for s, e in zip(shapes, expected)):
            raise InputError(_("Model {name!r} takes inputs of shape {expected}, got "
                               "{shapes}.").format(name=self.name,
                                                   expected=[(None, *s) for s in expected],
                                                   shapes=[(None, *s) for s in shapes]))
        return [t.shape[1:] for t in self.graph.outputs]

    @property
    def input_shape_(self) -> tuple | None:
        """One sample's shape for a one-input model, without the batch axis."""
        return self.declared_input_shape

    @property
    def declared_input_shape(self):
        if self._graph is None or len(self.graph.inputs) != 1:
            return None
        return self.graph.inputs[0].shape[1:]

    @declared_input_shape.setter
    def declared_input_shape(self, value) -> None:  # set by Layer.__init__; derived here
        pass

    def forward(self, x, training: bool = False):
        """Forward propagation through the graph (``x``: one array, or a list)."""
        if self.uses_call:  # call takes its inputs in the structure it was built for
            if self.input_keys is not None and isinstance(x, list):
                x = dict(zip(self.input_keys, x))
            return Layer.forward(self, x, training)
        outs = self.graph.forward(x if isinstance(x, list) else [x], training)
        return outs[0] if len(outs) == 1 else outs

    def backward(self, dy):
        """Backpropagation through the graph: ``dL/dx`` for each input."""
        if self.uses_call:
            return Layer.backward(self, dy)
        self.graph.plan(self.need_input_grad)
        dxs = self.graph.backward(dy if isinstance(dy, list) else [dy])
        return dxs[0] if len(dxs) == 1 else dxs

    def __call__(self, x, training: bool | None = None, **kwargs):
        """``model(x)``: symbolic tensors give a node of a bigger graph; arrays or tensors
        give the outputs as tensors, recorded on a ``GradientTape`` that watches ``x`` or
        the model's weights (one op, whose derivative is the graph's ``backward``)."""
        if symbolic(x):
            return self.call_symbolic(x)
        training = current_training(training)  # inside a layer's call: the call's
        if self.uses_call:
            return Layer.__call__(self, x, training, **kwargs)
        if not self.built and isinstance(self, Sequential) and isinstance(x, Tensor):
            # a Sequential used as a layer (inside a layer's call): built by its first
            # input, as in Keras, its Dense acting on the last axis of (batch, T, D)
            self.build((None, *x.shape[1:]))
        given = data_module.as_list(x, self.input_names if self.built else ["input"], "x",
                                    "input")
        xs = self.prepare_inputs([to_array(t) for t in given], single_sample=True, cast=True)
        with blas.limit_threads(self, len(xs[0])) as limit, self.lock:  # blas.py, self.lock
            outs = [Tensor(a) for a in self.graph.forward(xs, training)]
        note_threads(limit.threads)  # a tape recording this call runs backward with as many
        sources = [t if isinstance(t, Tensor) else Tensor(a) for t, a in zip(given, xs)]
        variables = self.trainable_variables
        if watched([*sources, *variables]):
            saved = self.call_state()
            for i, y in enumerate(outs):
                record(y, [*sources, *variables], self._vjp(saved, i, len(outs)),
                       name=f"Model:{self.name}")
        mask = getattr(given[0], "_keras_mask", None) if len(given) == len(outs) == 1 else None
        if mask is not None and all(la.supports_masking for la in self.layers
                                    if not isinstance(la, InputLayer)):
            outs[0]._keras_mask = mask  # a chain of layers that pass masks on, as Keras's
        return self._structure(outs)

    def _vjp(self, saved, i: int, n: int):
        """The derivative of output ``i`` of the call that left ``saved`` in the layers:
        the graph's ``backward`` from ``dy`` on that output."""
        def vjp(dy):
            current = self.call_state()
            self.restore_call_state(saved)
            try:
                self.graph.plan(input_grads=True)
                douts = [None] * n
                douts[i] = np.ascontiguousarray(dy, dtype=backend.floatx())
                dxs = self.graph.backward(douts)
                grads = [leaf.grads[k].copy() for leaf in self.leaves() if leaf.trainable
                         for k in leaf.params]
                return [*dxs, *grads]
            finally:
                self.restore_call_state(current)
        return vjp

    # -- weights as one vector ------------------------------------------------------
    def bind(self) -> ParameterVector:
        """Put every weight into the flat vector ``θ`` (see ``params.py``), if they are
        not there already (a layer frozen or added since, or a model nested in another)."""
        leaves = self.leaves()
        if not self.parameters.holds(leaves):
            before = self.parameters.trainable_weights
            self.parameters.bind(leaves)
            if self.optimizer is not None:  # each weight keeps its own Adam moments
                self.optimizer.follow(before, self.parameters.trainable_weights)
        if self.optimizer is not None:
            self.optimizer.variable_slices = self.parameters.trainable_slices
        return self.parameters

    # -- compiling --------------------------------------------------------------------
    def compile(self, optimizer: str | optimizers.Optimizer = "rmsprop",
                loss=None, metrics=None, loss_weights=None, **kwargs) -> None:
        """Choose the optimizer, the loss to minimise and the metrics to report.

        With several outputs, ``loss``, ``metrics`` and ``loss_weights`` may be lists (in
        the order of the outputs) or dicts keyed by output name; the loss minimised is
        ``Σ_outputs loss_weight · loss``.
        """
        for key in kwargs:  # Keras's execution options: glassnet always runs eagerly
            if key in _KERAS2_IGNORED_COMPILE_OPTIONS:  # tf.keras 2.x drops them unread
                from .legacy import warn_once_as

                warn_once_as("compile:" + key, _(
                    "compile({key}=...) is a TensorFlow 2.0 option that tf.keras 2.2 and "
                    "later ignore and Keras 3 refuses; glassnet ignores it. Remove it."
                ).format(key=key))
            elif key not in ("run_eagerly", "jit_compile", "steps_per_execution",
                             "weighted_metrics", "auto_scale_loss"):
                raise TypeError(_("compile() got an unexpected keyword argument "
                                  "{key!r}.").format(key=key))
        self.optimizer = optimizers.get(optimizer)
        if loss is None and not self.custom_train_step and not self.may_add_losses():
            raise ValueError(_("compile needs a loss, e.g. "
                               "loss='sparse_categorical_crossentropy' for integer class labels "
                               "or loss='mse' for regression."))
        self.compiled = _Compiled(loss, metrics, loss_weights)
        self.compiled.optimizer = self.optimizer
        if self._graph is not None:
            self.compiled.configure(self)

    def may_add_losses(self) -> bool:
        """Whether a layer may ``add_loss`` (a layer with ``call``, ``model.add_loss``), so
        that ``compile`` without a loss still has something to minimise (Keras allows it)."""
        from .layers.added_loss import model_may_add_losses

        return model_may_add_losses(self)

    def add_loss(self, losses) -> None:
        """``model.add_loss(t)``: on a symbolic tensor of a functional model, ``Σ t`` joins
        the loss each step (an ``AddLoss`` node, see ``layers/added_loss.py``); inside a
        subclassed model's ``call``, this call's value (``Layer.add_loss``)."""
        from .layers.added_loss import add_symbolic

        if not add_symbolic(self, losses, "loss"):
            Layer.add_loss(self, losses)

    def add_metric(self, value, name: str | None = None, aggregation=None) -> None:
        """``model.add_metric(t, name=...)``: the mean of ``t`` over each epoch is reported
        under ``name`` (on a symbolic tensor, an ``AddMetric`` node)."""
        from .layers.added_loss import add_symbolic

        if not add_symbolic(self, value, "metric", name=name, aggregation=aggregation):
            Layer.add_metric(self, value, name, aggregation)

    @property
    def loss(self):
        """The loss (one per output as a list when there are several)."""
        if self.compiled is None:
            return None
        return self.compiled.loss_objects(self)

    @property
    def losses(self) -> list[float]:
        """The penalties of the layers' regularizers (Keras's ``model.losses``), added to
        the loss that training minimises."""
        return Layer.losses.fget(self)  # every leaf's own (a subclassed model's add_loss too)

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        """The compiled metrics; a custom ``train_step`` also sees Keras 3's loss tracker,
        a ``Mean`` named ``loss``, first (as the keras.io guide's loop expects)."""
        if self.compiled is None:
            return []
        own = self.compiled.all_metrics()
        custom = self.custom_train_step or self.custom_test_step
        return [self.compiled.loss_tracker, *own] if custom else own

    # -- for a train_step written by the user (keras.io: "Customizing what happens in fit")
    @property
    def custom_train_step(self) -> bool:
        """True when a subclass overrides ``train_step(self, data)`` (Keras's signature)."""
        return type(self).train_step is not Model.train_step

    @property
    def custom_test_step(self) -> bool:
        """True when a subclass overrides ``test_step(self, data)``: ``evaluate`` (and
        ``fit``'s validation) then calls it for each batch."""
        return type(self).test_step is not Model.test_step

    def test_step(self, data) -> dict:
        """Keras's ``test_step(data)``, one batch of ``evaluate``: the predictions, the loss
        and the compiled metrics, returned as logs. ``evaluate`` runs a faster loop with the
        same results; this is what a subclass's ``super().test_step(data)`` calls."""
        x, y = data[0], data[1]
        sample_weight = data[2] if len(data) > 2 else None
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        self.compiled.loss_tracker.update_state(np.asarray(loss))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Keras 3's ``compute_loss``: the compiled loss(es) of ``y_pred`` against ``y``, plus
        the regularizers' penalties, as a scalar tensor that a ``GradientTape`` follows."""
        outputs = self.compiled_outputs()
        ys = data_module.as_list(y, [o.name for o in outputs], "y", "output")
        preds = data_module.as_list(y_pred, [o.name for o in outputs], "y_pred", "output")
        total = None
        for o, target, pred in zip(outputs, ys, preds):
            if o.loss is None:
                continue
            value = o.loss(target, pred, sample_weight)
            value = value * o.weight if o.weight != 1.0 else value
            total = value if total is None else total + value
        return total + self.compiled.penalty() if self.compiled.penalized else total

    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's ``self.compiled_loss(y, y_pred)`` (Keras 3: ``compute_loss``); like
        Keras 2's, it also feeds the ``loss`` metric that ``self.metrics`` reports."""
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        self.compiled.loss_tracker.update_state(np.asarray(loss))
        return loss

    @property
    def compiled_metrics(self) -> _CompiledMetrics:
        """Keras 2's ``self.compiled_metrics.update_state(y, y_pred)``."""
        return _CompiledMetrics(self)

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + ([] if self.compiled is None else self.compiled.metric_names())

    # -- the algorithm ----------------------------------------------------------------
    def train_step(self, xs: list[np.ndarray], ys: list[np.ndarray], sample_weight=None):
        """One step of gradient descent on one batch. Returns the loss and the outputs.

        ``sample_weight`` (one number per sample, from ``fit``'s ``sample_weight`` or
        ``class_weight``) weighs each sample's loss: ``L = mean_i w_i L_i``.
        """
        theta = self.parameters  # every weight, as views of one vector θ (see bind)
        graph, compiled = self.graph, self.compiled
        outs = graph.forward(xs, training=True)                     # 1. forward
        loss, douts = compiled.loss_and_gradients(ys, outs, sample_weight)  # 2. dL/da
        if self.terminate_on_nan and not math.isfinite(loss):
            raise NonFiniteLoss(loss)  # before the update: θ keeps its last finite values
        graph.backward(douts)                                       # 3. backpropagation
        self.optimizer.step(theta.trainable, theta.trainable_grad)  # 4. gradient descent
        for layer in compiled.constrained:  # e.g. max_norm: W ← c(W) after the update
            layer.apply_constraints()
        return loss, outs

    def reset_states(self) -> None:
        """Keras 2's ``model.reset_states()``: every ``stateful=True`` recurrent layer starts
        its next batch from zeros again."""
        for layer in self.submodules:
            if getattr(layer, "stateful", False):
                layer.reset_states()

    # -- fit / evaluate / predict ------------------------------------------------------
    # Keras 2's spellings, with one warning each (see batches)
    fit_generator = batches.fit_generator
    evaluate_generator = batches.evaluate_generator
    predict_generator = batches.predict_generator

    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1,
            verbose: str | int = "auto", callbacks: list | None = None,
            validation_split: float = 0.0, validation_data: tuple | None = None,
            shuffle: bool = True, initial_epoch: int = 0, terminate_on_nan: bool = True,
            class_weight: dict | None = None, sample_weight=None,
            steps_per_epoch: int | None = None, validation_freq: int = 1,
            validation_batch_size: int | None = None, validation_steps: int | None = None,
            **kwargs) -> callbacks_module.History:
        """Train for ``epochs`` passes over ``(x, y)`` in batches of ``batch_size`` (32).

        Returns a ``History`` whose ``history`` dict holds one value per epoch for
        ``loss``, each metric, and their ``val_`` twins when validating.

        ``x`` and ``y`` are checked before any weight changes (``data.prepare``).
        A NaN or infinite loss stops training with the last finite weights and a
        ``NonFiniteLossWarning`` naming the epoch and batch (``terminate_on_nan``).
        Ctrl-C stops after the current step and raises ``TrainingInterrupted``; the
        completed epochs stay in ``model.history`` (see ``faults``).

        ``sample_weight`` (one number per sample) or ``class_weight`` (``{class: weight}``)
        weigh each sample's loss; ``steps_per_epoch`` sets the batches per epoch.
        """
        _unsupported(kwargs, "fit")
        if batches.is_batches(x):  # a Sequence or generator: its batches, read once
            x, y, sample_weight, batch_size, shuffle = batches.to_arrays(
                x, y, steps_per_epoch, shuffle, "fit")
            steps_per_epoch = None
        if batches.is_batches(validation_data):
            validation_data = batches.to_arrays(validation_data, None, validation_steps,
                                                False, "evaluate")[:2]
        if data_module.is_dataset(validation_data):
            validation_data = _from_dataset(validation_data, None, None, False, "fit")[:2]
        epochs, verbose = fit_arguments.epochs(epochs, initial_epoch), \
            fit_arguments.verbose(verbose)
        validation_data = fit_arguments.validation_data(validation_data)
        callbacks = fit_arguments.callbacks(callbacks)
        x, y, batch_size, shuffle, weights = _from_dataset(x, y, batch_size, shuffle, "fit",
                                                           weighted=True)
        sample_weight = weights if weights is not None else sample_weight
        if symbolic(x) or symbolic(y):
            raise InputError(_("fit got a symbolic tensor (from Input or a layer called on "
                               "one), which holds no numbers: pass NumPy arrays of your data."))
        xs, ys = self.prepare(x, y, training=True, cast=False)  # batches are cast one by one
        weights = data_module.sample_weights(sample_weight, class_weight, ys, len(xs[0]))
        for name, value in (("steps_per_epoch", steps_per_epoch),
                            ("validation_freq", validation_freq)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)) or value < 1):
                raise ValueError(_("{name} must be a positive integer, got {value!r}.").format(
                    name=name, value=value))
        if not 0 <= validation_split < 1:
            raise ValueError(_("validation_split must be in [0, 1), got {value}.").format(
                value=validation_split))
        if validation_data is not None:
            val = self.prepare(*validation_data[:2], cast=False)
        elif validation_split:
            # like Keras: the last fraction of the data, taken before shuffling
            n = len(xs[0])
            cut = int(n * (1 - validation_split))
            if cut == 0 or cut == n:
                raise InputError(_("validation_split={split} leaves no training or "
                                   "no validation samples out of {n}.").format(
                    split=validation_split, n=n))
            val = [a[cut:] for a in xs], [a[cut:] for a in ys]
            xs, ys = [a[:cut] for a in xs], [a[:cut] for a in ys]
            weights = None if weights is None else weights[:cut]
        else:
            val = None
        history = training.fit(self, xs, ys, _batch_size(batch_size), epochs, verbose,
                               callbacks, val, shuffle, initial_epoch, terminate_on_nan, weights,
                               steps_per_epoch and int(steps_per_epoch), int(validation_freq))
        fit_arguments.after_fit(self, history)  # a diverged loss: warn
        return history

    def evaluate(self, x=None, y=None, batch_size: int | None = None,
                 verbose: str | int = "auto", return_dict: bool = False,
                 callbacks: list | None = None, steps: int | None = None, **kwargs):
        """Loss and metrics on ``(x, y)``: ``[loss, accuracy]``, or a dict with ``return_dict``.
        ``steps``: only the first ``steps`` batches (a repeated dataset needs it in Keras)."""
        if batches.is_batches(x):
            x, y, _, batch_size, _ = batches.to_arrays(x, y, steps, False, "evaluate")
            steps = None  # read already
        _unsupported(kwargs, "evaluate")
        verbose = fit_arguments.verbose(verbose)
        x, y, batch_size, _, _ = _from_dataset(x, y, batch_size, False, "evaluate")
        xs, ys = self.prepare(x, y, cast=False)
        batch_size = _batch_size(batch_size)
        xs, ys = _first_steps(xs, steps, batch_size), _first_steps(ys, steps, batch_size)
        logs = training.evaluate(self, xs, ys, batch_size, verbose, callbacks)
        if return_dict:
            return logs
        names = self.metrics_names
        if len(names) == 1:
            return logs["loss"]
        return [logs[k] for k in names]

    def predict(self, x, batch_size: int | None = None, verbose: str | int = "auto",
                callbacks: list | None = None, steps: int | None = None, **kwargs):
        """The model's outputs for ``x``, computed in batches of ``batch_size`` (32)
        (``steps``: for the first ``steps`` batches only).

        One sample without the batch dimension (``x.shape == model.input_shape[1:]``)
        is read as a batch of one: the result has shape ``(1, ...)``.
        """
        if batches.is_batches(x):
            x, _, _, batch_size, _ = batches.to_arrays(x, None, steps, False, "predict")
            steps = None  # read already
        _unsupported(kwargs, "predict")
        verbose = fit_arguments.verbose(verbose)
        x, _, batch_size, _, _ = _from_dataset(x, None, batch_size, False, "predict")
        # NaN or inf in x would make the outputs NaN: x's values are checked only then
        xs = self.prepare_inputs(x, single_sample=True, check_values=False)
        batch_size = _batch_size(batch_size)
        xs = _first_steps(xs, steps, batch_size)
        outs = training.predict(self, xs, batch_size, verbose, callbacks)
        return self._structure(outs)

    def predict_classes(self, x, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """Keras 2's class predictions (removed in Keras 3): the index of the largest output
        (``argmax``) for several outputs per sample, else ``ŷ > 0.5`` for a sigmoid output."""
        from .legacy import warn_once

        warn_once("model.predict_classes(x)", _(
            "np.argmax(model.predict(x), axis=-1), or (model.predict(x) > 0.5).astype('int32') "
            "for one sigmoid output"))
        p = np.asarray(self.predict(x, batch_size=batch_size, verbose=verbose))
        return p.argmax(axis=-1) if p.shape[-1] > 1 else (p > 0.5).astype("int32")

    def predict_proba(self, x, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """Keras 2's name (removed in Keras 3) for ``predict`` on a probability output."""
        from .legacy import warn_once

        warn_once("model.predict_proba(x)", "model.predict(x)")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def train_on_batch(self, x, y) -> float:
        """One gradient step on one batch; returns its loss."""
        xs, ys = self.prepare(x, y, training=True, cast=True)
        self.bind()
        self.compiled.claim_fusion(self)
        self.graph.plan(input_grads=False)
        try:
            with blas.limit_threads(self, len(xs[0])):  # spares the 2-thread trap
                loss, _ = self.train_step(xs, ys)
        finally:
            self.graph.plan(input_grads=True)
        return float(loss)

    def test_on_batch(self, x, y) -> float:
        xs, ys = self.prepare(x, y, cast=True)
        return float(self.compiled.loss_value(ys, self.graph.forward(xs)))

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(x) if hasattr(x, "__len__") else None, verbose=0)

    def _structure(self, outs: list):
        """Outputs in the form the model was built with: one array, a list or a dict."""
        if self.output_keys is not None:
            return dict(zip(self.output_keys, outs))
        return outs[0] if self.single_output else outs

    # -- the one door for data --------------------------------------------------------
    def prepare_inputs(self, x, single_sample: bool = False, training: bool = False,
                       cast: bool = False, check_values: bool = True) -> list[np.ndarray]:
        """``x`` as one checked array per input (see ``data.prepare``); builds an unbuilt
        ``Sequential`` from its shape."""
        return data_module.prepare_inputs(self, x, single_sample, training, cast, check_values)

    def prepare(self, x, y, training: bool = False, cast: bool = True):
        """``x`` and ``y`` checked against the model and its losses, as lists of arrays."""
        if self.compiled is None:
            raise NotCompiledError(_(
                "You must call compile() before fit() or evaluate(), e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy'])."
            ))
        if self.steps_only:
            return data_module.prepare_free(x, y)
        return data_module.prepare(self, x, y, training, cast)

    def chain_layers(self, what: str) -> list[Layer]:
        """The layers in order, if the graph is a chain (one input, each layer reading the
        previous one's output), as ``inspect.explain`` and ONNX export need; else an error
        naming where the graph branches."""
        graph = self.graph
        if len(graph.inputs) != 1 or len(graph.outputs) != 1:
            raise InputError(_(
                "{what} handles models with one input and one output; model {name!r} "
                "has {inputs} inputs and {outputs} outputs.").format(
                what=what, name=self.name, inputs=len(graph.inputs), outputs=len(graph.outputs)))
        previous = graph.inputs[0]
        for node in graph.nodes:
            if node.list_call or len(node.inputs) != 1 or node.inputs[0] is not previous:
                raise InputError(_(
                    "{what} handles a chain of layers, but in model {name!r} layer "
                    "{layer!r} reads {reads}: the graph branches there.").format(
                    what=what, name=self.name, layer=node.layer.name,
                    reads=[t.name for t in node.inputs]))
            previous = node.outputs[0]
        return [node.layer for node in graph.nodes]

    def input_spec(self, i: int) -> tuple[tuple, list[Layer]]:
        """Input ``i``: one sample's shape and the layers it goes through first (for
        error messages), following the first reader of each tensor."""
        graph = self.graph
        t = graph.inputs[i]
        path = []
        while id(t) in graph.first_reader and len(path) < 8:
            node = graph.first_reader[id(t)]
            path.append(node.layer)
            t = node.outputs[0]
        return graph.inputs[i].shape[1:], path

    def compiled_outputs(self) -> list:
        """Each output's name, tensor shape, producing layer and loss (after compile)."""
        self.graph  # noqa: B018 - builds a Sequential's graph (and configures the loss)
        if not self.compiled.outputs:
            self.compiled.configure(self)
        return self.compiled.outputs

    # -- weights ----------------------------------------------------------------------
    @property
    def weights(self) -> list:
        """Every weight as a ``Variable`` (trainable first), as Keras lists them."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self) -> list:
        return [leaf.variable(k) for leaf in self.leaves() if leaf.trainable
                for k in leaf.params]

    @property
    def non_trainable_weights(self) -> list:
        leaves = self.leaves()
        return [leaf.variable(k) for leaf in leaves if not leaf.trainable
                for k in leaf.params] + [leaf.variable(k) for leaf in leaves for k in leaf.state]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, layer by layer (kernel, then bias, ...)."""
        return [np.array(w) for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Write weights in the order ``get_weights`` returns them: all are checked first,
        so a wrong shape changes nothing."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(_("The model has {n} weight arrays, but set_weights got "
                               "{got}.").format(n=len(own), got=len(weights)))
        new = [np.asarray(w) for w in weights]
        for i, (w, v) in enumerate(zip(own, new)):
            if v.shape != w.shape:
                raise ValueError(_("Weight {i} of the model has shape {shape}, but set_weights "
                                   "got shape {got}. Nothing was changed.").format(
                    i=i, shape=w.shape, got=v.shape))
        for w, v in zip(own, new):
            w.array[...] = v

    def count_params(self) -> int:
        return sum(int(w.size) for w in self.weights)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(_("No layer named {name!r}; the layers are {names}.").format(
            name=name, names=[layer.name for layer in self.layers]))

    def summary(self, print_fn=print, **kwargs) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        from .model_summary import summary_text

        print_fn(summary_text(self))

    # -- saving -----------------------------------------------------------------------
    def save(self, filepath: str, **kwargs) -> None:
        """Save architecture, weights and optimizer state to one file: ``.keras`` and
        ``.h5`` in Keras's formats, anything else as a ``.glassnet`` file."""
        from .saving import save_model

        save_model(self, filepath, **kwargs)

    def save_weights(self, filepath: str, **kwargs) -> None:
        from .saving import save_weights

        save_weights(self, filepath, **kwargs)

    def load_weights(self, filepath: str, **kwargs) -> None:
        from .saving import load_weights

        load_weights(self, filepath, **kwargs)

    def export(self, filepath: str, format: str = "onnx") -> None:
        """Write the model as an ONNX file for onnxruntime, PyTorch, ... (needs ``onnx``).

        See ``glassnet.export`` for the layer-by-layer translation and docs/onnx.md.
        """
        if format != "onnx":
            raise ValueError(_("export writes format='onnx' only, got format={format!r}.").format(
                format=format))
        from .export import export_onnx

        export_onnx(self, filepath)

    def get_config(self) -> dict[str, Any]:
        """The graph as JSON: each layer's config and the calls that connect them."""
        from .serialization import graph_config

        return graph_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None,
                    on_layer=None) -> Model:
        from .serialization import model_from_config

        if cls is not Model and isinstance(config, dict) and "layers" not in config:
            return cls(**config)  # a subclassed model's own get_config, as Keras does
        return model_from_config(config, custom_objects, on_layer)

    def to_yaml(self, **kwargs):
        raise RuntimeError(_("model.to_yaml() was removed from Keras (2.6+) because loading "
                             "YAML could run arbitrary code; use model.to_json() and "
                             "glassnet.models.model_from_json()."))

    def to_json(self, **kwargs) -> str:
        import json

        from .serialization import layer_entry

        return json.dumps(layer_entry(self), **kwargs)


class Sequential(Model):
    """A linear stack of layers: the output of each is the input of the next.

    >>> model = Sequential([Dense(128, activation="relu"), Dense(10, activation="softmax")])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])

    Once it knows its input shape (``input_shape=`` on the first layer, an ``Input``, or
    the first ``fit``), it is a graph like any ``Model``: a chain of one node per layer.
    """

    def __init__(self, layers: list[Layer] | None = None, name: str | None = None,
                 trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self._layers: list[Layer] = []
        self._input: KerasTensor | None = None
        self._last: KerasTensor | None = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def input_shape_(self) -> tuple | None:
        """One sample's shape, without the batch axis (None until known)."""
        return None if self._input is None else self._input.shape[1:]

    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` only sets the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(_("Input(...) must come before the first layer."))
            self._input = layer.output
            self._last = self._input
            return
        if not isinstance(layer, Layer):
            raise TypeError(_(
                "Sequential takes glassnet layers, got {layer!r}. "
                "Use e.g. glassnet.layers.Dense(10)."
            ).format(layer=layer))
        if not self._layers and self._input is None and layer.declared_input_shape:
            self._input = InputLayer(shape=layer.declared_input_shape).output
            self._last = self._input
        self._layers.append(layer)
        if self._last is not None:  # extend the chain: O(1) per layer
            self._last = self._call_symbolic_checked(layer, self._last)
            self._graph = None
            self.built = True

    def pop(self) -> Layer:
        """Remove the last layer (Keras's ``Sequential.pop``)."""
        if not self._layers:
            raise TypeError(_("There are no layers in the model."))
        layer = self._layers.pop()
        if self._input is not None:
            self._rebuild()
        return layer

    @staticmethod
    def _call_symbolic_checked(layer: Layer, x: KerasTensor) -> KerasTensor:
        out = layer.call_symbolic(x)
        if isinstance(out, list):
            raise ValueError(_("Layer {name!r} has {n} outputs; in a Sequential "
                               "model every layer must have one. Use the functional "
                               "API.").format(name=layer.name, n=len(out)))
        return out

    def unbuild(self, layers: list[Layer]) -> None:
        """Forget the input shape again, and the weights of ``layers`` (built for it just
        now): ``fit`` refused the data it was built from, so the next data decides."""
        chain = set() if self._last is None else {
            id(node) for node in Graph([self._input], [self._last]).nodes}
        for layer in layers:
            layer.built = False
            for store in (layer.params, layer.grads, layer.state):
                store.clear()
            vars(layer).pop("_variables", None)
            layer.input_shape = layer.output_shape = None
        for layer in self._layers:
            layer.inbound_nodes = [n for n in layer.inbound_nodes if id(n) not in chain]
        self._input = self._last = self._graph = None

    def _rebuild(self) -> None:
        self._last = self._input
        for layer in self._layers:
            self._last = self._call_symbolic_checked(layer, self._last)
        self._graph = None

    def build(self, input_shape: tuple | None = None) -> None:
        """Create every layer's weights, from ``input_shape`` (one sample; a leading
        ``None`` batch axis, as Keras writes it, is dropped)."""
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if input_shape and (input_shape[0] is None or self._input is not None and len(
                    input_shape) == len(self.input_shape_) + 1):  # (batch, ...): batch given
                input_shape = input_shape[1:]
            shape = _as_shape(input_shape)
            if self._input is not None and self.input_shape_ != shape:
                raise InputError(_(
                    "Model {name!r} was built for inputs of shape {built}, not {shape}.").format(
                    name=self.name, built=(None, *self.input_shape_), shape=(None, *shape)))
            if self._input is None:
                self._input = InputLayer(shape=shape).output
                self._rebuild()
        if self._input is None:
            raise ValueError(_("The model does not know its input shape yet: call fit, or pass "
                               "input_shape=... to the first layer, or start with "
                               "Input(shape=...)."))
        self.built = True
        if self.compiled is not None:
            self.compiled.configure(self)
        self.load_deferred_weights()

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            if self._input is None:
                return super().graph  # raises: not built
            if not self._layers:
                raise InputError(_("The model has no layers: add some first, e.g. "
                                   "model.add(glassnet.layers.Dense(10))."))
            self._graph = Graph([self._input], [self._last])
            if self.compiled is not None:
                self.compiled.configure(self)
        return self._graph

    @property
    def built(self) -> bool:
        return self._input is not None if "_layers" in self.__dict__ else False

    @built.setter
    def built(self, value: bool) -> None:  # derived from the input shape
        pass

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_shape": None if self.input_shape_ is None else list(self.input_shape_),
            "layers": [_layer_entry(layer) for layer in self._layers],
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None,
                    on_layer=None):
        from .serialization import sequential_from_config

        return sequential_from_config(config, custom_objects, on_layer)


def _layer_entry(layer: Layer) -> dict:
    from .serialization import layer_entry

    return layer_entry(layer)


class _CompiledMetrics:
    """The compiled metrics as one object, for Keras 2's custom ``train_step``."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.metrics = model.compiled.all_metrics()

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        model = self.model
        if model.graph_or_none is None and not model.compiled.outputs:
            # a model without call (a distiller's train_step): outputs shaped as y_pred
            preds = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
            model.compiled.configure(model, [np.shape(p) for p in preds])
            self.metrics = model.compiled.all_metrics()
        names = [o.name for o in model.compiled.outputs]
        ys = data_module.as_list(y, names, "y", "output")
        preds = data_module.as_list(y_pred, names, "y_pred", "output")
        self.model.compiled.update_metrics([np.asarray(a) for a in ys],
                                           [np.asarray(a) for a in preds])

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


class _Compiled:
    """What ``compile`` chose, resolved per output once the graph is known: the loss of
    each output, its weight, its metrics, and whether it fuses with the last activation."""

    def __init__(self, loss, metrics, loss_weights) -> None:
        if isinstance(loss, dict) and isinstance(loss.get("name"), str):
            loss = losses.get(loss)  # one loss's settings, from a model file
        # resolved once, so model.loss stays the same object however often the graph is
        # rebuilt (a Sequential's grows with add)
        if isinstance(loss, dict):
            loss = {k: None if v is None else losses.get(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            loss = [None if v is None else losses.get(v) for v in loss]
        elif loss is not None:  # None: a custom train_step computes its own loss
            loss = losses.get(loss)
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.loss_spec, self.metric_spec, self.weight_spec = loss, metrics, loss_weights
        self.outputs: list[_Output] = []
        self.penalized: list = []
        self.constrained: list = []
        self.metric_layers: list = []
        self.added_metrics: dict = {}
        self.single: _Output | None = None
        for m in _metric_identifiers(metrics):  # fail early on unknown names
            metrics_module.get(m, None)

    def configure(self, model: Model, shapes: list[tuple] | None = None) -> None:
        """Resolve the specification against ``model``'s outputs (or, for a model without
        a graph, outputs ``output_1``... of the given ``shapes``, batch axis first)."""
        if shapes is None:
            names, graph = model.output_names, model.graph
            tensors = graph.outputs
        else:
            names, graph = [f"output_{i + 1}" for i in range(len(shapes))], None
            tensors = [KerasTensor((None, *shape[1:])) for shape in shapes]
        n = len(names)
        loss_list = _per_output(self.loss_spec, names, "loss")
        weights = _per_output(self.weight_spec, names, "loss_weights", default=1.0)
        metric_lists = _metric_lists(self.metric_spec, names)
        self.outputs = []
        first_use: set[int] = set()
        for i, (name, t) in enumerate(zip(names, tensors)):
            loss = loss_list[i]
            metrics = []
            for m in metric_lists[i]:
                metric = metrics_module.get(m, loss, t.shape[-1])
                if id(metric) in first_use:  # one object given for several outputs
                    metric = copy.deepcopy(metric)
                first_use.add(id(metric))
                if n > 1:
                    metric.name = f"{name}_{metric.name}"
                metrics.append(metric)
            kind = _Output
            if len(t.shape) > 2:  # (batch, T, k): a loss per step, masked steps left out
                from .step_outputs import StepOutput as kind
            out = kind(name, t, loss, float(weights[i]), metrics, graph)
            fit_arguments.warn_logits(out.loss, out.layer)  # softmax + from_logits=True
            out.metric_ids = [m.name for m in metrics] if n == 1 else [
                m if isinstance(m, str) else getattr(m, "name", getattr(m, "__name__", "metric"))
                for m in metric_lists[i]]
            self.outputs.append(out)
        leaves = model.leaves()
        self.penalized = [leaf for leaf in leaves if leaf.uses_call or any(
            getattr(leaf, k, None) is not None
            for k in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"))]
        self.constrained = [leaf for leaf in leaves if getattr(leaf, "has_constraints", False)]
        self.metric_layers = [leaf for leaf in leaves if leaf.uses_call]  # may add_metric
        self.added_metrics: dict[str, metrics_module.Mean] = {}
        only = self.outputs[0]
        self.single = only if len(self.outputs) == 1 and only.weight == 1.0 and \
            only.loss is not None else None
        if all(o.loss is None for o in self.outputs) and not model.custom_train_step \
                and not model.may_add_losses():
            raise ValueError(_("compile: no output has a loss. The outputs are {names}; give "
                               "loss a value for at least one, e.g. loss={{{first!r}: "
                               "'mse'}}.").format(names=names, first=names[0]))

    # the numbers of one step
    def loss_and_gradients(self, ys, outs, sample_weight=None) -> tuple[float, list]:
        """``L = Σ_i w_i L_i(y_i, a_i)`` and ``dL/da_i = w_i dL_i/da_i`` for each output."""
        if self.single is not None and sample_weight is None:  # the tutorial's case
            value, d = self.single.loss_and_gradient(ys[0], outs[0])
            return (value + self.penalty() if self.penalized else value), [d]
        total, douts = 0.0, []
        for o, y, a in zip(self.outputs, ys, outs):
            if o.loss is None:
                douts.append(None)
                continue
            value, d = o.loss_and_gradient(y, a, sample_weight)
            o.last = value
            if o.weight != 1.0:
                value, d = o.weight * value, o.weight * d
            total += value
            douts.append(d)
        return total + self.penalty(), douts

    def claim_fusion(self, model: Model) -> None:
        """Set each layer's ``fused_activation`` as this model's losses need it, before
        training: a layer may also sit in another compiled model (a network compiled on
        its own and again inside a bigger one), whose compile fused it with its loss."""
        for layer in model.leaves():
            if hasattr(layer, "fused_activation"):
                layer.fused_activation = False
        for o in self.outputs:
            if o.fused:
                o.layer.fused_activation = True

    def penalty(self) -> float:
        """``Σ R(W)``: the regularizers' penalties (their gradients are added by the layers'
        own ``backward``)."""
        if not self.penalized:
            return 0.0
        return sum(p for leaf in self.penalized for p in leaf.own_losses)

    def loss_value(self, ys, outs) -> float:
        total = 0.0
        for o, y, a in zip(self.outputs, ys, outs):
            if o.loss is not None:
                o.last = o.value(y, a)
                total += o.weight * o.last
        return total + self.penalty()

    def update_metrics(self, ys, outs) -> None:
        for o, y, a in zip(self.outputs, ys, outs):
            if o.per_step:  # a sequence output: its steps as rows, or whole for yours
                y_rows, a_rows = o.metric_rows(y, a)
                for m, own in o.metrics_own:
                    if o.takes_whole(m):
                        m.update_state(y, a)
                    else:
                        m.update_state(losses.match_dtype_and_rank(y_rows, a_rows) if own
                                       else y_rows, a_rows)
                continue
            for m, own in o.metrics_own:  # yours get y as Keras 2 gives it
                m.update_state(losses.match_dtype_and_rank(y, a) if own else y, a)
        for layer in self.metric_layers:  # Keras 2's add_metric in a layer's call
            for name, value in layer.added_metrics():
                if name not in self.added_metrics:
                    self.added_metrics[name] = metrics_module.Mean(name=name)
                self.added_metrics[name].update_state(np.asarray(value))

    def reset(self) -> None:
        for o in self.outputs:
            o.loss_sum = 0.0
            for m in o.metrics:
                m.reset_state()
        for m in self.added_metrics.values():
            m.reset_state()

    def accumulate(self, n: int) -> None:
        """Add the last batch's per-output losses (``n`` samples) to the running sums."""
        if len(self.outputs) > 1:
            for o in self.outputs:
                if o.loss is not None:
                    o.loss_sum += float(o.last) * n

    def logs(self, loss: float, seen: int) -> dict[str, float]:
        """Keras's order: metrics and losses sorted by name."""
        logs = {"loss": loss}
        multi = len(self.outputs) > 1
        for o in self.outputs:
            if multi and o.loss is not None:
                logs[f"{o.name}_loss"] = o.loss_sum / seen
            for m in o.metrics:
                logs[m.name] = metric_value(m)
        for name, m in self.added_metrics.items():
            logs[name] = metric_value(m)
        return dict(sorted(logs.items()))

    def all_metrics(self) -> list:
        return [m for o in self.outputs for m in o.metrics]

    def metric_names(self) -> list[str]:
        if not self.outputs:
            return [m if isinstance(m, str) else getattr(m, "name", str(m))
                    for m in _metric_identifiers(self.metric_spec)]
        names = [f"{o.name}_loss" for o in self.outputs if o.loss is not None] \
            if len(self.outputs) > 1 else []
        return names + [m.name for m in self.all_metrics()]

    def get_config(self, model: Model) -> dict[str, Any]:
        """The compile settings as names and numbers, for a model file."""
        outputs = model.compiled_outputs()
        if len(outputs) == 1:
            o = outputs[0]
            return {"loss": o.loss.get_config(), "metrics": o.metric_ids}
        return {"loss": {o.name: None if o.loss is None else o.loss.get_config()
                         for o in outputs},
                "metrics": {o.name: o.metric_ids for o in outputs},
                "loss_weights": {o.name: o.weight for o in outputs}}

    def loss_objects(self, model: Model):
        if not self.outputs:
            return self.loss_spec
        objects = [o.loss for o in self.outputs]
        return objects[0] if len(objects) == 1 else objects


class _Output:
    """One output's loss (fused with the producing layer's activation when they pair:
    softmax + cross-entropy gives ``dL/dz = (p - y) / batch``), weight and metrics."""

    def __init__(self, name: str, tensor: KerasTensor, loss, weight: float, metrics: list,
                 graph: Graph) -> None:
        self.name, self.loss, self.weight, self.metrics = name, loss, weight, metrics
        #: (metric, whether it is yours): yours get ``y`` as Keras 2 gives it
        self.metrics_own = [(m, not type(m).__module__.startswith("glassnet."))
                            for m in metrics]
        self.shape = tensor.shape
        self.loss_sum = 0.0
        self.last = 0.0
        layer = tensor.node.layer if tensor.node is not None else None
        # Fusing hands the layer dL/dz instead of dL/da: only when this output is the
        # layer's sole use (no other node reads it, the layer is not called twice).
        activation = getattr(layer, "activation", None)
        self.fused = (
            loss is not None
            and getattr(loss, "fuses_with", None) is not None
            and not loss.from_logits
            and activation is not None
            and activation.name == loss.fuses_with
            and hasattr(layer, "fused_activation")
            and graph.readers.get(id(tensor), 0) == 0
            and id(layer) not in graph.shared
            and sum(1 for t in graph.outputs if t is tensor) == 1
        )
        self.layer = layer
        if hasattr(layer, "fused_activation"):
            layer.fused_activation = self.fused

    per_step = False  # step_outputs.StepOutput: a loss per time step (and a mask)

    def logits(self) -> np.ndarray:
        """``z``, the fused layer's output before its activation."""
        return self.layer.z

    def loss_and_gradient(self, y, a, sample_weight=None):
        if sample_weight is not None:
            return self._weighted(y, a, sample_weight)
        if self.fused:
            return self.loss.forward_fused(y, self.logits()), self.loss.backward_fused(y, a)
        return self.loss.forward(y, a), self.loss.backward(y, a)

    def _weighted(self, y, a, w):
        """``mean_i w_i L_i`` (Keras's "sum over batch size") and its gradient: each
        sample's row of ``dL/da`` times its weight (``L_i`` depends on row ``i`` only)."""
        if self.fused:  # per-sample values from the logits, as stable as the fused loss
            logits = copy.copy(self.loss)
            logits.from_logits = True
            per, d = logits.call(y, self.logits()), self.loss.backward_fused(y, a)
        else:
            per, d = self.loss.call(y, a), self.loss.backward(y, a)
        w = np.asarray(w, d.dtype)
        return float(np.mean(per * w)), d * w.reshape(-1, *([1] * (d.ndim - 1)))

    def value(self, y, a) -> float:
        if self.fused:
            return self.loss.forward_fused(y, self.logits())
        return self.loss.forward(y, a)


def metric_value(m) -> float:
    """A metric's value as a float: ``float_result()`` unless a subclass of yours defines
    its own ``result`` (which may return a tensor)."""
    if type(m).result is metrics_module.Metric.result:
        return m.float_result()
    return float(np.asarray(m.result()))


def _per_output(spec, names: list[str], what: str, default=None) -> list:
    """A per-output setting as a list in output order, from one value, a list or a dict."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise InputError(_("compile({what}=...) names {unknown}, which are not outputs of "
                               "the model. The outputs are {names}.").format(
                what=what, unknown=unknown, names=names))
        return [spec.get(name, default) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise InputError(_("compile({what}=...) has {count} entries, but the model has "
                               "{n} output(s): {names}. Give one per output, or a dict keyed by "
                               "output name.").format(what=what, count=len(spec), n=n,
                                                      names=names))
        return list(spec)
    return [default if spec is None else spec] * n


def _metric_lists(spec, names: list[str]) -> list[list]:
    """The metrics of each output: one list for all (Keras 2), a list of lists, or a dict."""
    n = len(names)
    if spec is None:
        return [[] for _ in names]
    if isinstance(spec, (str, metrics_module.Metric)):
        return [[spec] for _ in names]
    if isinstance(spec, dict):
        return [m if isinstance(m, (list, tuple)) else [] if m is None else [m]
                for m in _per_output(spec, names, "metrics")]
    spec = list(spec)
    if n > 1 and len(spec) == n and all(isinstance(m, (list, tuple)) or m is None
                                        for m in spec):
        return [list(m or []) for m in spec]
    return [list(spec) for _ in names]


def _metric_identifiers(metrics) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_module.Metric)):
        return [metrics]
    if isinstance(metrics, dict):
        metrics = list(metrics.values())
    return [m for item in metrics for m in (item if isinstance(item, (list, tuple)) else
                                             [item]) if m is not None]


def _from_dataset(x, y, batch_size, shuffle, where: str, weighted: bool = False):
    """A ``tf.data.Dataset`` of ``(x, y)`` batches as the arrays, batch size and shuffling
    that ``fit``/``evaluate``/``predict`` take (the dataset's own batching wins, as in
    Keras), and with ``weighted`` (fit's data) the weights of ``(x, y, sample_weight)``
    elements (else None); anything else passes through."""
    if not data_module.is_dataset(x):
        return x, y, batch_size, shuffle, None
    if y is not None:
        raise InputError(_("{where} got a Dataset and y; the dataset holds (x, y) pairs: pass "
                           "it alone.").format(where=where))
    if weighted:
        x, y, weights, ds_batch, ds_shuffle = x.to_weighted_arrays()
    else:
        (x, y, ds_batch, ds_shuffle), weights = x.to_arrays(), None
    if ds_batch is None:
        raise InputError(_("{where} got a Dataset that is not batched: add .batch(32) to "
                           "it.").format(where=where))
    return x, y, ds_batch, ds_shuffle, weights


def _unsupported(kwargs: dict, where: str) -> None:
    if kwargs:
        raise TypeError(_("{where}() got unexpected keyword argument(s) {names}.").format(
            where=where, names=sorted(kwargs)))


def user_build(build):
    """``build`` of a ``Model`` subclass, run once (with the input shape, batch axis
    included, as Keras gives it, or with no argument if it takes none), then the graph of
    ``Model.build`` for that shape: a Keras model whose ``build`` makes its weights and sets
    ``self.built`` still gets the graph that ``fit`` and ``predict`` run."""
    takes_shape = len(inspect.signature(build).parameters) > 1

    def build_weights_then_graph(self, input_shape=None, *args, **kwargs):
        if not self.uses_call:  # a Sequential subclass: its build is all there is
            return build(self, input_shape, *args, **kwargs) if takes_shape else build(self)
        if not vars(self).get("weights_built"):
            vars(self)["building_weights"] = True
            try:
                if takes_shape:
                    shape = None if input_shape is None else \
                        _with_batch_axis(_without_batch(input_shape))
                    build(self, shape, *args, **kwargs)
                else:
                    build(self, *args, **kwargs)
            finally:
                vars(self).pop("building_weights", None)
            vars(self)["weights_built"] = True
        if input_shape is not None and self.graph_or_none is None:
            self.built = False  # Model.build makes the graph
            Model.build(self, input_shape)
        self.built = True

    build_weights_then_graph.makes_graph = True
    build_weights_then_graph.__name__ = build.__name__
    build_weights_then_graph.__doc__ = build.__doc__
    return build_weights_then_graph


def _without_batch(shapes):
    """Each shape of a dict or list of shapes without a leading ``None`` batch axis."""
    if isinstance(shapes, dict):
        return {k: _without_batch(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [_without_batch(v) for v in shapes]
    shape = tuple(shapes)
    return shape[1:] if shape and shape[0] is None else shape


def _with_batch_axis(shapes):
    if isinstance(shapes, dict):
        return {k: _with_batch_axis(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [_with_batch_axis(v) for v in shapes]
    return (None, *shapes)


def _inputs_for(shapes):
    """An ``Input`` for each shape of a dict (named by its key) or a list."""
    shapes = _without_batch(shapes)
    if isinstance(shapes, dict):
        return {k: InputLayer(shape=_as_shape(v), name=str(k)).output for k, v in shapes.items()}
    return [InputLayer(shape=_as_shape(v)).output for v in shapes]


def _first_steps(arrays: list, steps, batch_size: int) -> list:
    """The samples of the first ``steps`` batches (all of them when ``steps`` is None)."""
    if steps is None:
        return arrays
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(_("{name} must be a positive integer, got {value!r}.").format(
            name="steps", value=steps))
    return [a[:int(steps) * batch_size] for a in arrays]


def _batch_size(batch_size) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(_("batch_size must be a positive integer, got {value!r}.").format(
            value=batch_size))
    return int(batch_size)
