"""Inference with onnxruntime: the PyTorch model (784-hidden-10) exported with
torch.onnx.export, run on the 10,000 test images in batches of --batch-size.
Needs torch and onnx to write the file; the legacy exporter is used because the newer one
needs the onnxscript package."""

import os
import tempfile
import warnings

from _common import best_of, emit_inference, parse_args, skip, timed_import

args = parse_args()
ort, import_s = timed_import("onnxruntime")

try:
    import onnx  # noqa: F401  (torch.onnx.export needs it)
    import torch
    from _torchdata import mlp, tensors
except ImportError as e:
    skip(f"cannot export the model ({e})")

torch.manual_seed(0)
_, _, x_test, _ = tensors(10)
path = os.path.join(tempfile.mkdtemp(), "mlp.onnx")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(
        mlp(args.hidden).eval(),
        (x_test[:1],),
        path,
        dynamo=False,
        input_names=["x"],
        output_names=["logits"],
        dynamic_axes={"x": {0: "n"}},
    )
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
x, bs = x_test.numpy(), args.batch_size


def predict():
    return [session.run(None, {"x": x[i : i + bs]}) for i in range(0, len(x), bs)]


seconds = best_of(predict)
os.remove(path)
emit_inference(ort.__version__, import_s, seconds, len(x), bs)
