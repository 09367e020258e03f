"""One training step written with ``GradientTape`` against the same network's built-in ``fit``
step, on the two convnets whose tutorials train that way:

* keras.io's "Customizing what happens in fit()" GAN: a Conv2D discriminator and a
  Conv2DTranspose generator on 28x28x1 images, batch 64, the two tapes of its ``train_step``
  (discriminator on 64 fake + 64 real images, then generator through the discriminator);
* TensorFlow's "advanced quickstart": a subclassed Conv2D(32,3,relu) -> Flatten ->
  Dense(128,relu) -> Dense(10) model, batch 32, one tape.

    PYTHONPATH=src python bench/tape_step.py               # default BLAS threads
    PYTHONPATH=src python bench/tape_step.py --threads 1   # one BLAS thread
    PYTHONPATH=src python bench/tape_step.py --profile gan # cProfile of the GAN steps

Prints the median milliseconds of ``--repeat`` steps (after two warm-up steps) for each row.
"""

import argparse
import statistics
import time

import numpy as np
from glassnet.keras import layers

import glassnet as tf
from glassnet import keras


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=0, help="BLAS threads (0: leave the default)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--only", nargs="+", choices=["gan", "quickstart"],
                   default=["gan", "quickstart"])
    p.add_argument("--profile", choices=["gan", "quickstart"], help="cProfile one tape step")
    return p.parse_args()


def gan_parts(latent_dim: int = 128):
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(alpha=0.2),
        layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(alpha=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(7 * 7 * 128),
        layers.LeakyReLU(alpha=0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(alpha=0.2),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(alpha=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ], name="generator")
    return discriminator, generator


def gan_tape_step(batch: int = 64, latent_dim: int = 128):
    """The GAN's ``train_step`` as keras.io writes it (both tapes, both optimizers)."""
    discriminator, generator = gan_parts(latent_dim)
    d_opt, g_opt = keras.optimizers.Adam(3e-4), keras.optimizers.Adam(3e-4)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    real = np.random.default_rng(0).random((batch, 28, 28, 1), dtype=np.float32)

    def step():
        z = tf.random.normal(shape=(batch, latent_dim))
        fake = generator(z)
        combined = tf.concat([fake, real], axis=0)
        labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            d_loss = loss_fn(labels, discriminator(combined))
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_weights))
        z = tf.random.normal(shape=(batch, latent_dim))
        with tf.GradientTape() as tape:
            g_loss = loss_fn(tf.zeros((batch, 1)), discriminator(generator(z)))
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_opt.apply_gradients(zip(grads, generator.trainable_weights))

    return step


def gan_fit_step(batch: int = 64, latent_dim: int = 128):
    """The same networks' built-in steps: the discriminator on 2·batch images, and the
    generator (as the first part of generator→frozen discriminator) on batch latent vectors."""
    discriminator, generator = gan_parts(latent_dim)
    discriminator.compile(keras.optimizers.Adam(3e-4),
                          keras.losses.BinaryCrossentropy(from_logits=True))
    frozen = keras.models.clone_model(discriminator)
    frozen.trainable = False
    stacked = keras.Sequential([generator, frozen])
    stacked.compile(keras.optimizers.Adam(3e-4), keras.losses.BinaryCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    images = rng.random((2 * batch, 28, 28, 1), dtype=np.float32)
    labels = rng.random((2 * batch, 1), dtype=np.float32)
    z = rng.standard_normal((batch, latent_dim), dtype=np.float32)
    zeros = np.zeros((batch, 1), np.float32)

    def step():
        discriminator.train_on_batch(images, labels)
        stacked.train_on_batch(z, zeros)

    return step


class QuickstartModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = layers.Conv2D(32, 3, activation="relu")
        self.flatten = layers.Flatten()
        self.d1 = layers.Dense(128, activation="relu")
        self.d2 = layers.Dense(10)

    def call(self, x):
        return self.d2(self.d1(self.flatten(self.conv1(x))))


def quickstart_data(batch: int):
    rng = np.random.default_rng(0)
    return rng.random((batch, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, batch)


def quickstart_tape_step(batch: int = 32):
    model = QuickstartModel()
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam()
    train_loss = keras.metrics.Mean(name="train_loss")
    train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    images, labels = quickstart_data(batch)

    def step():
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)

    return step


def quickstart_fit_step(batch: int = 32):
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)),
                              layers.Conv2D(32, 3, activation="relu"), layers.Flatten(),
                              layers.Dense(128, activation="relu"), layers.Dense(10)])
    model.compile(keras.optimizers.Adam(),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = quickstart_data(batch)
    return lambda: model.train_on_batch(images, labels)


ROWS = {
    "gan": [("GAN tape step (batch 64)", gan_tape_step), ("GAN fit steps", gan_fit_step)],
    "quickstart": [("quickstart tape step (batch 32)", quickstart_tape_step),
                   ("quickstart fit step", quickstart_fit_step)],
}


def median_ms(step, repeat: int) -> float:
    step(), step()  # build, first allocations
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main():
    args = parse_args()
    np.random.seed(0)
    tf.random.set_seed(0)
    limiter = None
    if args.threads:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(args.threads, user_api="blas")
    if args.profile:
        import cProfile
        import pstats

        step = ROWS[args.profile][0][1]()
        step(), step()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            step()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    for name in args.only:
        (tape_name, tape), (fit_name, fit) = ROWS[name]
        t_tape, t_fit = median_ms(tape(), args.repeat), median_ms(fit(), args.repeat)
        print(f"{tape_name:34s} {t_tape:8.1f} ms")
        print(f"{fit_name:34s} {t_fit:8.1f} ms   tape/fit {t_tape / t_fit:.2f}")
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
