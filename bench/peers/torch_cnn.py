"""PyTorch, hand-written loop, the classic small convnet of issue 6:
Conv2d(1,32,3)+ReLU, MaxPool2d(2), Conv2d(32,64,3)+ReLU, MaxPool2d(2), Flatten, Dropout(0.5),
Linear(1600,10); Adam lr 1e-3, batch 128 (--batch-size), 2 threads (--threads)."""


from _common import EpochClock, parse_args, timed_import

args = parse_args()
torch, import_s = timed_import("torch")

import torch.nn.functional as F  # noqa: E402
from _torchdata import emit_training, tensors  # noqa: E402
from torch import nn  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(args.threads or 2)
torch.set_flush_denormal(True)
x_train, y_train, x_test, y_test = tensors(args.n_train, images=True)
n, bs = len(x_train), args.batch_size
model = nn.Sequential(
    nn.Conv2d(1, 32, 3),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Dropout(0.5),
    nn.Linear(1600, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
clock = EpochClock()
for _ in range(args.epochs):
    clock.start()
    model.train()
    perm = torch.randperm(n)
    xs, ys = x_train[perm], y_train[perm]
    for i in range(0, n, bs):
        loss = F.cross_entropy(model(xs[i : i + bs]), ys[i : i + bs])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    clock.stop()
emit_training(import_s, model, x_test, y_test, clock)
