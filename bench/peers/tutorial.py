"""The tutorial's own code, run with glassnet (``--lib glassnet``) or Keras (``--lib tensorflow``).

The framework is imported as ``tf`` in both cases, so the two runs execute the same lines.
Data is loaded the tutorial's way: uint8 images, then ``x / 255.0``. glassnet reads its
bundled MNIST through ``tf.keras.datasets.mnist.load_data()``; Keras would download it, so it
gets the same arrays from ``_mnist.load_data()`` instead.
"""

from _common import EpochClock, best_of, emit, emit_inference, parse_args, skip, timed_import

args = parse_args()
tf, import_s = timed_import(args.lib)  # i.e. `import glassnet as tf`

import numpy as np  # noqa: E402

if args.lib == "tensorflow":
    import _mnist  # noqa: E402

    load_data = _mnist.load_data
    tf.keras.utils.set_random_seed(0)
    version = tf.__version__
else:
    load_data = tf.keras.datasets.mnist.load_data
    np.random.seed(0)
    version = getattr(tf, "__version__", "?")

(x_train, y_train), (x_test, y_test) = load_data()
if args.n_train:
    x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
x_train, x_test = x_train / 255.0, x_test / 255.0

L = tf.keras.layers
if args.model == "cnn":
    x_train, x_test = x_train[..., np.newaxis], x_test[..., np.newaxis]
    try:
        layers = [
            L.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
            L.MaxPooling2D(),
            L.Conv2D(64, 3, activation="relu"),
            L.MaxPooling2D(),
            L.Flatten(),
            L.Dropout(0.5),
        ]
    except AttributeError as e:
        skip(f"no convolution layers yet ({e})")
else:
    layers = [L.Flatten(input_shape=(28, 28))]
    layers += [L.Dense(h, activation="relu") for h in args.hidden]
model = tf.keras.Sequential(layers + [L.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

if args.infer:
    seconds = best_of(lambda: model.predict(x_test, batch_size=args.batch_size, verbose=0))
    emit_inference(version, import_s, seconds, len(x_test), args.batch_size)
else:

    class EpochTimer(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.clock = EpochClock()

        def on_epoch_begin(self, epoch, logs=None):
            self.clock.start()

        def on_epoch_end(self, epoch, logs=None):
            self.clock.stop()

    timer = EpochTimer()
    model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
        callbacks=[timer],
    )
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    emit(version=version, import_s=import_s, test_acc=float(acc), **timer.clock.stats())
