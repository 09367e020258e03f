"""Write Keras 2's ImageDataGenerator results that tests/test_image_generator.py compares
glassnet's with: ``apply_transform`` for fixed parameters, ``standardize`` and ``fit``.

Keras 2's code is the ``keras_preprocessing`` package (1.1.2, with SciPy); run it with the
throwaway Keras venv (see /work/notes/KENV.md; not a glassnet dependency)::

    /work/kenv/bin/pip install keras-preprocessing scipy
    /work/kenv/bin/python tests/keras_reference/make_image_generator_refs.py

It saves ``tests/data/keras_refs/image_generator.npz``: ``image`` (a 6x7x2 float image),
``out.<i>`` the transformed image for each parameter set ``PARAMS[i]`` (in ``meta``),
``std_in``/``std_out`` for ``standardize`` and ``fit_mean``/``fit_std`` for ``fit``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

np.unicode_ = np.str_  # keras_preprocessing 1.1.2 predates NumPy 2
from keras_preprocessing.image import ImageDataGenerator  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "keras_refs" / "image_generator.npz"
PARAMS = [  # (generator arguments, transform parameters)
    ({}, {"theta": 17.0}),
    ({}, {"tx": 1.5, "ty": -2.25}),
    ({}, {"shear": 12.0, "zx": 0.8, "zy": 1.3}),
    ({}, {"theta": -30.0, "tx": 0.5, "zx": 1.2, "zy": 1.2, "flip_horizontal": True}),
    ({"fill_mode": "reflect"}, {"theta": 40.0, "ty": 1.0, "flip_vertical": True}),
    ({}, {"channel_shift_intensity": 0.3}),
]


def main() -> None:
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (6, 7, 2)).astype(np.float32)
    arrays = {"image": image}
    for i, (kwargs, params) in enumerate(PARAMS):
        arrays[f"out.{i}"] = ImageDataGenerator(**kwargs).apply_transform(image.copy(), params)
    batch = rng.uniform(0, 255, (5, 4, 3, 3)).astype(np.float32)
    g = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                           samplewise_center=True, rescale=1 / 255.0)
    g.fit(batch)
    arrays.update(fit_in=batch, fit_mean=g.mean, fit_std=g.std, std_in=batch[0],
                  std_out=g.standardize(batch[0].copy()))
    meta = {"keras_preprocessing": "1.1.2", "params": PARAMS}
    np.savez(OUT, meta=json.dumps(meta), **arrays)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
