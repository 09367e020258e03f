"""``Sequential``: a stack of layers, trained with ``compile`` and ``fit``.

Reading guide: ``fit`` is the training loop (epochs, batches, callbacks).
Each batch goes through ``train_step``, which is the whole algorithm:

1. forward propagation: ``a = layer.forward(a)`` from the first layer to the last;
2. the loss ``L(y, a)`` and its gradient ``dL/da``;
3. backpropagation: ``da = layer.backward(da)`` from the last layer to the first;
4. gradient descent: ``optimizer.step(θ, dL/dθ)``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import backend, blas, losses, optimizers, validation
from . import callbacks as callbacks_module
from . import metrics as metrics_module
from . import random as grandom
from .data import check_columns, column_names
from .errors import InputError, NotCompiledError
from .faults import InterruptGuard, NonFiniteLoss, WeightSnapshot, interrupted, stop_on_nonfinite
from .layers.base import Layer, _as_shape
from .layers.input import InputLayer
from .progress import Progbar


class Sequential:
    """A linear stack of layers: the output of each is the input of the next.

    >>> model = Sequential([Dense(128, activation="relu"), Dense(10, activation="softmax")])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
    """

    def __init__(self, layers: list[Layer] | None = None, name: str | None = None) -> None:
        self.name = name or backend.unique_name("sequential")
        self.layers: list[Layer] = []
        self.input_shape_: tuple[int, ...] | None = None
        self.built = False
        self.optimizer: optimizers.Optimizer | None = None
        self.loss: losses.Loss | None = None
        self.metrics: list[metrics_module.Metric] = []
        self._metric_names: list = []
        self.stop_training = False
        self._terminate_on_nan = False  # set by fit: train_step skips NaN updates and raises
        self.history: callbacks_module.History | None = None
        self._columns: list | None = None  # a training DataFrame's column names, in order
        for layer in layers or []:
            self.add(layer)

    # -- building ---------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` only sets the input shape)."""
        if isinstance(layer, InputLayer):
            if self.layers:
                raise ValueError("Input(...) must come before the first layer.")
            self.input_shape_ = layer.declared_input_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential takes glassnet layers, got {layer!r}. "
                "Use e.g. glassnet.layers.Dense(10)."
            )
        if not self.layers and self.input_shape_ is None and layer.declared_input_shape:
            self.input_shape_ = layer.declared_input_shape
        self.layers.append(layer)
        if self.input_shape_ is not None:
            self.build()

    def build(self, input_shape: tuple | None = None) -> None:
        """Create every layer's weights, from ``input_shape`` (one sample, no batch size)."""
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if input_shape and input_shape[0] is None:  # Keras style (None, 784)
                input_shape = input_shape[1:]
            self.input_shape_ = _as_shape(input_shape)
        if self.input_shape_ is None:
            raise ValueError("The model does not know its input shape yet: call fit, or pass "
                             "input_shape=... to the first layer, or start with Input(shape=...).")
        shape = self.input_shape_
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            elif layer.input_shape != shape:
                raise InputError(
                    f"Layer {layer.name!r} was built for inputs of shape (batch, "
                    f"{', '.join(map(str, layer.input_shape))}) but now receives (batch, "
                    f"{', '.join(map(str, shape))})."
                )
            shape = layer.output_shape
        self._bind_parameters()
        self.built = True
        if self.loss is not None:
            self._configure_loss()

    def _bind_parameters(self) -> None:
        """Move all weights into one flat vector ``θ`` (and gradients into ``g``).

        Each layer keeps views into these vectors, so an optimizer updates the
        whole network with a few whole-array operations. Trainable weights come
        first: the optimizer sees ``θ[:n_trainable]``.
        """
        entries = [(layer, k) for layer in self.layers if layer.trainable for k in layer.params]
        entries += [(layer, k) for layer in self.layers if not layer.trainable
                    for k in layer.params]
        sizes = [layer.params[k].size for layer, k in entries]
        self._theta = np.empty(sum(sizes), backend.floatx())
        self._grad = np.zeros(sum(sizes), backend.floatx())
        offset = 0
        for (layer, k), size in zip(entries, sizes):
            shape = layer.params[k].shape
            view = self._theta[offset:offset + size].reshape(shape)
            view[...] = layer.params[k]
            layer.params[k] = view
            layer.grads[k] = self._grad[offset:offset + size].reshape(shape)
            offset += size
        self._n_trainable = sum(s for (layer, _), s in zip(entries, sizes) if layer.trainable)
        self._bound_trainable = [layer.trainable for layer in self.layers]
        with_params = [i for i, layer in enumerate(self.layers) if layer.params]
        self._first_param_layer = with_params[0] if with_params else len(self.layers)

    def _rebind_if_trainable_changed(self) -> None:
        """A layer frozen (``layer.trainable = False``) or unfrozen since the weights were
        bound moves to the other side of ``θ[:n_trainable]``, so the optimizer skips it."""
        if self._bound_trainable != [layer.trainable for layer in self.layers]:
            self._bind_parameters()

    # -- compiling --------------------------------------------------------------
    def compile(self, optimizer: str | optimizers.Optimizer = "rmsprop",
                loss: str | losses.Loss | None = None,
                metrics: list | None = None) -> None:
        """Choose the optimizer, the loss to minimise and the metrics to report."""
        self.optimizer = optimizers.get(optimizer)
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='sparse_categorical_crossentropy' "
                             "for integer class labels or loss='mse' for regression.")
        self.loss = losses.get(loss)
        if isinstance(metrics, (str, metrics_module.Metric)):
            metrics = [metrics]
        self._metric_names = list(metrics or [])
        for m in self._metric_names:  # fail early on unknown names
            metrics_module.get(m, self.loss)
        self.metrics = []
        if self.built:
            self._configure_loss()

    def _configure_loss(self) -> None:
        """Resolve metrics and decide whether the loss fuses with the last activation."""
        units = self.layers[-1].output_shape[-1] if self.layers[-1].output_shape else None
        self.metrics = [metrics_module.get(m, self.loss, units) for m in self._metric_names]
        for layer in self.layers:
            if hasattr(layer, "fused_activation"):
                layer.fused_activation = False
        last = self.layers[-1]
        activation = getattr(last, "activation", None)
        self._fused = (
            getattr(self.loss, "fuses_with", None) is not None
            and not self.loss.from_logits
            and activation is not None
            and activation.name == self.loss.fuses_with
            and hasattr(last, "fused_activation")
        )
        last.fused_activation = self._fused

    # -- the algorithm ----------------------------------------------------------
    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One step of gradient descent on one batch. Returns the loss and the outputs."""
        # 1. forward propagation
        a = x
        for layer in self.layers:
            a = layer.forward(a, training=True)
        # 2. the loss and dL/da (or dL/dz, fused with softmax/sigmoid: a - y)
        loss, da = self._loss_and_gradient(y, a)
        if self._terminate_on_nan and not math.isfinite(loss):
            raise NonFiniteLoss(loss)  # before the update: θ keeps its last finite values
        # 3. backpropagation, down to the first layer that has weights
        for layer in reversed(self.layers[self._first_param_layer:]):
            da = layer.backward(da)
        # 4. gradient descent on all trainable weights at once
        n = self._n_trainable
        self.optimizer.step(self._theta[:n], self._grad[:n])
        return loss, a

    def _loss_and_gradient(self, y, a):
        if self._fused:
            z = self.layers[-1].z
            return self.loss.forward_fused(y, z), self.loss.backward_fused(y, a)
        return self.loss.forward(y, a), self.loss.backward(y, a)

    def _loss_value(self, y, a) -> float:
        if self._fused:
            return self.loss.forward_fused(y, self.layers[-1].z)
        return self.loss.forward(y, a)

    # -- fit / evaluate / predict ------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: str | int = "auto",
        callbacks: list[callbacks_module.Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
        terminate_on_nan: bool = True,
    ) -> callbacks_module.History:
        """Train for ``epochs`` passes over ``(x, y)`` in batches of ``batch_size`` (32).

        Returns a ``History`` whose ``history`` dict holds one value per epoch for
        ``loss``, each metric, and their ``val_`` twins when validating.

        ``x`` and ``y`` are checked before any weight changes (see ``validation``).
        A NaN or infinite loss stops training with the last finite weights and a
        ``NonFiniteLossWarning`` naming the epoch and batch (``terminate_on_nan``).
        Ctrl-C stops after the current step and raises ``TrainingInterrupted``; the
        completed epochs stay in ``model.history`` (see ``faults``).
        """
        x, y = self._prepare(x, y, training=True, cast=False)  # batches are cast one by one
        self._rebind_if_trainable_changed()
        batch_size = _batch_size(batch_size)
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}.")
        if validation_data is not None:
            x_val, y_val = self._prepare(*validation_data[:2], cast=False)
        elif validation_split:
            # like Keras: the last fraction of the data, taken before shuffling
            cut = int(len(x) * (1 - validation_split))
            if cut == 0 or cut == len(x):
                raise InputError(f"validation_split={validation_split} leaves no training or "
                                 f"no validation samples out of {len(x)}.")
            x, x_val, y, y_val = x[:cut], x[cut:], y[:cut], y[cut:]
        else:
            x_val = y_val = None

        n = len(x)
        steps = math.ceil(n / batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = ([callbacks_module.ProgbarLogger(verbose)] if verbose else []) + list(callbacks or [])
        history = callbacks_module.History()
        cbs.append(history)
        params = {"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size}
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(params)
        batch_begin = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_begin")]
        batch_end = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_end")]

        self.stop_training = False
        self.history = history
        first = self.layers[self._first_param_layer] if self._first_param_layer < len(
            self.layers) else None
        if first is not None:
            first.need_input_grad = False  # nothing below it needs dL/dx
        self._terminate_on_nan = bool(terminate_on_nan)
        snapshot = WeightSnapshot(self)  # the last finite weights, in case a loss is NaN
        epoch, step = initial_epoch, -1
        guard = InterruptGuard(self)  # Ctrl-C: stop after the current step
        threads = blas.limit_threads(self, batch_size)  # 1 for small products (see blas.py)
        try:
            for cb in cbs:
                cb.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                snapshot.take(epoch)
                step = -1
                for cb in cbs:
                    cb.on_epoch_begin(epoch)
                order = grandom.rng().permutation(n) if shuffle else np.arange(n)
                loss_sum, seen = 0.0, 0
                for m in self.metrics:
                    m.reset_state()
                for step in range(steps):
                    idx = order[step * batch_size:(step + 1) * batch_size]
                    xb, yb = _floatx(x[idx]), y[idx]
                    for cb in batch_begin:
                        cb.on_train_batch_begin(step)
                    loss, out = self.train_step(xb, yb)
                    loss_sum += float(loss) * len(idx)
                    seen += len(idx)
                    for m in self.metrics:
                        m.update_state(yb, out)
                    if batch_end:
                        logs = self._logs(loss_sum / seen)
                        for cb in batch_end:
                            cb.on_train_batch_end(step, logs)
                    if self.stop_training:  # a callback or Ctrl-C: stop after this step
                        break
                guard.raise_if_requested()  # Ctrl-C: the unfinished epoch is not recorded
                logs = self._logs(loss_sum / seen)
                if x_val is not None:
                    val = self._evaluate_arrays(x_val, y_val, batch_size, callbacks=cbs)
                    logs.update({"val_" + k: v for k, v in val.items()})
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            for cb in cbs:
                cb.on_train_end()
            guard.raise_if_requested()
        except NonFiniteLoss as err:
            stop_on_nonfinite(self, err, epoch, step, epochs, steps, snapshot)
            for cb in cbs:
                cb.on_train_end()
        except KeyboardInterrupt:
            raise interrupted(self, history, epoch, step, epochs, steps) from None
        finally:
            threads.restore()
            guard.uninstall()
            self._terminate_on_nan = False
            if first is not None:
                first.need_input_grad = True
        return history

    def _logs(self, loss: float) -> dict[str, float]:
        """Keras's order: metrics and loss sorted by name."""
        logs = {m.name: m.result() for m in self.metrics}
        logs["loss"] = loss
        return dict(sorted(logs.items()))

    def _evaluate_arrays(self, x, y, batch_size, progbar: Progbar | None = None,
                         callbacks=()) -> dict:
        loss_sum = 0.0
        for m in self.metrics:
            m.reset_state()
        hooks = _hooks(callbacks, "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
                       "on_test_end")
        for cb in hooks["on_test_begin"]:
            cb.on_test_begin()
        steps = math.ceil(len(x) / batch_size)
        for step in range(steps):
            for cb in hooks["on_test_batch_begin"]:
                cb.on_test_batch_begin(step)
            xb = _floatx(x[step * batch_size:(step + 1) * batch_size])
            yb = y[step * batch_size:(step + 1) * batch_size]
            out = self._forward(xb)
            loss_sum += float(self._loss_value(yb, out)) * len(xb)
            for m in self.metrics:
                m.update_state(yb, out)
            if progbar is not None or hooks["on_test_batch_end"]:
                logs = self._logs(loss_sum / min(len(x), (step + 1) * batch_size))
                for cb in hooks["on_test_batch_end"]:
                    cb.on_test_batch_end(step, logs)
                if progbar is not None:
                    progbar.update(step + 1, logs)
        logs = self._logs(loss_sum / len(x))
        for cb in hooks["on_test_end"]:
            cb.on_test_end(logs)
        return logs

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """Forward propagation in inference mode (dropout off)."""
        for layer in self.layers:
            x = layer.forward(x, training=False)
        return x

    def evaluate(self, x=None, y=None, batch_size: int | None = None,
                 verbose: str | int = "auto", return_dict: bool = False,
                 callbacks: list[callbacks_module.Callback] | None = None):
        """Loss and metrics on ``(x, y)``: ``[loss, accuracy]``, or a dict with ``return_dict``."""
        x, y = self._prepare(x, y, cast=False)
        batch_size = _batch_size(batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        steps = math.ceil(len(x) / batch_size)
        bar = Progbar(steps, verbose) if verbose else None
        for cb in callbacks or []:
            cb.set_model(self)
            cb.set_params({"steps": steps, "verbose": verbose})
        with blas.limit_threads(self, batch_size):
            logs = self._evaluate_arrays(x, y, batch_size, bar, callbacks or ())
        if bar is not None:
            bar.update(steps, logs, finalize=True)
        if return_dict:
            return logs
        if not self.metrics:
            return logs["loss"]
        return [logs["loss"]] + [logs[m.name] for m in self.metrics]

    def predict(self, x, batch_size: int | None = None, verbose: str | int = "auto",
                callbacks: list[callbacks_module.Callback] | None = None) -> np.ndarray:
        """The model's outputs for ``x``, computed in batches of ``batch_size`` (32).

        One sample without the batch dimension (``x.shape == model.input_shape[1:]``)
        is read as a batch of one: the result has shape ``(1, ...)``.
        """
        # NaN or inf in x would make the outputs NaN: x's values are checked only then
        x = self._prepare_x(x, single_sample=True, cast=False, check_values=False)
        batch_size = _batch_size(batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        steps = math.ceil(len(x) / batch_size)
        bar = Progbar(steps, verbose) if verbose else None
        out = None
        for cb in callbacks or []:
            cb.set_model(self)
            cb.set_params({"steps": steps, "verbose": verbose})
        hooks = _hooks(callbacks or (), "on_predict_begin", "on_predict_batch_begin",
                       "on_predict_batch_end", "on_predict_end")
        for cb in hooks["on_predict_begin"]:
            cb.on_predict_begin()
        # NumPy's warnings about NaN would come before the clear message below
        with blas.limit_threads(self, batch_size), np.errstate(all="ignore"):
            for step in range(steps):
                for cb in hooks["on_predict_batch_begin"]:
                    cb.on_predict_batch_begin(step)
                sl = slice(step * batch_size, (step + 1) * batch_size)
                a = self._forward(_floatx(x[sl]))
                if out is None:
                    out = np.empty((len(x), *a.shape[1:]), a.dtype)
                out[sl] = a
                for cb in hooks["on_predict_batch_end"]:
                    cb.on_predict_batch_end(step, {"outputs": a})
                if bar is not None:
                    bar.update(step + 1)
        if bar is not None:
            bar.update(steps, finalize=True)
        for cb in hooks["on_predict_end"]:
            cb.on_predict_end()
        if out is not None and not np.isfinite(out).all():
            _non_finite_outputs(x, out)
        return out

    def __call__(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare_x(x, single_sample=True)
        with blas.limit_threads(self, len(x)):  # as fit and predict: see blas.py
            for layer in self.layers:
                x = layer.forward(x, training=training)
        return x

    def train_on_batch(self, x, y) -> float:
        """One gradient step on one batch; returns its loss."""
        x, y = self._prepare(x, y, training=True)
        self._rebind_if_trainable_changed()
        with blas.limit_threads(self, len(x)):  # about 20 µs; spares the 2-thread trap
            loss, _ = self.train_step(x, y)
        return float(loss)

    # -- input checks ------------------------------------------------------------
    def _prepare_x(self, x, single_sample: bool = False, training: bool = False,
                   cast: bool = True, check_values: bool = True) -> np.ndarray:
        """``x`` checked against the model (see ``validation.inputs``); builds the model."""
        check_columns(self._columns, x)  # a DataFrame: same columns, same order as in fit
        x = validation.inputs(self, x, single_sample, training=training, cast=cast,
                              check_values=check_values)
        if not self.built:
            self.build(x.shape[1:])
        return x

    def _prepare(self, x, y, training: bool = False,
                 cast: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if self.loss is None:
            raise NotCompiledError(
                "You must call compile() before fit() or evaluate(), e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy'])."
            )
        if training:
            self._columns = column_names(x)
        x = self._prepare_x(x, training=training, cast=cast)
        y = validation.targets(self, y, x)
        return x, y

    # -- weights -------------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, layer by layer (kernel, then bias, ...)."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Write weights in the order ``get_weights`` returns them."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"The model has {len(own)} weight arrays, but set_weights got "
                             f"{len(weights)}.")
        i = 0
        for layer in self.layers:
            k = len(layer.weights)
            layer.set_weights(weights[i:i + k])
            i += k

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named {name!r}; the layers are "
                         f"{[layer.name for layer in self.layers]}.")

    @property
    def input_shape(self) -> tuple | None:
        return None if self.input_shape_ is None else (None, *self.input_shape_)

    @property
    def output_shape(self) -> tuple | None:
        if not self.built:
            return None
        return (None, *self.layers[-1].output_shape)

    def summary(self, print_fn=print) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        from .summary import summary_text

        print_fn(summary_text(self))

    # -- saving --------------------------------------------------------------------
    def save(self, filepath: str) -> None:
        """Save architecture, weights and optimizer state to one ``.glassnet`` file."""
        from .saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath: str) -> None:
        from .saving import save_weights

        save_weights(self, filepath)

    def load_weights(self, filepath: str) -> None:
        from .saving import load_weights

        load_weights(self, filepath)

    def export(self, filepath: str, format: str = "onnx") -> None:
        """Write the model as an ONNX file for onnxruntime, PyTorch, ... (needs ``onnx``).

        See ``glassnet.export`` for the layer-by-layer translation and docs/onnx.md.
        """
        if format != "onnx":
            raise ValueError(f"export writes format='onnx' only, got format={format!r}.")
        from .export import export_onnx

        export_onnx(self, filepath)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_shape": None if self.input_shape_ is None else list(self.input_shape_),
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in self.layers],
        }


def _hooks(callbacks, *names: str) -> dict[str, list]:
    """For each hook name, the callbacks that define it (the others are skipped)."""
    return {name: [cb for cb in callbacks if callbacks_module.overrides(cb, name)]
            for name in names}


def _non_finite_outputs(x: np.ndarray, out: np.ndarray) -> None:
    """``predict`` gave NaN or inf: an error naming the bad values of ``x`` if there are
    any, else a warning that the weights themselves have gone bad."""
    if x.dtype.kind in "fc":
        validation.values(x)
    bad = out.size - int(np.count_nonzero(np.isfinite(out)))
    warnings.warn(
        f"predict: {bad} of the {out.size} outputs are NaN or infinite, although x is finite. "
        f"The model's weights are probably NaN or very large (training diverged: try a "
        f"smaller learning rate); [np.isfinite(w).all() for w in model.get_weights()] "
        f"shows which.", RuntimeWarning, stacklevel=3)


def _floatx(xb: np.ndarray) -> np.ndarray:
    """One batch in the model's float type (float32).

    ``fit``, ``evaluate`` and ``predict`` keep the data in the user's own dtype and cast
    each batch on its way in: for the tutorial's ``x_train / 255.0`` (float64) that saves
    a float32 copy of the whole set, 188 MB for MNIST, for about 20 µs per batch.
    """
    return xb if xb.dtype == backend.floatx() else xb.astype(backend.floatx())


def _batch_size(batch_size) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


Model = Sequential
