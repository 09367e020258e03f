"""scikit-learn's MLPClassifier with the tutorial's settings: one hidden layer of 128 ReLU units,
Adam lr 1e-3 (eps 1e-8), batch 32, shuffled each epoch, no L2 (alpha=0, like the tutorial) and no
early stop (tol=0, n_iter_no_change=1000). Inputs are cast to float32, which MLPClassifier keeps,
as the faster of its two dtypes. Epoch ends are timed by wrapping the method that ``fit`` calls
once per epoch; the first epoch includes fit's input checks and weight initialisation.
BLAS keeps its default thread count unless --threads is given."""

import warnings

from _common import EpochClock, emit, parse_args, timed_import

args = parse_args()
_, import_s = timed_import("sklearn.neural_network")

import _mnist  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

(x_train, y_train), (x_test, y_test) = _mnist.load_data()
if args.n_train:
    x_train, y_train = x_train[: args.n_train], y_train[: args.n_train]
x_train = (x_train / 255.0).reshape(len(x_train), -1).astype("float32")
x_test = (x_test / 255.0).reshape(len(x_test), -1).astype("float32")

clf = MLPClassifier(
    hidden_layer_sizes=tuple(args.hidden),
    solver="adam",
    learning_rate_init=1e-3,
    batch_size=args.batch_size,
    max_iter=args.epochs,
    alpha=0.0,
    tol=0.0,
    n_iter_no_change=1000,
    shuffle=True,
    random_state=0,
)
clock = EpochClock()
per_epoch = clf._update_no_improvement_count  # called once at the end of every epoch


def timed(*a, **kw):
    clock.stop()
    clock.start()
    return per_epoch(*a, **kw)


clf._update_no_improvement_count = timed
warnings.simplefilter("ignore", ConvergenceWarning)
with threadpool_limits(limits=args.threads or None, user_api="blas"):  # default: BLAS's own
    clock.start()
    clf.fit(x_train, y_train)
emit(
    version=sklearn.__version__,
    import_s=import_s,
    dtype=str(clf.coefs_[0].dtype),
    blas_threads=args.threads or "default",
    test_acc=clf.score(x_test, y_test),
    **clock.stats(),
)
