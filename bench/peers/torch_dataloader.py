"""PyTorch the idiomatic way: TensorDataset + DataLoader(shuffle=True), nn.Sequential,
torch.optim.Adam, nn.CrossEntropyLoss, default thread count. Adam eps: PyTorch's 1e-8."""


from _common import EpochClock, parse_args, timed_import

args = parse_args()
torch, import_s = timed_import("torch")

from _torchdata import emit_training, mlp, tensors  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

torch.manual_seed(0)
x_train, y_train, x_test, y_test = tensors(args.n_train)
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
model = mlp(args.hidden)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()

clock = EpochClock()
for _ in range(args.epochs):
    clock.start()
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    clock.stop()

emit_training(import_s, model, x_test, y_test, clock)
