"""pandas input: fit/evaluate/predict take a DataFrame or Series (issue 7)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import InputError, InputTypeError

pd = pytest.importorskip("pandas")


def _model(n_in: int, units: int = 3, activation: str = "softmax",
           loss: str = "sparse_categorical_crossentropy") -> gn.Sequential:
    model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_shape=(n_in,)),
                           gn.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"] if units > 1 else None)
    return model


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int) + (x[:, 2] > 1).astype(int)
    return pd.DataFrame(x, columns=["a", "b", "c"]), pd.Series(y, name="label"), x, y


def test_dataframe_and_series_train_like_arrays(frame):
    df, s, x, y = frame
    gn.utils.set_random_seed(1)
    m1 = _model(3)
    h1 = m1.fit(df, s, epochs=3, batch_size=16, verbose=0, shuffle=False)
    gn.utils.set_random_seed(1)
    m2 = _model(3)
    h2 = m2.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False)
    assert h1.history["loss"] == h2.history["loss"]
    np.testing.assert_array_equal(m1.predict(df, verbose=0), m2.predict(x, verbose=0))
    assert m1.evaluate(df, s, verbose=0) == m2.evaluate(x, y, verbose=0)


def test_column_order_is_kept(frame):
    df, s, x, _ = frame
    model = _model(3)
    model.fit(df, s, epochs=1, verbose=0)
    # the values are read column by column, in the DataFrame's own order
    np.testing.assert_array_equal(model.predict(df, verbose=0), model.predict(x, verbose=0))
    # the same columns in another order are refused, not silently mixed up
    with pytest.raises(InputError, match=r"different order.*Reorder them: x\[\['a', 'b', 'c'\]\]"):
        model.predict(df[["c", "a", "b"]], verbose=0)
    with pytest.raises(InputError, match=r"missing \['c'\], unexpected \['d'\]"):
        model.predict(df.rename(columns={"c": "d"}), verbose=0)
    with pytest.raises(InputError, match="different order"):
        model.evaluate(df[["b", "a", "c"]], s, verbose=0)
    # plain arrays are still taken as they are
    assert model.predict(x, verbose=0).shape == (60, 3)


def test_non_numeric_columns_are_named(frame):
    df, s, _, _ = frame
    bad = df.assign(city=["Paris", "Rome", "Oslo"] * 20,
                    day=pd.Categorical(["mon", "tue"] * 30))
    model = _model(5)
    with pytest.raises(InputTypeError) as err:
        model.fit(bad, s, epochs=1, verbose=0)
    msg = str(err.value)
    assert "'city'" in msg and "'day' (category)" in msg
    assert "'a'" not in msg  # numeric columns are not blamed
    assert "get_dummies" in msg


def test_non_numeric_series_target(frame):
    df, _, _, y = frame
    names = pd.Series(np.array(["cat", "dog", "owl"])[y], name="animal")
    model = _model(3)
    with pytest.raises(InputTypeError, match=r"y \(Series 'animal'\) holds .* not numbers"):
        model.fit(df, names, epochs=1, verbose=0)
    # the fix the message suggests works
    model.fit(df, names.astype("category").cat.codes, epochs=1, verbose=0)


def test_bool_and_nullable_columns(frame):
    df, s, _, _ = frame
    df = df.assign(flag=df["a"] > 0, count=pd.array(range(60), dtype="Int64"))
    model = _model(5)
    model.fit(df, s, epochs=1, verbose=0)
    out = model.predict(df, verbose=0)
    assert out.shape == (60, 3) and out.dtype == np.float32


def test_regression_with_series_and_single_column_frame():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"x": rng.normal(size=40)})
    target = pd.Series(3 * df["x"].to_numpy() + 1, name="target")
    model = _model(1, units=1, activation="linear", loss="mse")
    model.fit(df, target, epochs=2, verbose=0)
    assert model.predict(df, verbose=0).shape == (40, 1)
    assert model.predict(df["x"].to_frame(), verbose=0).shape == (40, 1)
