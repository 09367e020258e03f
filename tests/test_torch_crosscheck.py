"""Cross-checks against PyTorch, when it is installed (``pip install torch==2.13.0``).

The same weights and data go into a glassnet model and a hand-built torch model; outputs,
loss values, parameter gradients and a few optimizer steps must agree to float32 accuracy.

Where Keras's optimizer formulas differ from torch's, the optimizers are configured so
that the formulas coincide, and the test says how:

* Adam/AdamW: Keras adds ε to √v *before* bias correction,
  ``θ ← θ - η√(1-β₂ᵗ)/(1-β₁ᵗ) · m/(√v + ε)``; torch adds it after,
  ``θ ← θ - η/(1-β₁ᵗ) · m/(√v/√(1-β₂ᵗ) + ε)``. The two agree when ε → 0, so both run with
  ε = 1e-12 (ε = 0 would divide 0 by 0 for the pixels that are always blank).
* RMSprop and Adagrad: Keras puts ε inside the root, ``g/√(v + ε)``; torch outside,
  ``g/(√v + ε)``. An ε inside the root weighs like √ε outside it, so glassnet gets
  ε = 1e-30 and torch ε = 1e-15 (√1e-30), both negligible next to √v. Adagrad's
  accumulator starts at 0.1 in Keras and at 0 in torch: torch gets
  ``initial_accumulator_value=0.1``.
* SGD with (Nesterov) momentum: Keras keeps ``v ← μv - ηg``, torch ``b ← μb + g`` and steps
  ``-ηb``; with a constant η, ``v = -ηb`` and the two are the same algorithm.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(scope="module")
def mnist_batch():
    (x, y), _ = glassnet.datasets.mnist.load_data()
    return (x[:256].reshape(256, 784) / 255.0).astype(np.float32), y[:256].astype(np.int64)


def build_pair(hidden: int, out: int, out_activation: str | None, seed: int = 0):
    """A glassnet 784-hidden-out MLP (ReLU hidden layer) and torch tensors with its weights."""
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([layers.Input(shape=(784,)),
                                 layers.Dense(hidden, activation="relu"),
                                 layers.Dense(out, activation=out_activation)])
    W1, b1, W2, b2 = model.get_weights()
    # non-zero biases, so that bias gradients and bias updates are exercised
    rng = np.random.default_rng(seed)
    b1 = rng.normal(0, 0.1, b1.shape).astype(np.float32)
    b2 = rng.normal(0, 0.1, b2.shape).astype(np.float32)
    model.set_weights([W1, b1, W2, b2])
    params = [torch.tensor(w.copy(), requires_grad=True) for w in (W1, b1, W2, b2)]
    return model, params


def torch_logits(params, x):
    W1, b1, W2, b2 = params
    return torch.relu(x @ W1 + b1) @ W2 + b2


TASKS = {
    # name: (output units, output activation, glassnet loss, torch loss of (logits, y), y maker)
    "softmax_sparse_ce": (10, "softmax", "sparse_categorical_crossentropy",
                          lambda z, y: F.cross_entropy(z, y), lambda y: y),
    "sigmoid_bce": (1, "sigmoid", "binary_crossentropy",
                    lambda z, y: F.binary_cross_entropy_with_logits(z, y),
                    lambda y: (y % 2 == 0).astype(np.float32).reshape(-1, 1)),
    "mse": (10, None, "mse", lambda z, y: F.mse_loss(z, y),
            lambda y: np.eye(10, dtype=np.float32)[y]),
}


def glassnet_gradients(model, x, y) -> tuple[float, list[np.ndarray]]:
    """Loss and dL/dθ from one real ``train_step``, with an optimizer that does not move θ."""
    model.optimizer = optimizers.SGD(learning_rate=0.0)
    data = model.prepare(x, y, training=True)
    model.bind()
    loss, _ = model.train_step(*data)
    return float(loss), [layer.grads[k].copy() for layer in model.layers for k in layer.grads]


@pytest.mark.parametrize("task", TASKS)
def test_outputs_losses_and_gradients_match_torch(task, mnist_batch):
    units, activation, loss_name, torch_loss, make_y = TASKS[task]
    x, labels = mnist_batch[0][:64], mnist_batch[1][:64]
    y = make_y(labels)
    model, params = build_pair(64, units, activation)
    model.compile(optimizer="sgd", loss=loss_name)

    z = torch_logits(params, torch.tensor(x))
    out = {"softmax": lambda: torch.softmax(z, 1), "sigmoid": lambda: torch.sigmoid(z),
           None: lambda: z}[activation]()
    np.testing.assert_allclose(model.predict(x, verbose=0), out.detach().numpy(),
                               rtol=1e-5, atol=1e-6)

    loss_t = torch_loss(z, torch.tensor(y))
    loss_t.backward()
    loss_g, grads = glassnet_gradients(model, x, y)
    np.testing.assert_allclose(loss_g, loss_t.item(), rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), loss_t.item(), rtol=1e-5)
    for g, p in zip(grads, params):
        scale = np.abs(p.grad.numpy()).max()
        assert scale > 0
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4, atol=1e-5 * scale)


def test_unfused_softmax_matches_torch(mnist_batch):
    """Dense(10) + Activation('softmax') + categorical CE: the same numbers as the fused form."""
    x, labels = mnist_batch[0][:32], mnist_batch[1][:32]
    model, params = build_pair(32, 10, None)
    model.add(layers.Activation("softmax"))
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    onehot = np.eye(10, dtype=np.float32)[labels]
    loss_t = F.cross_entropy(torch_logits(params, torch.tensor(x)), torch.tensor(labels))
    loss_t.backward()
    loss_g, grads = glassnet_gradients(model, x, onehot)
    np.testing.assert_allclose(loss_g, loss_t.item(), rtol=1e-5)
    for g, p in zip(grads, params):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4,
                                   atol=1e-5 * np.abs(p.grad.numpy()).max())


TINY = 1e-12
INSIDE, OUTSIDE = 1e-30, 1e-15  # ε inside √(v + ε) (Keras) and outside √v + ε (torch)
OPTIMIZERS = {
    "sgd": (lambda: optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum": (lambda: optimizers.SGD(0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (lambda: optimizers.Adam(1e-3, epsilon=TINY),
             lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.999), eps=TINY)),
    "adamw": (lambda: optimizers.AdamW(1e-2, weight_decay=0.1, epsilon=TINY),
              lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1, eps=TINY)),
    "rmsprop": (lambda: optimizers.RMSprop(1e-3, rho=0.9, epsilon=INSIDE),
                lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=OUTSIDE)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(1e-3, momentum=0.5, epsilon=INSIDE),
                         lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=OUTSIDE,
                                                       momentum=0.5)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(1e-3, centered=True, epsilon=INSIDE),
                         lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=OUTSIDE,
                                                       centered=True)),
    "adagrad": (lambda: optimizers.Adagrad(0.05, epsilon=INSIDE),
                lambda p: torch.optim.Adagrad(p, lr=0.05, initial_accumulator_value=0.1,
                                              eps=OUTSIDE)),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_training_steps_match_torch(name, mnist_batch):
    """Five steps of training (batches of 32, in order) give the same losses and weights."""
    make_glassnet, make_torch = OPTIMIZERS[name]
    x, y = mnist_batch[0][:160], mnist_batch[1][:160]
    model, params = build_pair(32, 10, "softmax", seed=1)
    model.compile(optimizer=make_glassnet(), loss="sparse_categorical_crossentropy")
    opt = make_torch(params)
    losses_g, losses_t = [], []
    for step in range(5):
        xb, yb = x[32 * step:32 * (step + 1)], y[32 * step:32 * (step + 1)]
        losses_g.append(model.train_on_batch(xb, yb))
        opt.zero_grad()
        loss = F.cross_entropy(torch_logits(params, torch.tensor(xb)), torch.tensor(yb))
        loss.backward()
        opt.step()
        losses_t.append(loss.item())
    np.testing.assert_allclose(losses_g, losses_t, rtol=1e-4)
    moved = False
    for w, p in zip(model.get_weights(), params):
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-4, atol=2e-6)
    for w0, w in zip(build_pair(32, 10, "softmax", seed=1)[0].get_weights(), model.get_weights()):
        moved |= bool(np.abs(w - w0).max() > 1e-3)
    assert moved, "the optimizer did not change the weights: the comparison proves nothing"


def test_adam_keras_epsilon_differs_from_torch_epsilon():
    """Documents the one real difference: with Keras's ε = 1e-7 the first Adam step on a tiny
    gradient is η·g/(|g| + ε/√(1-β₂)), torch's is η·g/(|g| + ε)."""
    g = np.array([1e-6], np.float64)
    opt = optimizers.Adam(learning_rate=1.0, epsilon=1e-7)
    theta = np.zeros(1)
    opt.step(theta, g)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([p], lr=1.0, eps=1e-7)
    p.grad = torch.tensor(g)
    topt.step()
    np.testing.assert_allclose(-theta, g / (g + 1e-7 / np.sqrt(1 - 0.999)), rtol=1e-10)
    np.testing.assert_allclose(-p.detach().numpy(), g / (g + 1e-7), rtol=1e-10)


@pytest.mark.parametrize("name, torch_fn", [
    ("sigmoid", torch.sigmoid), ("relu", torch.relu), ("tanh", torch.tanh),
    ("softmax", lambda z: torch.softmax(z, -1)), ("linear", lambda z: z),
    ("leaky_relu", lambda z: F.leaky_relu(z, 0.2)), ("elu", F.elu),
    ("gelu", lambda z: F.gelu(z, approximate="none")), ("softplus", F.softplus),
    ("swish", F.silu),
])
def test_activations_and_derivatives_match_torch(name, torch_fn):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 5)) * 3
    da = rng.standard_normal((6, 5))
    f = glassnet.activations.get(name)
    zt = torch.tensor(z, requires_grad=True)
    at = torch_fn(zt)
    at.backward(torch.tensor(da))
    a = f.forward(z)
    np.testing.assert_allclose(a, at.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f.backward(z, a, da), zt.grad.numpy(), rtol=1e-9, atol=1e-12)


# -- tf.image.resize: TensorFlow 2 samples at half-pixel centres, as align_corners=False --
@pytest.mark.parametrize("size", [(10, 14), (3, 4), (8, 3)])
def test_image_resize_matches_interpolate(size):
    x = np.random.default_rng(0).random((2, 5, 7, 3), np.float32)
    ours = glassnet.image.resize(x, size).numpy()
    t = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=size,
                                        mode="bilinear", align_corners=False)
    np.testing.assert_allclose(ours, t.permute(0, 2, 3, 1).numpy(), atol=1e-6)
    t = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=size,
                                        mode="nearest-exact")
    np.testing.assert_array_equal(glassnet.image.resize(x, size, method="nearest").numpy(),
                                  t.permute(0, 2, 3, 1).numpy())


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_torch(causal):
    """MultiHeadAttention against ``torch.nn.MultiheadAttention`` (key_dim = D / heads, as
    torch requires): Keras's kernels ``(D, heads, key_dim)`` are torch's ``in_proj_weight``
    rows transposed, ``attention_output (heads, key_dim, D)`` its ``out_proj``. Outputs,
    input gradients and weight gradients agree; torch's ``attn_mask`` is True where Keras's
    mask is False."""
    rng = np.random.default_rng(0)
    B, T, D, H = 2, 5, 8, 2
    mha = layers.MultiHeadAttention(H, D // H)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    mha(x, x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in mha.weights]
    mha.set_weights(weights)
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = weights
    net = torch.nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():
        net.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [W.reshape(D, D).T for W in (Wq, Wk, Wv)])))
        net.in_proj_bias.copy_(torch.tensor(np.concatenate([b.ravel() for b in (bq, bk, bv)])))
        net.out_proj.weight.copy_(torch.tensor(Wo.reshape(D, D).T))
        net.out_proj.bias.copy_(torch.tensor(bo))
    dy = rng.standard_normal((B, T, D)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
    yt, _ = net(xt, xt, xt, attn_mask=mask, need_weights=False)
    (yt * torch.tensor(dy)).sum().backward()
    xg = glassnet.constant(x)
    with glassnet.GradientTape() as tape:
        tape.watch(xg)
        y = mha(xg, xg, use_causal_mask=causal)
        total = glassnet.reduce_sum(y * dy)
    dx, *dw = tape.gradient(total, [xg, *mha.trainable_variables])
    np.testing.assert_allclose(np.asarray(y), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(dx), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    dWq, dbq, dWk, dbk, dWv, dbv, dWo, dbo = (np.asarray(g) for g in dw)
    np.testing.assert_allclose(
        np.concatenate([g.reshape(D, D).T for g in (dWq, dWk, dWv)]),
        net.in_proj_weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dWo.reshape(D, D).T, net.out_proj.weight.grad.numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([dbq.ravel(), dbk.ravel(), dbv.ravel()]),
                               net.in_proj_bias.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dbo, net.out_proj.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
