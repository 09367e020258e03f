"""Three real tutorials that use Keras's text and category preprocessing layers, written as
the pages write them (``import glassnet as tf`` for ``import tensorflow as tf``) on tiny
made-up data, so that they run in a second:

* TensorFlow's "Basic text classification" (IMDB reviews from a folder with
  ``text_dataset_from_directory``, ``TextVectorization`` in ``dataset.map``, then an
  export model that takes raw strings);
* keras.io's "Text classification from scratch" (a Conv1D model on ``Input(shape=(None,))``
  and an end-to-end model on ``Input(shape=(1,), dtype="string")``, saved and loaded);
* TensorFlow's "Classify structured data using Keras preprocessing layers" (a pandas
  DataFrame as a dict dataset; Normalization, StringLookup, IntegerLookup and
  CategoryEncoding in a functional model; ``model.save`` and ``load_model``).
"""

from __future__ import annotations

import re
import string

import numpy as np
import pytest

import glassnet as tf

keras = tf.keras  # the pages: import keras; from keras import layers, losses
layers, losses = keras.layers, keras.losses

POSITIVE, NEGATIVE = ["great", "wonderful", "loved"], ["terrible", "awful", "boring"]
FILLER = ["the", "movie", "was", "a", "plot"]


@pytest.fixture
def aclImdb(tmp_path):  # noqa: N802 - the data set's own name
    """``aclImdb/{train,test}/{neg,pos}/*.txt`` with 24 short reviews per folder, and the
    ``train/unsup`` folder that the tutorial deletes."""
    rng = np.random.RandomState(0)
    for split in ("train", "test"):
        for label, words in (("pos", POSITIVE), ("neg", NEGATIVE)):
            folder = tmp_path / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for i in range(24):
                review = " ".join(rng.choice(words + FILLER, rng.randint(4, 12)))
                (folder / f"{i}_7.txt").write_text(f"A<br />{review.capitalize()}!")
    (tmp_path / "aclImdb" / "train" / "unsup").mkdir()
    (tmp_path / "aclImdb" / "train" / "unsup" / "0_0.txt").write_text("unlabelled")
    return tmp_path / "aclImdb"


def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")


def test_basic_text_classification(aclImdb, capsys):
    import shutil

    tf.keras.utils.set_random_seed(0)
    shutil.rmtree(aclImdb / "train" / "unsup")
    batch_size, seed = 32, 42
    raw_train_ds = tf.keras.utils.text_dataset_from_directory(
        aclImdb / "train", batch_size=batch_size, validation_split=0.2, subset="training",
        seed=seed)
    raw_val_ds = tf.keras.utils.text_dataset_from_directory(
        aclImdb / "train", batch_size=batch_size, validation_split=0.2, subset="validation",
        seed=seed)
    raw_test_ds = tf.keras.utils.text_dataset_from_directory(aclImdb / "test",
                                                             batch_size=batch_size)
    out = capsys.readouterr().out
    assert "Using 39 files for training." in out and "Using 9 files for validation." in out
    assert raw_train_ds.class_names == ["neg", "pos"]

    max_features, sequence_length = 10000, 250
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization, max_tokens=max_features, output_mode="int",
        output_sequence_length=sequence_length)
    train_text = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(train_text)

    def vectorize_text(text, label):
        text = tf.expand_dims(text, -1)
        return vectorize_layer(text), label

    text_batch, label_batch = next(iter(raw_train_ds))
    first_review, first_label = text_batch[0], label_batch[0]
    vectorized, _ = vectorize_text(first_review, first_label)
    assert vectorized.shape == (1, sequence_length)
    vocabulary = vectorize_layer.get_vocabulary()
    assert vocabulary[:2] == ["", "[UNK]"] and set(vocabulary[2:]) == {
        "a", *POSITIVE, *NEGATIVE, *FILLER}  # the <br /> and "!" are gone
    train_ds = raw_train_ds.map(vectorize_text).cache().prefetch(buffer_size=tf.data.AUTOTUNE)
    val_ds = raw_val_ds.map(vectorize_text).cache().prefetch(buffer_size=tf.data.AUTOTUNE)
    test_ds = raw_test_ds.map(vectorize_text).cache().prefetch(buffer_size=tf.data.AUTOTUNE)

    model = tf.keras.Sequential([
        layers.Embedding(max_features, 16),
        layers.Dropout(0.2),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(1)])
    model.compile(loss=losses.BinaryCrossentropy(from_logits=True), optimizer="adam",
                  metrics=[tf.metrics.BinaryAccuracy(threshold=0.0)])
    history = model.fit(train_ds, validation_data=val_ds, epochs=60, verbose=0)
    assert set(history.history) == {"loss", "binary_accuracy", "val_loss",
                                    "val_binary_accuracy"}
    loss, accuracy = model.evaluate(test_ds, verbose=0)
    assert accuracy > 0.9

    export_model = tf.keras.Sequential([vectorize_layer, model, layers.Activation("sigmoid")])
    export_model.compile(loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam",
                         metrics=["accuracy"])
    metrics = export_model.evaluate(raw_test_ds, return_dict=True, verbose=0)
    assert metrics["accuracy"] == pytest.approx(accuracy)
    examples = tf.constant(["The movie was great!", "The movie was okay.",
                            "The movie was terrible..."])
    p = export_model.predict(examples, verbose=0)
    assert p.shape == (3, 1) and p[0, 0] > p[1, 0] > p[2, 0]


def test_text_classification_from_scratch(aclImdb, tmp_path):
    import shutil

    shutil.rmtree(aclImdb / "train" / "unsup")  # the page: !rm -r aclImdb/train/unsup
    keras.utils.set_random_seed(1337)
    raw_train_ds = keras.utils.text_dataset_from_directory(
        aclImdb / "train", batch_size=32, validation_split=0.2, subset="training", seed=1337,
        verbose=False)
    raw_test_ds = keras.utils.text_dataset_from_directory(aclImdb / "test", batch_size=32,
                                                          verbose=False)
    assert raw_train_ds.class_names == ["neg", "pos"]
    max_features, sequence_length = 200, 24
    vectorize_layer = keras.layers.TextVectorization(
        standardize=custom_standardization, max_tokens=max_features, output_mode="int",
        output_sequence_length=sequence_length)
    vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))

    def vectorize_text(text, label):
        text = tf.expand_dims(text, -1)
        return vectorize_layer(text), label

    train_ds = raw_train_ds.map(vectorize_text).cache().prefetch(buffer_size=10)
    test_ds = raw_test_ds.map(vectorize_text).cache().prefetch(buffer_size=10)

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, 16)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(train_ds, epochs=40, verbose=0)
    accuracy = model.evaluate(test_ds, verbose=0)[1]
    assert accuracy > 0.9

    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    assert end_to_end_model.evaluate(raw_test_ds, verbose=0)[1] == pytest.approx(accuracy)
    path = str(tmp_path / "end_to_end.keras")
    end_to_end_model.save(path)
    loaded = keras.models.load_model(
        path, custom_objects={"custom_standardization": custom_standardization})
    reviews = np.array(["a great, great plot", "terrible<br />boring"])
    np.testing.assert_allclose(loaded.predict(reviews, verbose=0),
                               end_to_end_model.predict(reviews, verbose=0), rtol=1e-6)


def test_structured_data_with_preprocessing_layers(tmp_path):
    pd = pytest.importorskip("pandas")
    tf.keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    n = 120
    dataframe = pd.DataFrame({
        "Type": rng.choice(["Cat", "Dog"], n), "Age": rng.choice([1, 2, 3, 12, 24], n),
        "Color1": rng.choice(["Black", "White", "Brown"], n),
        "Vaccinated": rng.choice(["Yes", "No", "Not Sure"], n),
        "Fee": rng.choice([0, 50, 100], n).astype(float),
        "PhotoAmt": rng.randint(0, 10, n).astype(float)})
    dataframe["target"] = ((dataframe["Vaccinated"] == "Yes") | (dataframe["Type"] == "Dog")
                           ).astype("int64")
    train, val, test = dataframe.iloc[:80], dataframe.iloc[80:100], dataframe.iloc[100:]

    def df_to_dataset(dataframe, shuffle=True, batch_size=32):
        df = dataframe.copy()
        labels = df.pop("target")
        df = {key: value.to_numpy()[:, tf.newaxis] for key, value in dataframe.items()}
        ds = tf.data.Dataset.from_tensor_slices((dict(df), labels))
        if shuffle:
            ds = ds.shuffle(buffer_size=len(dataframe))
        ds = ds.batch(batch_size)
        ds = ds.prefetch(batch_size)
        return ds

    def get_normalization_layer(name, dataset):
        normalizer = layers.Normalization(axis=None)
        feature_ds = dataset.map(lambda x, y: x[name])
        normalizer.adapt(feature_ds)
        return normalizer

    def get_category_encoding_layer(name, dataset, dtype, max_tokens=None):
        if dtype == "string":
            index = layers.StringLookup(max_tokens=max_tokens)
        else:
            index = layers.IntegerLookup(max_tokens=max_tokens)
        feature_ds = dataset.map(lambda x, y: x[name])
        index.adapt(feature_ds)
        encoder = layers.CategoryEncoding(num_tokens=index.vocabulary_size())
        return lambda feature: encoder(index(feature))

    train_ds = df_to_dataset(train, batch_size=5)
    [(train_features, label_batch)] = train_ds.take(1)
    type_layer = get_category_encoding_layer("Type", train_ds, "string")
    assert np.asarray(type_layer(train_features["Type"])).shape == (5, 3)  # [UNK], Dog, Cat
    age_layer = get_category_encoding_layer("Age", train_ds, "int64", max_tokens=5)
    assert np.asarray(age_layer(train_features["Age"])).shape == (5, 5)

    train_ds = df_to_dataset(train, batch_size=16)
    val_ds = df_to_dataset(val, shuffle=False, batch_size=16)
    test_ds = df_to_dataset(test, shuffle=False, batch_size=16)
    all_inputs, encoded_features = [], []
    for header in ["PhotoAmt", "Fee"]:
        numeric_col = tf.keras.Input(shape=(1,), name=header)
        encoded_features.append(get_normalization_layer(header, train_ds)(numeric_col))
        all_inputs.append(numeric_col)
    age_col = tf.keras.Input(shape=(1,), name="Age", dtype="int64")
    encoded_features.append(get_category_encoding_layer("Age", train_ds, "int64",
                                                        max_tokens=5)(age_col))
    all_inputs.append(age_col)
    for header in ["Type", "Color1", "Vaccinated"]:
        categorical_col = tf.keras.Input(shape=(1,), name=header, dtype="string")
        encoding_layer = get_category_encoding_layer(header, train_ds, "string", max_tokens=5)
        encoded_features.append(encoding_layer(categorical_col))
        all_inputs.append(categorical_col)
    all_features = tf.keras.layers.concatenate(encoded_features)
    x = tf.keras.layers.Dense(32, activation="relu")(all_features)
    x = tf.keras.layers.Dropout(0.5)(x)
    output = tf.keras.layers.Dense(1)(x)
    model = tf.keras.Model(all_inputs, output)
    model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    with pytest.warns(UserWarning, match="target"):  # the page's dict keeps the label column
        model.fit(train_ds, epochs=80, validation_data=val_ds, verbose=0)
    with pytest.warns(UserWarning, match="target"):
        result = model.evaluate(test_ds, return_dict=True, verbose=0)
    assert result["accuracy"] >= 0.9

    path = str(tmp_path / "my_pet_classifier.keras")
    model.save(path)
    reloaded_model = tf.keras.models.load_model(path)
    sample = {"Type": "Cat", "Age": 3, "Color1": "Black", "Vaccinated": "Yes", "Fee": 100,
              "PhotoAmt": 2}
    input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
    predictions = reloaded_model.predict(input_dict, verbose=0)
    np.testing.assert_allclose(predictions, model.predict(input_dict, verbose=0), rtol=1e-6)
    prob = tf.nn.sigmoid(predictions[0])
    assert float(prob[0]) > 0.5  # vaccinated: adopted
