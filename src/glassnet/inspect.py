"""The glass box: look inside a model while it computes.

* ``explain(model, x, y)`` prints one forward and one backward pass for a small batch,
  layer by layer: the formula each layer computes, the shapes, and a few values.
* ``gradcheck(model, x, y)`` compares backpropagation with numerical differentiation,
  ``dL/dθ ≈ (L(θ + ε) - L(θ - ε)) / 2ε``, for every parameter of every layer.
* ``fgsm(model, x, y, eps)`` makes adversarial examples with the fast gradient sign
  method: ``x' = clip(x + ε · sign(∇ₓL), 0, 1)``.
* ``saliency(model, x)`` is ``|∂ŷ_c/∂x|``: how much each input pixel moves the
  probability of the predicted class ``c``.

None of these changes a weight or the optimizer's state: they run the layers'
``forward`` and ``backward`` exactly as ``fit`` does, but never call ``optimizer.step``.
They do overwrite the layers' scratch values (``layer.x``, ``layer.z``, the gradient
buffers ``layer.grads``), which ``fit`` recomputes at every step anyway.

What they print speaks the language of glassnet's messages (``GLASSNET_LANG=zh``:
Simplified Chinese); the formulas and the names of layers and parameters stay as they are.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from . import backend, blas, textwidth, validation
from . import losses as losses_module
from . import random as grandom
from .errors import InputError, NotCompiledError
from .i18n import N_, _
from .layers.dense import Dense

__all__ = ["Explanation", "GradcheckResult", "explain", "fgsm", "gradcheck", "saliency",
           "tape"]


# -- running the passes by hand -------------------------------------------------------------
def _graph(model, what: str):
    """The model's graph, if it has one input and one output (what these tools handle)."""
    graph = model.graph
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise InputError(_(
            "inspect.{what} handles models with one input and one output; model {name!r} "
            "has {inputs} inputs and {outputs} outputs. Cut out a one-input, one-output "
            "part: glassnet.Model(model.inputs[0], model.outputs[0]).").format(
                what=what, name=model.name, inputs=len(graph.inputs),
                outputs=len(graph.outputs)))
    return graph


def _chain(model) -> list:
    """The layers of a model whose graph is a chain (``explain`` prints them in order)."""
    return model.chain_layers(_("inspect.explain (gradcheck, saliency and fgsm handle any "
                                "one-input graph)"))


@contextmanager
def _all_input_grads(model) -> Iterator[None]:
    """Every layer returns ``dL/dx`` (``fit`` switches it off on the first layers)."""
    model.graph.plan(input_grads=True)
    yield


@contextmanager
def _last_layer_fused(model, fused: bool) -> Iterator[None]:
    """Temporarily set whether the last layer skips its activation's derivative."""
    last = _graph(model, "explain").outputs[0].node.layer
    if not hasattr(last, "fused_activation"):
        yield
        return
    saved = last.fused_activation
    last.fused_activation = fused
    try:
        yield
    finally:
        last.fused_activation = saved


def _forward(model, x: np.ndarray, training: bool = False) -> np.ndarray:
    return _graph(model, "forward").forward([x], training)[0]


def _backward(model, da: np.ndarray) -> np.ndarray:
    return model.graph.backward([da])[0]


def _loss_of(model, loss) -> losses_module.Loss:
    if loss is not None:
        return losses_module.get(loss)
    if model.loss is None:
        raise NotCompiledError(_(
            "This model has no loss yet: call model.compile(optimizer='adam', "
            "loss='sparse_categorical_crossentropy') first, or pass loss=... to this "
            "function."))
    return model.loss


def _loss_and_gradient(model, loss, y, a) -> tuple[float, np.ndarray, bool]:
    """The loss, its gradient, and whether that gradient is already ``dL/dz`` (fused)."""
    output = model.compiled_outputs()[0] if model.compiled is not None else None
    if output is not None and loss is output.loss and output.fused:
        value, grad = output.loss_and_gradient(y, a)
        return float(value), grad, True
    return float(loss.forward(y, a)), loss.backward(y, a), False


def _inputs(model, x) -> np.ndarray:
    """``x`` through the same checks as ``fit`` (one input)."""
    return model.prepare_inputs(x, cast=True)[0]


def _targets(model, y, x, loss) -> np.ndarray:
    """``y`` through the same checks as ``fit``: a label the last layer cannot have is a
    clear error, not an ``IndexError``."""
    out = _graph(model, "targets").outputs[0]
    return validation.targets(y, x, loss, out.node.layer, out.shape[1:])


def _prepare(model, x, y, loss):
    x = _inputs(model, x)
    return x, _targets(model, y, x, loss)


def _predicted_targets(loss, a: np.ndarray) -> np.ndarray:
    """The model's own answers used as targets (``explain`` with ``y=None``)."""
    if loss.sparse:
        return a.argmax(axis=-1)
    if isinstance(loss, losses_module.CategoricalCrossentropy):
        onehot = np.zeros_like(a)
        onehot[np.arange(len(a)), a.argmax(axis=-1)] = 1
        return onehot
    if isinstance(loss, losses_module.BinaryCrossentropy):
        return (a > 0.5).astype(a.dtype)
    raise InputError(_("explain needs targets y for the loss {loss!r}: pass y=... (with "
                       "y=None it can only use the predicted class of a classifier).").format(
                           loss=loss.name))


# -- explain -----------------------------------------------------------------------------------
_DERIVATIVES = {
    "linear": "1",
    "relu": "1 if z > 0 else 0",
    "sigmoid": "a·(1 - a)",
    "tanh": "1 - a²",
    "leaky_relu": "1 if z > 0 else α",
    "elu": "1 if z > 0 else a + α",
    "gelu": "Φ(z) + z·φ(z)",
    "softplus": "sigmoid(z)",
    "swish": "s + z·s·(1 - s), s = sigmoid(z)",
}


# Backward formulas of layers that define only ``formula`` (their forward); a layer class
# may set ``backward_formula`` itself, which wins.
# Their words are translated where they are printed (N_ marks them for the catalogue).
_BACKWARD = {
    "Conv2D": ["dL/dz = dL/da * f'(z)", "dL/dW = im2col(x)ᵀ·dL/dz", "dL/db = Σ_batch,i,j dL/dz",
               N_("dL/dx = col2im(dL/dz·Wᵀ)      (each patch's gradient added back where it "
                  "came from)")],
    "MaxPooling2D": [N_("dL/dx = dL/dy at the maximum of each window, 0 elsewhere")],
    "AveragePooling2D": [N_("dL/dx = dL/dy / window size, spread over each window")],
    "GlobalAveragePooling2D": [N_("dL/dx = dL/dy / (H·W), at every pixel")],
    "BatchNormalization": ["dL/dγ = Σ dL/dy·x̂,   dL/dβ = Σ dL/dy",
                           N_("dL/dx = γ/√(σ² + ε)·dL/dy      (inference mode: μ, σ² are the "
                              "moving statistics)")],
}


def _activation_lines(act_name: str, fused_text: str | None, z: str = "z") -> str:
    """The backward formula through ``a = f(z)``."""
    if fused_text is not None:
        return fused_text
    if act_name == "linear":
        return f"dL/d{z} = dL/da"
    if act_name == "softmax":
        return _("dL/d{z} = a * (dL/da - Σ_j dL/da_j·a_j)      (softmax's Jacobian)").format(
            z=z)
    derivative = _DERIVATIVES.get(act_name, f"{act_name}'({z})")
    return f"dL/d{z} = dL/da * {act_name}'({z}),   {act_name}'({z}) = {derivative}"


def _fused_text(loss) -> str:
    if isinstance(loss, losses_module.BinaryCrossentropy):
        return _("dL/dz = (a - y) / (batch·units)     (sigmoid + cross-entropy, fused)")
    target = "onehot(y)" if loss.sparse else "y"
    return _("dL/dz = (a - {target}) / batch     (softmax + cross-entropy, fused)").format(
        target=target)


def _shape(a) -> str:
    return "(" + ", ".join(map(str, np.shape(a))) + ("," if np.ndim(a) == 1 else "") + ")"


def _peek(a: np.ndarray | None, k: int) -> str:
    """The first ``k`` values of sample 0 and the range of the whole array."""
    if a is None:
        return ""
    a = np.asarray(a)
    first = a[0].ravel() if a.ndim > 1 else a.ravel()
    shown = ", ".join(f"{float(v):.4g}" for v in first[:k])
    more = ", …" if first.size > k else ""
    where = "[0]" if a.ndim > 1 else ""
    return _("{where} = [{shown}{more}]   range [{low:.3g}, {high:.3g}]").format(
        where=where, shown=shown, more=more, low=float(a.min()), high=float(a.max()))


@dataclass
class Explanation:
    """What ``explain`` printed, as data.

    ``steps`` is a list of dicts, one per layer and pass, in the order computed::

        {"pass": "forward" | "loss" | "backward", "index": i, "layer": name,
         "type": class name, "formulas": [str, ...], "arrays": {name: ndarray},
         "shapes": {name: shape}}

    ``loss`` is the batch's loss value, ``text`` the printed report.
    """

    steps: list[dict[str, Any]] = field(default_factory=list)
    loss: float = float("nan")
    text: str = ""

    def __str__(self) -> str:
        return self.text

    def pass_(self, name: str) -> list[dict[str, Any]]:
        """The steps of one pass: ``"forward"``, ``"loss"`` or ``"backward"``."""
        return [s for s in self.steps if s["pass"] == name]


def _forward_step(i: int, layer, x: np.ndarray, out: np.ndarray) -> dict[str, Any]:
    kind = type(layer).__name__
    arrays: dict[str, np.ndarray] = {"x": x}
    formulas: list[str]
    act = getattr(getattr(layer, "activation", None), "name", None)
    if isinstance(layer, Dense):
        bias = " + b" if getattr(layer, "use_bias", False) else ""
        formulas = [f"z = xW{bias}", "a = z" if act == "linear" else f"a = {act}(z)"]
        arrays.update(W=layer.W, z=layer.z, a=out)
        if bias:
            arrays["b"] = layer.b
    elif kind == "Activation":
        formulas = [f"a = {act}(x)"]
        arrays["a"] = out
    elif kind == "Flatten":
        formulas = [f"y = reshape(x, (batch, {int(np.prod(out.shape[1:]))}))"]
        arrays["y"] = out
    elif kind == "Dropout":
        formulas = [_("y = x      (dropout only silences units while training)")]
        arrays["y"] = out
    else:
        formula = getattr(layer, "formula", None) or f"y = {kind}(x)"
        formulas = [_(str(formula))]  # a layer's words, translated (N_ marks them)
        if act is not None and act != "linear":
            formulas.append(f"f = {act}")
        for k, v in layer.params.items():
            arrays[k] = v
        arrays["y"] = out
    shapes = {k: tuple(np.shape(v)) for k, v in arrays.items()}
    return {"pass": "forward", "index": i, "layer": layer.name, "type": kind,
            "formulas": formulas, "arrays": {k: np.array(v) for k, v in arrays.items()},
            "shapes": shapes}


def _backward_step(i: int, layer, dy: np.ndarray, dx: np.ndarray | None,
                   fused_text: str | None) -> dict[str, Any]:
    kind = type(layer).__name__
    arrays: dict[str, np.ndarray | None] = {"dL/dy": dy}
    act = getattr(getattr(layer, "activation", None), "name", None)
    if isinstance(layer, Dense):
        fused = getattr(layer, "fused_activation", False)
        dz = dy if fused else layer.activation.backward(layer.z, layer.a, dy)
        formulas = [_activation_lines(act, fused_text if fused else None),
                    "dL/dW = xᵀ·dL/dz"]
        arrays = {"dL/da": dy, "dL/dz": dz, "dL/dW": layer.grads["kernel"]}
        if "bias" in layer.grads:
            formulas.append("dL/db = Σ_batch dL/dz")
            arrays["dL/db"] = layer.grads["bias"]
        if dx is not None:
            formulas.append("dL/dx = dL/dz·Wᵀ")
    elif kind == "Activation":
        fused = getattr(layer, "fused_activation", False)
        formulas = [_activation_lines(act, fused_text if fused else None, z="x")]
        arrays = {"dL/da": dy}
    elif kind in ("Flatten", "Reshape"):
        formulas = ["dL/dx = reshape(dL/dy, x.shape)"]
    elif kind == "Dropout":
        formulas = ["dL/dx = dL/dy"]
    else:
        own = getattr(layer, "backward_formula", None)
        formulas = ([_(str(own))] if own else [_(f) for f in _BACKWARD.get(kind, ())]
                    or [_("dL/dx and dL/dθ by {kind}.backward (see its docstring)").format(
                        kind=kind)])
        if kind == "Conv2D" and act is not None:
            formulas = [f.replace("f'(z)", f"{act}'(z)") for f in formulas]
        for k, g in layer.grads.items():
            arrays[f"dL/d{k}"] = g
    if dx is not None:
        arrays["dL/dx"] = dx
    shapes = {k: tuple(np.shape(v)) for k, v in arrays.items()}
    return {"pass": "backward", "index": i, "layer": layer.name, "type": kind,
            "formulas": formulas, "arrays": {k: np.array(v) for k, v in arrays.items()},
            "shapes": shapes}


def _render(steps: list[dict[str, Any]], n: int, max_values: int) -> str:
    lines = [_("explain: one forward and one backward pass on a batch of {n}").format(n=n)]
    titles = {"forward": _("Forward pass (input to output)"), "loss": _("Loss"),
              "backward": _("Backward pass (output to input, the chain rule)")}
    current = None
    for step in steps:
        if step["pass"] != current:
            current = step["pass"]
            lines.append("")
            lines.append(titles[current])
        if current == "loss":
            lines.extend("  " + f for f in step["formulas"])
            for name, a in step["arrays"].items():
                lines.append(f"      {name:<9} {_shape(a):<14} {name}{_peek(a, max_values)}")
            continue
        head = f"  [{step['index']}] {step['layer']} ({step['type']})"
        params = [f"{k} {_shape(v)}" for k, v in step["arrays"].items()
                  if k in ("W", "b", "kernel", "bias", "gamma", "beta")]
        if params:
            head += "   " + "  ".join(params)
        lines.append(head)
        for f in step["formulas"]:
            lines.append("      " + f)
        for name, a in step["arrays"].items():
            if name in ("W", "b"):
                continue
            lines.append(f"      {name:<9} {_shape(a):<14} {name}{_peek(a, max_values)}")
    return "\n".join(lines)


def explain(model, x, y=None, file: TextIO | None = None, max_values: int = 3,
            loss=None, verbose: bool = True) -> Explanation:
    """Print one forward and one backward pass of ``model`` on the batch ``x``, layer by layer.

    For each layer: the formula it computes (``z = xW + b``, ``a = relu(z)``; backward
    ``dL/dz = dL/da * relu'(z)``, ``dL/dW = xᵀ·dL/dz``, ``dL/db = Σ dL/dz``,
    ``dL/dx = dL/dz·Wᵀ``), the shapes, and the first ``max_values`` values of sample 0.

    Args:
        model: a built (or buildable from ``x``) ``Sequential``. It needs a loss: compile
            it first, or pass ``loss=``.
        x: a small batch, e.g. ``x_test[:4]``.
        y: the batch's targets. With ``y=None`` the model's own predicted classes are
            the targets (classification losses only): the backward pass then shows
            the gradient that would make the model more sure of its current answer.
        file: where to print (default ``sys.stdout``); ``verbose=False`` prints nothing.

    Returns an ``Explanation`` (``.steps``, ``.loss``, ``.text``). Afterwards every layer
    has ``last_input``, ``last_output``, ``last_grad_output`` (``dL/d output``),
    ``last_grad_input`` (``dL/d input``) and ``last_grads`` (copies of ``dL/dθ``).
    Weights, optimizer state and BatchNormalization statistics do not change: the pass
    runs in inference mode (dropout off) and no optimizer step is taken.
    """
    loss = _loss_of(model, loss)
    x = _inputs(model, x)
    chain = _chain(model)
    steps: list[dict[str, Any]] = []
    with _all_input_grads(model):
        a = x
        for i, layer in enumerate(chain):
            layer.last_input = a
            out = layer.forward(a, training=False)
            layer.last_output = out
            steps.append(_forward_step(i, layer, a, out))
            a = out
        if y is None:
            y = _predicted_targets(loss, a)
        y = _targets(model, y, x, loss)
        value, da, fused = _loss_and_gradient(model, loss, y, a)
        grad_name = "dL/dz" if fused else "dL/da"
        loss_formulas = [_("L = {loss}(y, a) = {value:.6g}   (mean over the batch)").format(
            loss=loss.name, value=value)]
        loss_formulas.append(_fused_text(loss) + _("  → given to the last layer") if fused
                             else _("dL/da = the loss's derivative, given to the last layer"))
        steps.append({"pass": "loss", "index": len(chain), "layer": loss.name,
                      "type": type(loss).__name__, "formulas": loss_formulas,
                      "arrays": {"y": np.array(y), grad_name: np.array(da)},
                      "shapes": {"y": y.shape, grad_name: da.shape}, "value": value})
        fused_text = _fused_text(loss) if fused else None
        backward_steps = []
        with _last_layer_fused(model, fused):
            for i in reversed(range(len(chain))):
                layer = chain[i]
                layer.last_grad_output = da
                dx = layer.backward(da)
                layer.last_grad_input = dx
                layer.last_grads = {k: g.copy() for k, g in layer.grads.items()}
                backward_steps.append(_backward_step(i, layer, da, dx, fused_text))
                da = dx
        steps.extend(backward_steps)
    result = Explanation(steps=steps, loss=value)
    result.text = _render(steps, len(x), max_values)
    if verbose:
        print(result.text, file=file or sys.stdout)
    return result


# -- gradcheck ---------------------------------------------------------------------------------
@dataclass
class GradcheckRow:
    """One parameter's comparison: backprop (``analytic``) against central differences."""

    layer: str
    param: str
    shape: tuple[int, ...]
    checked: int
    max_error: float
    ok: bool
    worst_index: tuple[int, ...]
    analytic: float
    numerical: float


@dataclass
class GradcheckResult:
    """The table ``gradcheck`` returns; ``str()`` prints it. ``ok`` is True when every
    relative error is below ``tol``."""

    rows: list[GradcheckRow]
    eps: float
    tol: float

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def max_error(self) -> float:
        return max((r.max_error for r in self.rows), default=0.0)

    def failures(self) -> list[GradcheckRow]:
        return [r for r in self.rows if not r.ok]

    def raise_if_failed(self) -> None:
        """Raise ``AssertionError`` with the table when a gradient is wrong."""
        if not self.ok:
            raise AssertionError(str(self))

    def __str__(self) -> str:
        headers = (_("layer"), _("param"), _("shape"), _("checked"), _("max rel. error"), "")
        ok, fail = _("ok"), _("FAIL")
        body = [(r.layer, r.param, _shape(np.empty(r.shape)), str(r.checked),
                 f"{r.max_error:.2e}", ok if r.ok else fail) for r in self.rows]
        rows = [headers, *body]
        widths = [max(textwidth.width(row[i]) for row in rows) for i in range(len(headers))]

        def line(cells) -> str:
            return "  ".join(textwidth.pad(c, w) for c, w in zip(cells, widths)).rstrip()

        lines = [_("Gradient check: backprop vs central differences (float64, eps={eps:g}, "
                   "tolerance {tol:g})").format(eps=self.eps, tol=self.tol),
                 line(headers), line("-" * w for w in widths)]
        lines += [line(b) for b in body]
        bad = self.failures()
        if bad:
            lines.append(_("FAILED: {bad} of {total} gradients disagree with numerical "
                           "differentiation:").format(bad=len(bad), total=len(self.rows)))
            for r in bad:
                lines.append("  " + _(
                    "{where}: backprop {analytic:.6g}, numerical {numerical:.6g} (relative "
                    "error {error:.2e})").format(
                        where=f"{r.layer}.{r.param}{list(r.worst_index)}", analytic=r.analytic,
                        numerical=r.numerical, error=r.max_error))
        else:
            lines.append(_("OK: all {total} gradients agree (max relative error {error:.2e} < "
                           "{tol:g})").format(total=len(self.rows), error=self.max_error,
                                              tol=self.tol))
        return "\n".join(lines)

    __repr__ = __str__


def _float64_copy(model, loss):
    """A float64 twin of ``model`` with the same weights (built while floatx is float64)."""
    try:
        twin = type(model).from_config(model.get_config())
    except Exception:  # a custom layer without a faithful get_config: copy the objects
        twin = copy.deepcopy(model)
        for layer in twin.leaves():
            for store in (layer.params, layer.grads, layer.state):
                for k in store:
                    store[k] = store[k].astype(np.float64)
    twin.bind()
    twin.set_weights([w.astype(np.float64) for w in model.get_weights()])
    twin.compile(optimizer="sgd", loss=loss)
    return twin


@contextmanager
def _keep_global_rng() -> Iterator[None]:
    """Restore glassnet's random generator afterwards (``_reseed`` replaces it)."""
    saved = grandom._rng
    try:
        yield
    finally:
        grandom._rng = saved


def _reseed(model, seed: int) -> None:
    """Make the next forward pass draw the same random numbers (dropout masks) as the last."""
    grandom._rng = np.random.default_rng(seed)
    for layer in model.leaves():
        if getattr(layer, "_rng", None) is not None:
            layer._rng = np.random.default_rng(getattr(layer, "seed", seed))


def gradcheck(model, x, y, eps: float = 1e-4, tol: float = 1e-4, max_entries: int = 20,
              seed: int = 0, loss=None, training: bool = False,
              check_input: bool = True) -> GradcheckResult:
    """Compare backpropagation with numerical differentiation, parameter by parameter.

    For an entry ``θ_i`` of a parameter, the central difference

        dL/dθ_i ≈ (L(θ + ε e_i) - L(θ - ε e_i)) / 2ε

    has an error of order ``ε²``; the relative error against backprop's ``g_i`` is
    ``|g_i - n_i| / max(|g_i|, |n_i|, 1e-8)``. Correct backward code gives about
    ``1e-6`` or less in float64; a bug gives errors near 1.

    ``ε = 1e-4`` (in float64) balances the ``ε²`` truncation error against rounding
    (about ``1e-16·|L|/ε``). A larger ``ε`` such as ``1e-3`` more often straddles a kink
    (ReLU at 0, a max-pooling tie), where the difference quotient is wrong although
    backprop is right; so an entry that fails is measured again with ``ε/10`` and
    ``ε/100``, and the best agreement counts. A wrong backward pass fails at every ``ε``.

    The check runs on a float64 copy of the model (the model itself is not touched),
    on at most ``max_entries`` entries per parameter (chosen at random with ``seed``,
    plus the entry with the largest gradient), and on the input ``x`` when
    ``check_input``. ``training=True`` checks the training-mode passes (dropout with a
    fixed mask, BatchNormalization with batch statistics).

    Returns a ``GradcheckResult``: ``print(result)`` shows the table, ``result.ok`` and
    ``result.max_error`` sum it up.
    """
    loss = _loss_of(model, loss)
    if not model.built:
        _inputs(model, x)  # builds it from x's shape
    previous = backend.floatx()
    backend.set_floatx("float64")
    try:
        twin = _float64_copy(model, loss)
        x64 = _inputs(twin, x).copy()
        y64 = _targets(twin, y, x64, loss)
        with _keep_global_rng(), _all_input_grads(twin):

            def loss_at() -> float:
                _reseed(twin, seed)
                return _loss_and_gradient(twin, loss, y64, _forward(twin, x64, training))[0]

            _reseed(twin, seed)
            a = _forward(twin, x64, training)
            _, da, fused = _loss_and_gradient(twin, loss, y64, a)
            dx = _backward(twin, da)
            targets = [(layer.name, k, layer.params[k], layer.grads[k].copy())
                       for layer in twin.leaves() for k in layer.params]
            if check_input and dx is not None:
                targets.append(("(input)", "x", x64, np.asarray(dx).copy()))
            rng = np.random.default_rng(seed)
            rows = [_check_entries(name, k, p, g, loss_at, eps, tol, max_entries, rng)
                    for name, k, p, g in targets]
    finally:
        backend.set_floatx(str(previous))
    return GradcheckResult(rows=rows, eps=eps, tol=tol)


def _check_entries(layer_name, param_name, p, g, loss_at, eps, tol, max_entries, rng):
    size = p.size
    if size <= max_entries:
        indices = np.arange(size)
    else:
        chosen = rng.choice(size, max_entries - 1, replace=False)
        indices = np.unique(np.append(chosen, np.argmax(np.abs(g))))
    flat_p = p.reshape(-1)  # a view: p is contiguous
    flat_g = g.reshape(-1)
    worst, worst_i, worst_n = -1.0, int(indices[0]) if size else 0, 0.0
    def central_difference(i: int, h: float) -> float:
        old = flat_p[i]
        flat_p[i] = old + h
        plus = loss_at()
        flat_p[i] = old - h
        minus = loss_at()
        flat_p[i] = old
        return (plus - minus) / (2 * h)

    def relative_error(analytic: float, numerical: float) -> float:
        return abs(analytic - numerical) / max(abs(analytic), abs(numerical), 1e-8)

    for i in indices:
        analytic = float(flat_g[i])
        numerical = central_difference(i, eps)
        error = relative_error(analytic, numerical)
        h = eps
        while error >= tol and h > eps / 100:
            # A kink (ReLU at 0, a max-pooling tie) within ±h of θ_i spoils the difference
            # quotient, not backprop; a smaller step steps off it. A wrong gradient stays wrong.
            h /= 10
            retry = central_difference(i, h)
            if relative_error(analytic, retry) < error:
                numerical, error = retry, relative_error(analytic, retry)
        if error > worst:
            worst, worst_i, worst_n = error, int(i), numerical
    worst = max(worst, 0.0)
    return GradcheckRow(
        layer=layer_name, param=param_name, shape=tuple(p.shape), checked=int(len(indices)),
        max_error=worst, ok=bool(worst < tol),
        worst_index=tuple(int(v) for v in np.unravel_index(worst_i, p.shape)) if size else (),
        analytic=float(flat_g[worst_i]) if size else 0.0, numerical=float(worst_n))


# -- model security and saliency ---------------------------------------------------------------
def input_gradient(model, x, y, loss=None, batch_size: int = 256) -> np.ndarray:
    """``∇ₓL``: the gradient of the loss with respect to the input, batch by batch.

    ``L`` is the mean loss over each batch, so the values carry a ``1/batch`` factor;
    their signs (all that ``fgsm`` uses) do not depend on it.
    """
    loss = _loss_of(model, loss)
    x, y = _prepare(model, x, y, loss)
    out = np.empty_like(x)
    with _all_input_grads(model), blas.limit_threads(model, batch_size):
        for start in range(0, len(x), batch_size):
            sl = slice(start, start + batch_size)
            a = _forward(model, x[sl])
            _, da, fused = _loss_and_gradient(model, loss, y[sl], a)
            with _last_layer_fused(model, fused):
                out[sl] = _backward(model, da)
    return out


def fgsm(model, x, y, eps: float, loss=None, batch_size: int = 256) -> np.ndarray:
    """Fast gradient sign method (Goodfellow et al., 2015): ``x' = clip(x + ε·sign(∇ₓL), 0, 1)``.

    Every pixel moves by ``±eps`` in the direction that increases the loss for the true
    labels ``y``: a change too small to see that can still flip the prediction.
    ``x`` holds pixels in ``[0, 1]`` (e.g. ``x_test / 255``); the result has its shape,
    in the model's float type. No weight changes.
    """
    if not np.isfinite(eps) or eps < 0:
        raise InputError(_("fgsm needs eps >= 0, got {eps!r}.").format(eps=eps))
    g = input_gradient(model, x, y, loss=loss, batch_size=batch_size)
    x = _inputs(model, x)
    adversarial = x + x.dtype.type(eps) * np.sign(g)
    return np.clip(adversarial, 0, 1, out=adversarial)


SALIENCY_METHODS = ("gradient", "gradient_x_input", "smoothgrad")


def saliency(model, x, class_index=None, logits: bool = False, batch_size: int = 256,
             method: str = "gradient", samples: int = 25, noise: float = 0.15,
             seed: int = 0) -> np.ndarray:
    """Saliency map, one per sample: how much each input pixel matters for class ``c``.

    ``c`` is the predicted class, or ``class_index`` (an int, or one per sample).
    ``ŷ_c`` is the output probability, backpropagated through the softmax; with
    ``logits=True`` it is the score ``z_c`` before the softmax, whose gradient does
    not fade when the model is very sure. ``method``:

    * ``"gradient"`` (Simonyan et al., 2014): ``|∂ŷ_c/∂x|``, which pixels' change would
      move the answer most. Off the strokes it is often as bright as on them: a pixel
      of background that gained ink would change the answer too.
    * ``"gradient_x_input"`` (Shrikumar et al., 2016): ``|x ⊙ ∂ŷ_c/∂x|``, each pixel's
      ink times its gradient, the first-order share of ``ŷ_c`` that the pixel's ink
      contributes. Background pixels (``x = 0``) are 0: the map lies on the strokes
      and says which of them count most.
    * ``"smoothgrad"`` (Smilkov et al., 2017): ``|mean_k ∂ŷ_c/∂x (x + ε_k)|``, the
      gradient averaged over ``samples`` copies with Gaussian noise of standard
      deviation ``noise`` (pixels in ``[0, 1]``; drawn with ``seed``), which averages
      away the gradient's pixel-to-pixel noise. ``c`` is chosen on the clean ``x``.

    Returns an array shaped like ``x``.
    """
    if method not in SALIENCY_METHODS:
        raise ValueError(_("saliency method={method!r} is not one of {methods}.").format(
            method=method, methods=", ".join(map(repr, SALIENCY_METHODS))))
    x = _inputs(model, x)
    if method == "smoothgrad":
        if class_index is None:
            class_index = _class_gradient(model, x, None, logits, batch_size)[1]
        rng = np.random.default_rng(seed)
        out = np.zeros_like(x)
        for _sample in range(samples):
            noisy = x + rng.normal(0.0, noise, x.shape).astype(x.dtype)
            out += _class_gradient(model, noisy, class_index, logits, batch_size)[0]
        out /= samples
    else:
        out = _class_gradient(model, x, class_index, logits, batch_size)[0]
        if method == "gradient_x_input":
            out *= x
    return np.abs(out, out=out)


def _class_gradient(model, x, class_index, logits: bool, batch_size: int):
    """``∂ŷ_c/∂x`` (signed) and the classes ``c`` (the predicted ones when ``None``)."""
    out = np.empty_like(x)
    classes = np.empty(len(x), dtype=np.int64)
    with _all_input_grads(model), _last_layer_fused(model, logits), \
            blas.limit_threads(model, batch_size):
        for start in range(0, len(x), batch_size):
            sl = slice(start, start + batch_size)
            a = _forward(model, x[sl])
            if class_index is None:
                c = a.argmax(axis=-1)
            else:
                c = np.broadcast_to(np.asarray(class_index)[sl] if np.ndim(class_index)
                                    else class_index, (len(a),))
            classes[sl] = c
            seed = np.zeros_like(a)
            seed[np.arange(len(a)), c] = 1  # dŷ_c/dŷ = onehot(c)
            out[sl] = _backward(model, seed)
    return out, classes


def tape(recorded, file: TextIO | None = None, verbose: bool = True) -> str:
    """Print what a ``GradientTape`` recorded: each op with its shapes, and under it the
    local derivative that ``tape.gradient`` applies to it, bottom-up (the chain rule that
    ``explain`` shows for built-in layers, found automatically)::

        with tf.GradientTape(persistent=True) as t:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        glassnet.inspect.tape(t)
    """
    text = recorded.describe()
    if verbose:
        print(text, file=file or sys.stdout)
    return text
