"""Three Transformer tutorials run to the end on glassnet (their code is in
transformer_tutorials.py, as written; the data here is synthetic and tiny), and what they
needed from glassnet: a Sequential used as a layer inside a layer's call, loss and metric
functions of one's own that see a sequence output whole, ``training`` passed on to the
layers inside a call, and losses with ``reduction='none'``."""

from __future__ import annotations

import numpy as np
import pytest
import transformer_tutorials as tut
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import layers


def test_text_classification_with_transformer_trains():
    """keras.io: TokenAndPositionEmbedding and TransformerBlock (subclassed layers holding
    MultiHeadAttention, a Sequential, LayerNormalization, Dropout) in a functional model."""
    tf.utils.set_random_seed(0)
    vocab_size, maxlen = 50, 8
    rng = np.random.default_rng(0)
    x_train = rng.integers(1, vocab_size, size=(96, maxlen))
    y_train = (x_train[:, 0] < 25).astype(int)  # the first token decides
    x_train = tf.keras.utils.pad_sequences(x_train, maxlen=maxlen)
    embed_dim, num_heads, ff_dim = 16, 2, 16
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = tut.TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = tut.TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    # the block's weights are the model's: the attention's 4 kernels and 4 biases among them
    names = [w.name for w in transformer_block.weights]
    assert "query/kernel" in names and "attention_output/bias" in names
    n_mha = 3 * (16 * 2 * 16 + 2 * 16) + 2 * 16 * 16 + 16
    assert transformer_block.att.count_params() == n_mha
    history = model.fit(x_train, y_train, batch_size=32, epochs=20, verbose=0)
    acc = history.history["accuracy"]
    assert acc[-1] > 0.8 and history.history["loss"][-1] < history.history["loss"][0]


def test_timeseries_classification_with_transformer_trains():
    """keras.io: MultiHeadAttention(key_dim, num_heads, dropout)(inputs, inputs) in a
    functional model on (batch, time, features), Conv1D feed-forward, EarlyStopping."""
    tf.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    t = np.linspace(0, 1, 24)
    y_train = rng.integers(0, 2, 64)
    wave = np.sin(2 * np.pi * 3 * t) + (y_train[:, None] - 0.5)  # the class shifts the wave
    x_train = np.stack([wave, -wave], axis=-1) + 0.3 * rng.standard_normal((64, 24, 2))
    model = tut.build_model(x_train.shape[1:], head_size=8, num_heads=2, ff_dim=4,
                            num_transformer_blocks=2, mlp_units=[16], mlp_dropout=0.1,
                            dropout=0.1)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=tf.keras.optimizers.Adam(learning_rate=1e-2),
                  metrics=["sparse_categorical_accuracy"])
    mha = [la for la in model.layers if isinstance(la, layers.MultiHeadAttention)]
    assert len(mha) == 2 and mha[0].count_params() == 3 * (2 * 2 * 8 + 2 * 8) + 2 * 8 * 2 + 2
    callbacks = [tf.keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]
    history = model.fit(x_train, y_train, validation_split=0.2, epochs=20, batch_size=16,
                        callbacks=callbacks, verbose=0)
    loss, acc = model.evaluate(x_train, y_train, verbose=0)
    assert loss < history.history["loss"][0] and acc > 0.7


def test_neural_machine_translation_transformer_trains():
    """tensorflow.org: Encoder and Decoder of subclassed layers (global, causal and cross
    attention, Add, LayerNormalization, FeedForward's Sequential), a subclassed Model,
    the CustomSchedule, masked_loss and masked_accuracy; a copy task as data."""
    tf.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    N, T, V = 48, 5, 9
    pt = rng.integers(3, V, size=(N, T))
    pt[::3, 4:] = 0  # padding, masked by Embedding(mask_zero=True)
    en = np.concatenate([np.ones((N, 1), int), pt, np.full((N, 1), 2)], axis=1)
    en_inputs, en_labels = en[:, :-1], en[:, 1:]
    transformer = tut.Transformer(num_layers=1, d_model=16, num_heads=2, dff=16,
                                  input_vocab_size=V, target_vocab_size=V, dropout_rate=0.1)
    output = transformer((pt[:2], en_inputs[:2]))
    assert output.shape == (2, T + 1, V)
    scores = transformer.decoder.dec_layers[-1].last_attn_scores
    assert scores.shape == (2, 2, T + 1, T)  # (batch, heads, target, input)
    # cross-attention gives the padded input positions no weight
    np.testing.assert_allclose(np.asarray(scores)[0, :, :, 4:], 0)
    learning_rate = tut.CustomSchedule(16, warmup_steps=20)
    optimizer = tf.keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.98,
                                         epsilon=1e-9)
    transformer.compile(loss=tut.masked_loss, optimizer=optimizer,
                        metrics=[tut.masked_accuracy])
    mha = [transformer.encoder.enc_layers[0].self_attention.mha,
           transformer.decoder.dec_layers[0].causal_self_attention.mha,
           transformer.decoder.dec_layers[0].cross_attention.mha]
    before = [m.get_weights() for m in mha]
    history = transformer.fit((pt, en_inputs), en_labels, batch_size=16, epochs=6, verbose=0)
    for m, old in zip(mha, before):  # the gradient reached every attention (through Add)
        changed = [not np.allclose(a, b) for a, b in zip(m.get_weights(), old)]
        assert sum(changed) >= 7, (m.name, changed)  # all but key/bias (softmax-invariant)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.2
    assert 0 <= history.history["masked_accuracy"][-1] <= 1


def test_causal_self_attention_sees_no_future_inside_the_tutorial_layer():
    layer = tut.CausalSelfAttention(num_heads=2, key_dim=4)
    x = np.random.default_rng(3).standard_normal((1, 4, 6)).astype(np.float32)
    y = np.asarray(layer(x))
    x2 = x.copy()
    x2[:, 2:] = 5.0
    np.testing.assert_allclose(np.asarray(layer(x2))[:, :2], y[:, :2], rtol=1e-5, atol=1e-6)


def test_a_sequential_inside_a_layer_is_built_by_its_first_tensor():
    """Keras builds a Sequential on its first call; its Dense acts on the last axis of a
    sequence (TransformerBlock's ffn), instead of the fit-time hint about Flatten."""
    ffn = tf.keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    y = ffn(tf.constant(np.ones((4, 5, 6), np.float32)))
    assert y.shape == (4, 5, 2) and ffn.count_params() == 6 * 3 + 3 + 3 * 2 + 2


def test_metric_and_loss_functions_see_a_sequence_output_whole():
    seen = []

    def first_step_mse(y, pred):
        seen.append(tuple(pred.shape))
        return tf.reduce_mean(tf.square(y[:, 0] - pred[:, 0]))

    def last_step_error(y, pred):
        seen.append(tuple(np.shape(pred)))
        return tf.reduce_mean(tf.abs(y[:, -1] - pred[:, -1]))

    inp = tf.Input((4, 3))
    model = tf.Model(inp, layers.Dense(2)(inp))
    model.compile("sgd", loss=first_step_mse, metrics=[last_step_error])
    model.fit(np.ones((8, 4, 3), np.float32), np.zeros((8, 4, 2), np.float32), batch_size=8,
              epochs=1, verbose=0)
    assert set(seen) == {(8, 4, 2)}


def test_layers_inside_a_call_take_its_training_flag():
    """Keras 3 passes ``training`` on: TransformerBlock.call(self, inputs) takes none, yet
    its Dropout layers drop during fit and not in predict."""
    tf.utils.set_random_seed(0)
    block = tut.TransformerBlock(8, 2, 8, rate=0.5)
    x = np.random.default_rng(4).standard_normal((2, 5, 8)).astype(np.float32)
    y_eval = np.asarray(block(x))
    np.testing.assert_allclose(np.asarray(block(x)), y_eval)  # no dropout: repeatable
    y_train = np.asarray(block(x, training=True))
    assert not np.allclose(y_train, y_eval)
    assert not np.allclose(np.asarray(block(x, training=True)), y_train)  # new masks
    dropout = layers.Dropout(0.5)
    assert np.all(np.asarray(dropout(np.ones((4, 4), np.float32))) == 1)  # outside: False


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_loss_reduction_none_and_sum_on_the_tape(reduction, float64):
    """``SparseCategoricalCrossentropy(from_logits=True, reduction='none')`` gives one loss
    per step, and its gradient through the tape is right (float64 central differences)."""
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((2, 3, 4))
    labels = np.array([[1, 2, 0], [3, 0, 0]])
    weight = (labels != 0).astype(np.float64)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                               reduction=reduction)

    def masked(z):
        values = loss_object(labels, z)
        return tf.reduce_sum(values * weight) if reduction == "none" else values

    p = tf.Variable(logits)
    with tf.GradientTape() as tape:
        total = masked(p)
    grad = np.asarray(tape.gradient(total, p))
    assert loss_object(labels, logits).shape == ((2, 3) if reduction == "none" else ())
    assert_grad_close(grad, numerical_grad(lambda: float(np.asarray(masked(logits))), logits))
    want = -np.take_along_axis(logits - np.log(np.exp(logits).sum(-1, keepdims=True)),
                               labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(np.asarray(loss_object(labels, logits)),
                               want if reduction == "none" else want.sum())


def test_an_unknown_reduction_is_refused_by_name():
    with pytest.raises(ValueError, match="sum_over_batch_size"):
        tf.keras.losses.BinaryCrossentropy(reduction="mean")
