"""``model.summary()``: Keras's table of layers, output shapes and parameter counts.

A graph model (not ``Sequential``) gets Keras's fourth column, "Connected to": the
tensors each layer reads, as ``layer_name[node][output]``.
"""

from __future__ import annotations

from .i18n import _
from .textwidth import pad


def _size(n_params: int, itemsize: int) -> str:
    n = n_params * itemsize
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return ""


def _rows(model) -> list[tuple[str, ...]]:
    """One row per layer: name (type), output shape, parameters[, connected to]."""
    from .model import Sequential

    if isinstance(model, Sequential) or model.uses_call or not model.built:
        rows = []
        for layer in model.layers:
            shape = "?" if not layer.built or layer.output_shape is None else \
                str(_shape(layer.output_shape, model_layer=layer))
            params = f"{layer.count_params():,}" if layer.built else _("0 (unbuilt)")
            rows.append((f"{layer.name} ({type(layer).__name__})", shape, params))
        return rows
    graph = model.graph
    calls: dict[int, int] = {}
    index: dict[int, int] = {}
    for node in graph.nodes:
        index[id(node)] = calls.get(id(node.layer), 0)
        calls[id(node.layer)] = index[id(node)] + 1
    rows = []
    for layer in graph.layers:
        nodes = [n for n in graph.nodes if n.layer is layer] or [layer.inbound_nodes[0]]
        shapes = [t.shape for t in nodes[0].outputs]
        shape = str(shapes[0] if len(shapes) == 1 else shapes)
        sources = [f"{t.node.layer.name}[{index.get(id(t.node), 0)}][{t.index}]"
                   for n in nodes for t in n.inputs]
        rows.append((f"{layer.name} ({type(layer).__name__})", shape,
                     f"{layer.count_params():,}", ", ".join(sources) or "-"))
    return rows


def _shape(shape, model_layer) -> tuple:
    from .model import Model

    if isinstance(model_layer, Model):
        return shape  # already (None, ...)
    return (None, *shape)


def summary_text(model) -> str:
    """The summary as text, with box-drawing characters like Keras 3, in the current
    language; cells are padded by display width (a Chinese character takes two columns)."""
    rows = _rows(model)
    connected = bool(rows) and len(rows[0]) == 4
    widths = (33, 24, 15, 30) if connected else (33, 24, 15)
    headers = (_("Layer (type)"), _("Output Shape"), _("Param #"),
               _("Connected to"))[:len(widths)]
    align = ("<", "<", ">", "<")

    def row(cells, left="│", mid="│", right="│"):
        parts = [pad(c, w - 2, a) for c, a, w in zip(cells, align, widths)]
        return f"{left} " + f" {mid} ".join(parts) + f" {right}"

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    lines = [_('Model: "{name}"').format(name=model.name),
             rule("┏", "┳", "┓", "━"),
             row(headers, "┃", "┃", "┃"),
             rule("┡", "╇", "┩", "━")]
    for i, cells in enumerate(rows):
        lines.append(row(cells))
        if i < len(rows) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    total = model.count_params() if model.built else sum(
        layer.count_params() for layer in model.layers)
    trainable = sum(w.size for w in model.trainable_weights)
    itemsize = model.weights[0].dtype.itemsize if model.weights else 4
    for label, n in ((_("Total params: {count} ({size})"), total),
                     (_("Trainable params: {count} ({size})"), trainable),
                     (_("Non-trainable params: {count} ({size})"), total - trainable)):
        lines.append(" " + label.format(count=f"{n:,}", size=_size(n, itemsize)))
    return "\n".join(lines)
