"""The learning-rate comparison behind ``glassnet.architectures.cnn_learning_rate``.

    python docs/convnet_sweep.py cos 0.004 0         # cosine decay from 0.004, seed 0
    python docs/convnet_sweep.py const 0.001 0 val   # constant 0.001, validation run

The classic convnet, Adam, batch 128, 5 epochs. ``cos``: the rate follows half a cosine
from the given value to 0 over the 5 epochs; ``exp``: it halves every epoch; ``const``:
it stays. With ``val`` the model trains on the first 54,000 training images and is
scored on the last 6,000; otherwise it trains on all 60,000 and is scored on the test
set. Prints the accuracy after each epoch as one JSON line (docs/convnet.md).
"""

import json
import math
import sys
import time

import glassnet as tf
from glassnet import architectures

schedule, lr0, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
validate = len(sys.argv) > 4 and sys.argv[4] == "val"
epochs, batch_size = 5, 128
tf.keras.utils.set_random_seed(seed)
(x, y), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x, x_test = (x / 255.0)[..., None], (x_test / 255.0)[..., None]
if validate:
    x, x_test, y, y_test = x[:54000], x[54000:], y[:54000], y[54000:]

steps = math.ceil(len(x) / batch_size)  # per epoch
schedules = tf.keras.optimizers.schedules
learning_rate = {"cos": schedules.CosineDecay(lr0, decay_steps=epochs * steps),
                 "exp": schedules.ExponentialDecay(lr0, decay_steps=steps, decay_rate=0.5),
                 "const": lr0}[schedule]
model = architectures.cnn((28, 28, 1))
model.compile(tf.keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy",
              ["accuracy"])
accuracies = []


class Score(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        accuracies.append(round(model.evaluate(x_test, y_test, 1000, verbose=0)[1], 4))


start = time.time()
model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[Score()])
print(json.dumps({"val": validate, "sched": schedule, "lr0": lr0, "seed": seed,
                  "accs": accuracies, "s": round(time.time() - start)}))
