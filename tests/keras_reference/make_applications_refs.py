"""Write ``tests/data/keras_refs/applications.npz``: Keras 3's ImageNet networks with known
weights, for ``tests/test_applications.py``.

    cd <worktree> && KERAS_BACKEND=torch OMP_NUM_THREADS=1 \\
        /work/kenv/bin/python tests/keras_reference/make_applications_refs.py

For each case (network, include_top, input size, pooling): Keras builds it with
``weights=None``, takes the weights of ``applications_weights.draw`` (NumPy, seeded),
preprocesses a seeded random image with the network's own ``preprocess_input`` and predicts.
Stored per case: the layer names, ``count_params()``, the preprocessed input and the output.
Also the parameter counts of the full networks with their classifier.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import applications_weights as W  # noqa: E402
import keras  # noqa: E402

CASES = W.CASES


def shapes(model) -> tuple[dict, set]:
    found = {la.name: [tuple(w.shape) for w in la.weights] for la in model.layers if la.weights}
    bn = {la.name for la in model.layers if type(la).__name__ == "BatchNormalization"}
    return found, bn


def main() -> None:
    out = {}
    for case, (module, ctor, kwargs, batch) in CASES.items():
        mod = getattr(keras.applications, module)
        model = getattr(mod, ctor)(weights=None, **kwargs)
        arrays = W.draw(*shapes(model))
        for la in model.layers:
            if la.name in arrays:
                la.set_weights(arrays[la.name])
        x = mod.preprocess_input(W.image((batch, *kwargs["input_shape"])))
        out[f"{case}/names"] = np.array([la.name for la in model.layers])
        out[f"{case}/params"] = np.int64(model.count_params())
        out[f"{case}/model_name"] = np.array(model.name)
        out[f"{case}/x"] = np.asarray(x, np.float32)
        out[f"{case}/y"] = np.asarray(model.predict(x, verbose=0), np.float32)
        print(case, model.count_params(), out[f"{case}/y"].shape, flush=True)
    for module, ctor in (("vgg16", "VGG16"), ("vgg19", "VGG19"), ("resnet50", "ResNet50"),
                         ("mobilenet_v2", "MobileNetV2")):
        model = getattr(getattr(keras.applications, module), ctor)(weights=None)
        out[f"{ctor}/params"] = np.int64(model.count_params())
        out[f"{ctor}/names"] = np.array([la.name for la in model.layers])
        print(ctor, model.count_params(), flush=True)
        del model
    np.savez_compressed(HERE.parent / "data" / "keras_refs" / "applications.npz", **out)


if __name__ == "__main__":
    main()
