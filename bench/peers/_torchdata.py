"""MNIST for the PyTorch peers: loaded the tutorial's way (uint8, then / 255.0), as tensors."""

import _mnist
import torch
from _common import emit


def tensors(n_train=0, images=False):
    """float32 inputs, int64 labels; (n, 784) or, with ``images``, (n, 1, 28, 28)."""
    (x_train, y_train), (x_test, y_test) = _mnist.load_data()
    if n_train:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    shape = (-1, 1, 28, 28) if images else (-1, 784)
    out = []
    for x, y in ((x_train, y_train), (x_test, y_test)):
        x = torch.from_numpy((x / 255.0).astype("float32").reshape(shape))
        out += [x, torch.from_numpy(y.astype("int64"))]
    return out


def mlp(hidden):
    """784-hidden...-10; the softmax lives in the loss (cross_entropy takes logits)."""
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))


def accuracy(model, x, y, batch_size=1000):
    """Test accuracy, in batches so that a convnet's activations stay small."""
    model.eval()
    with torch.inference_mode():
        hits = sum(
            (model(x[i : i + batch_size]).argmax(1) == y[i : i + batch_size]).sum().item()
            for i in range(0, len(x), batch_size)
        )
    return hits / len(x)


def emit_training(import_s, model, x_test, y_test, clock, **extra):
    """The JSON line of a PyTorch training run: versions, threads, test accuracy, epochs."""
    emit(version=torch.__version__, import_s=import_s, threads=torch.get_num_threads(), **extra,
         test_acc=accuracy(model, x_test, y_test), **clock.stats())
