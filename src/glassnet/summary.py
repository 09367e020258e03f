"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations


def _size(n_params: int, itemsize: int) -> str:
    n = n_params * itemsize
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return ""


def summary_text(model) -> str:
    """The summary as text, with box-drawing characters like Keras 3."""
    widths = (33, 24, 15)
    headers = ("Layer (type)", "Output Shape", "Param #")

    def row(cells, left="│", mid="│", right="│"):
        a, b, c = cells
        return (f"{left} {a:<{widths[0] - 2}} {mid} {b:<{widths[1] - 2}} {mid} "
                f"{c:>{widths[2] - 2}} {right}")

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    lines = [f'Model: "{model.name}"',
             rule("┏", "┳", "┓", "━"),
             row(headers, "┃", "┃", "┃"),
             rule("┡", "╇", "┩", "━")]
    for i, layer in enumerate(model.layers):
        shape = "?" if layer.output_shape is None else str((None, *layer.output_shape))
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        lines.append(row((f"{layer.name} ({type(layer).__name__})", shape, params)))
        if i < len(model.layers) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    total = sum(layer.count_params() for layer in model.layers)
    trainable = sum(w.size for w in model.trainable_weights)
    itemsize = model.weights[0].itemsize if model.weights else 4
    lines += [f" Total params: {total:,} ({_size(total, itemsize)})",
              f" Trainable params: {trainable:,} ({_size(trainable, itemsize)})",
              f" Non-trainable params: {total - trainable:,} "
              f"({_size(total - trainable, itemsize)})"]
    return "\n".join(lines)
