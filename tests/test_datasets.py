"""Keras's datasets and ``get_file``, against a local HTTP server: never the internet.

Each test starts an HTTP server on 127.0.0.1 (a free port) that serves tiny files in the
real formats (IDX gzip, CIFAR's tar.gz of Python 2 pickles, Keras's .npz files and word
index JSON), points the loader's module-level address at it, and keeps Keras's cache in
``tmp_path`` through ``KERAS_HOME``. Any connection to another host fails the test.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import socket
import struct
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import downloads
from glassnet.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from glassnet.datasets.safe_pickle import load_npz, load_pickle
from glassnet.errors import DataFileError, DownloadError
from glassnet.utils import get_file

# -- a local server --------------------------------------------------------------------


class Server:
    """Serves ``files`` (path -> bytes); ``truncate`` paths send half their bytes, then close."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.no_length: set[str] = set()
        self.requests: list[str] = []
        state = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                state.requests.append(self.path)
                body = state.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if self.path not in state.no_length:  # else HTTP/1.0: the body ends at close
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in state.truncate:
                    self.wfile.write(body[:len(body) // 2])
                    self.close_connection = True
                else:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,),
                                       daemon=True)
        self.thread.start()

    def add(self, name: str, body: bytes) -> str:
        self.files["/" + name] = body
        return f"{self.url}/{name}"


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Keras's cache in tmp_path; connections only to 127.0.0.1; short timeouts."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(downloads, "TIMEOUT_S", 5.0)
    real = socket.create_connection

    def local_only(address, *args, **kwargs):
        assert address[0] in ("127.0.0.1", "localhost"), f"a test tried to reach {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache(tmp_path: Path) -> Path:
    return tmp_path / "keras" / "datasets"


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# -- files in the real formats ---------------------------------------------------------


def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


class Py2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2's ``str`` (BINSTRING), as CIFAR's batches were."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw if len(raw) < 256
                   else pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str


def py2_pickle(obj) -> bytes:
    f = io.BytesIO()
    Py2Pickler(f, protocol=2).dump(obj)
    # the module name NumPy 1 wrote (and Keras's files hold)
    return f.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def tar_gz(members: dict[str, bytes]) -> bytes:
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return f.getvalue()


def images(n: int, start: int) -> np.ndarray:
    """n distinct (3, 32, 32) uint8 images: a ramp 0, 1, 2, ... (mod 251) from `start`."""
    x = np.arange(n * 3 * 32 * 32).reshape(n, 3, 32, 32) + start
    return (x % 251).astype(np.uint8)


def cifar_batch(x: np.ndarray, labels: dict[str, list[int]]) -> bytes:
    return py2_pickle({"batch_label": "batch", "data": x.reshape(len(x), 3072), **labels,
                       "filenames": [f"img{i}.png" for i in range(len(x))]})


def object_array(seqs: list[list[int]]) -> np.ndarray:
    out = np.empty(len(seqs), object)
    out[:] = seqs
    return out


def npz(**arrays) -> bytes:
    f = io.BytesIO()
    np.savez(f, **arrays)
    return f.getvalue()


def serve_folder(monkeypatch, server: Server, module, name: str, body: bytes) -> None:
    """Point ``module`` at the server and make ``body`` the file its hash expects."""
    server.add(name, body)
    monkeypatch.setattr(module, "ORIGIN_FOLDER", server.url + "/")
    monkeypatch.setattr(module, "FILE_HASH", sha256(body))


# -- get_file ---------------------------------------------------------------------------


def test_get_file_downloads_once_into_keras_cache(server, tmp_path, capsys):
    body = os.urandom(200_000)
    url = server.add("data.bin", body)
    path = get_file(origin=url, file_hash=sha256(body))
    assert path == str(cache(tmp_path) / "data.bin")  # ~/.keras/datasets/<name> with KERAS_HOME
    assert Path(path).read_bytes() == body
    out = capsys.readouterr().out
    assert f"Downloading data from {url}" in out and "200000/200000" in out  # the Progbar
    assert get_file("data.bin", origin=url, file_hash=sha256(body)) == path
    assert server.requests == ["/data.bin"]  # the second call made no request
    assert listing(cache(tmp_path)) == ["data.bin"]


def test_get_file_reuses_a_file_already_in_the_cache(server, tmp_path):
    """A file Keras downloaded (or the user copied) is used: no request at all."""
    body = b"placed by hand"
    (cache(tmp_path)).mkdir(parents=True)
    (cache(tmp_path) / "x.csv").write_bytes(body)
    path = get_file("x.csv", origin=server.url + "/x.csv", file_hash=sha256(body))
    assert Path(path).read_bytes() == body and server.requests == []
    other = tmp_path / "elsewhere"
    (other / "sub").mkdir(parents=True)
    (other / "sub" / "y.csv").write_bytes(body)
    assert get_file("y.csv", origin=server.url + "/y.csv", cache_dir=other,
                    cache_subdir="sub") == str(other / "sub" / "y.csv")
    assert server.requests == []


def test_get_file_checksum_mismatch_keeps_nothing(server, tmp_path):
    url = server.add("data.bin", b"the wrong content")
    expected = sha256(b"the right content")
    with pytest.raises(DataFileError) as e:
        get_file(origin=url, file_hash=expected)
    message = str(e.value)
    assert isinstance(e.value, ValueError)  # Keras raises ValueError here
    assert expected in message and sha256(b"the wrong content") in message and url in message
    assert str(cache(tmp_path) / "data.bin") in message
    assert listing(cache(tmp_path)) == []  # no file, no temporary file


def test_get_file_md5_and_a_stale_cached_file(server, tmp_path, capsys):
    body = b"new version"
    url = server.add("words.json", body)
    cache(tmp_path).mkdir(parents=True)
    (cache(tmp_path) / "words.json").write_bytes(b"old version")
    path = get_file(origin=url, file_hash=hashlib.md5(body).hexdigest())  # 32 digits: MD5
    assert Path(path).read_bytes() == body and server.requests == ["/words.json"]
    assert "downloaded again" in capsys.readouterr().out
    assert downloads.validate_file(path, sha256(body))
    assert not downloads.validate_file(path, hashlib.md5(b"x").hexdigest())


def test_truncated_download_leaves_nothing(server, tmp_path):
    """The server announces 100,000 bytes and closes after 50,000: nothing half-written."""
    url = server.add("big.bin", os.urandom(100_000))
    server.truncate.add("/big.bin")
    for file_hash in (None, sha256(b"anything")):  # caught by the length, with or without hash
        with pytest.raises(DownloadError, match="50,000 of 100,000 bytes") as e:
            get_file(origin=url, file_hash=file_hash)
        assert url in str(e.value) and str(cache(tmp_path) / "big.bin") in str(e.value)
        assert listing(cache(tmp_path)) == []


def test_unknown_length_and_ctrl_c(server, tmp_path, monkeypatch, capsys):
    body = os.urandom(300_000)
    url = server.add("stream.bin", body)
    server.no_length.add("/stream.bin")
    assert Path(get_file(origin=url, file_hash=sha256(body))).read_bytes() == body
    assert "300000/" not in capsys.readouterr().out  # no bar without a known size
    url = server.add("big.bin", body)

    def interrupt(self, current, logs=None, finalize=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(glassnet.progress.Progbar, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        get_file(origin=url)  # Ctrl-C after the first chunk
    assert listing(cache(tmp_path)) == ["stream.bin"]


def test_server_down_names_url_and_cache_path(tmp_path):
    with socket.socket() as s:  # a free port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tf-keras-datasets/imdb.npz"
    with pytest.raises(DownloadError) as e:
        get_file("imdb.npz", origin=url, file_hash="a" * 64)
    message = str(e.value)
    assert isinstance(e.value, OSError)
    assert url in message and str(cache(tmp_path) / "imdb.npz") in message
    assert "a" * 64 in message  # the hash to check a copy placed by hand against
    assert listing(cache(tmp_path)) == []


def test_http_error(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        get_file(origin=server.url + "/missing.npz")
    assert listing(cache(tmp_path)) == []


def test_get_file_arguments(server, tmp_path):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.npz")
    with pytest.raises(ValueError, match="cache_dir"):
        get_file("a/x.npz", origin=server.url + "/x.npz")
    with pytest.raises(ValueError, match="fname"):
        get_file(origin=server.url + "/")
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file(origin=server.add("x", b"x"), file_hash="0" * 64, hash_algorithm="sha-256")
    url = server.add("a.txt", b"a")
    with pytest.warns(UserWarning, match="file_hash"):
        get_file(origin=url, md5_hash=hashlib.md5(b"a").hexdigest())
    body = tar_gz({"inner/a.txt": b"a"})
    url = server.add("old.tar.gz", body)
    with pytest.warns(UserWarning, match="extract=True"):
        folder = get_file("old", origin=url, untar=True)
    assert (Path(folder) / "inner" / "a.txt").read_bytes() == b"a"


def test_extract_uses_keras3_names(server, tmp_path):
    body = tar_gz({"top/a.txt": b"a", "top/sub/b.txt": b"b"})
    url = server.add("arch.tar.gz", body)
    folder = get_file("arch", origin=url, extract=True, file_hash=sha256(body))
    assert folder == str(cache(tmp_path) / "arch")
    assert (cache(tmp_path) / "arch_archive").read_bytes() == body
    assert (Path(folder) / "top" / "sub" / "b.txt").read_bytes() == b"b"
    folder = get_file("arch.tar.gz", origin=url, extract=True)  # a dot: <stem>_extracted
    assert folder == str(cache(tmp_path) / "arch_extracted")
    assert (Path(folder) / "top" / "a.txt").read_bytes() == b"a"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("z/c.txt", "c")
    folder = get_file(origin=server.add("c.zip", zipped.getvalue()), extract=True)
    assert folder == str(cache(tmp_path) / "c.zip")
    assert (Path(folder) / "z" / "c.txt").read_text() == "c"
    assert len(server.requests) == 3
    assert get_file("arch", origin=url, extract=True) == str(cache(tmp_path) / "arch")
    assert len(server.requests) == 3


def evil_tar(kind: str) -> bytes:
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w:gz") as tar:
        good = tarfile.TarInfo("ok.txt")
        good.size = 2
        tar.addfile(good, io.BytesIO(b"ok"))
        if kind == "symlink":
            link = tarfile.TarInfo("link")
            link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
            tar.addfile(link)
        else:
            bad = tarfile.TarInfo({"dotdot": "../escaped.txt",
                                   "absolute": "/tmp/glassnet-escaped.txt"}[kind])
            bad.size = 4
            tar.addfile(bad, io.BytesIO(b"evil"))
    return f.getvalue()


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_tar_path_traversal_is_refused(server, tmp_path, kind):
    url = server.add(f"{kind}.tar.gz", evil_tar(kind))
    with pytest.raises(DataFileError, match="outside the extraction folder"):
        get_file(kind, origin=url, extract=True)
    assert not (cache(tmp_path) / "escaped.txt").exists()
    assert not (cache(tmp_path) / kind).exists()  # not even the harmless member
    assert [p for p in listing(cache(tmp_path)) if p != f"{kind}_archive"] == []


def test_corrupted_archive_leaves_no_folder(server, tmp_path):
    body = tar_gz({"a.bin": os.urandom(50_000), "b.bin": os.urandom(50_000)})
    url = server.add("cut.tar.gz", body[:len(body) * 3 // 4])
    with pytest.raises(DataFileError, match="truncated or corrupted"):
        get_file("cut", origin=url, extract=True)
    assert listing(cache(tmp_path)) == ["cut_archive"]


def test_zip_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ok.txt", "ok")
        z.writestr("../escaped.txt", "evil")
    with pytest.raises(DataFileError, match="escaped.txt"):
        downloads.extract_archive(archive, tmp_path / "out")
    assert listing(tmp_path / "out") == [] and not (tmp_path / "escaped.txt").exists()


def test_extract_archive_joins_what_is_there(tmp_path):
    """Like Keras's: members are added to the folder; nothing else in it is touched."""
    (tmp_path / "a.tar.gz").write_bytes(tar_gz({"new.txt": b"new", "d/x.txt": b"x"}))
    (tmp_path / "out" / "d").mkdir(parents=True)
    (tmp_path / "out" / "mine.txt").write_text("mine")
    (tmp_path / "out" / "new.txt").write_text("old")
    assert downloads.extract_archive(tmp_path / "a.tar.gz", tmp_path / "out")
    assert listing(tmp_path / "out") == ["d", "d/x.txt", "mine.txt", "new.txt"]
    assert (tmp_path / "out" / "new.txt").read_text() == "new"
    assert not downloads.extract_archive(tmp_path / "out" / "mine.txt", tmp_path / "out")
    assert not downloads.extract_archive(tmp_path / "a.tar.gz", tmp_path / "out", "zip")


# -- safe pickles ----------------------------------------------------------------------


class Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_pickles_cannot_run_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataFileError, match="posix.system|nt.system"):
        load_pickle(io.BytesIO(pickle.dumps({"data": Evil()}, protocol=2)))
    # an .npz whose object array is a pickle calling os.system
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w") as z:
        with z.open("x.npy", "w") as member:
            np.lib.format.write_array_header_1_0(
                member, {"descr": "|O", "fortran_order": False, "shape": (1,)})
            member.write(pickle.dumps(Evil(), protocol=3))
    (tmp_path / "evil.npz").write_bytes(f.getvalue())
    with pytest.raises(DataFileError, match="Refusing"):
        load_npz(tmp_path / "evil.npz")
    assert not (tmp_path / "pwned").exists()


_RECONSTRUCT = np.empty(0).__reduce__()[0]


class Reduce:
    """Pickles as ``f(*args)``, then ``__setstate__(state)``: a hand-made hostile pickle."""

    def __init__(self, f, args, state=None):
        self.reduced = (f, args) if state is None else (f, args, state)

    def __reduce__(self):
        return self.reduced


def array_pickle(shape, dtype, data, fortran=False, args=(np.ndarray, (0,), b"b")) -> bytes:
    return py2_pickle(Reduce(_RECONSTRUCT, args, (1, shape, dtype, fortran, data)))


ATTACKS = {  # name: (pickle, words of the error)
    # Keras's allow-list lets this one through: an object array of pointers the file chose
    "ndarray on raw memory": (py2_pickle(Reduce(np.ndarray, ((2,), "O", b"A" * 16))),
                              "raw memory"),
    "structured dtype": (py2_pickle(np.dtype([("a", "O"), ("b", "i8")])), "V16"),
    "dtype state with fields": (py2_pickle(Reduce(
        np.dtype, ("u1", False, True),
        (3, "|", None, ("a",), {"a": (np.dtype("O"), 0)}, -1, -1, 63))), "structured"),
    "short data": (array_pickle((10,), np.dtype("u1"), b"abc"), "not 10 bytes"),
    "short object list": (array_pickle((3,), np.dtype("O"), [1, 2]), "without 3 items"),
    "odd _reconstruct": (array_pickle((5,), np.dtype("u1"), b"abcde",
                                      args=(np.ndarray, (5,), b"b")), "unusual"),
    "negative shape": (array_pickle((-1,), np.dtype("u1"), b""), "shape"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_pickles_can_only_build_checked_arrays(attack):
    data, words = ATTACKS[attack]
    with pytest.raises(DataFileError, match=words):
        load_pickle(io.BytesIO(data))


def test_load_npz_reads_what_np_load_reads(tmp_path):
    xs = object_array([[1, 2, 3], [4], [5, 6]])
    nested = object_array([np.arange(3.0), np.asfortranarray(np.arange(6, dtype="i4")
                                                             .reshape(2, 3)), "s"])
    (tmp_path / "a.npz").write_bytes(npz(x=xs, y=np.array([1, 0, 1]), z=np.eye(2), n=nested))
    ours, theirs = load_npz(tmp_path / "a.npz"), np.load(tmp_path / "a.npz", allow_pickle=True)
    assert sorted(ours) == sorted(theirs.files)
    for k in ours:
        assert ours[k].dtype == theirs[k].dtype and ours[k].flags.writeable
        assert str(ours[k].tolist()) == str(theirs[k].tolist())
    assert ours["n"][1].dtype == np.int32 and ours["n"][1].flags.f_contiguous
    assert np.array_equal(ours["n"][1], np.arange(6).reshape(2, 3))


# -- the datasets ----------------------------------------------------------------------


def test_mnist_arrays_are_writable():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert all(a.flags.writeable for a in (x_train, y_train, x_test, y_test))
    np.random.shuffle(y_train)  # failed on read-only arrays
    x_test[0, 0, 0] = 7


def test_fashion_mnist(server, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {"train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5),
              "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28))}
    for name, a in arrays.items():
        server.add(name, idx_gz(a))
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url + "/")
    (x_train, y_train), (x_test, y_test) = glassnet.keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and y_train.shape == (5,)
    assert x_test.shape == (3, 28, 28) and y_test.shape == (3,)
    assert all(a.dtype == np.uint8 and a.flags.writeable
               for a in (x_train, y_train, x_test, y_test))
    assert np.array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    assert np.array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert listing(cache(tmp_path) / "fashion-mnist") == sorted(arrays)
    fashion_mnist.load_data()
    assert len(server.requests) == 4  # cached
    (cache(tmp_path) / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    del server.files["/t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(DownloadError, match="HTTP 404.*all four files in that folder"):
        fashion_mnist.load_data()
    (cache(tmp_path) / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(
        idx_gz(np.zeros(4)))  # 4 labels for 3 images
    with pytest.raises(DataFileError, match=r"\(3, 28, 28\).*\(4,\)"):
        fashion_mnist.load_data()


def cifar10_archive() -> tuple[bytes, np.ndarray, list[int], np.ndarray, list[int]]:
    x = images(11, 0)  # five training batches of 2, a test batch of 1
    y = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 7]
    members = {f"cifar-10-batches-py/data_batch_{i + 1}":
               cifar_batch(x[2 * i:2 * i + 2], {"labels": y[2 * i:2 * i + 2]})
               for i in range(5)}
    members["cifar-10-batches-py/test_batch"] = cifar_batch(x[10:], {"labels": y[10:]})
    return tar_gz(members), x[:10], y[:10], x[10:], y[10:]


def test_cifar10(server, tmp_path, monkeypatch):
    body, x, y, xt, yt = cifar10_archive()
    server.add("cifar-10-python.tar.gz", body)
    monkeypatch.setattr(cifar10, "ORIGIN", server.url + "/cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(body))
    from glassnet.keras.datasets import cifar10 as aliased  # `from tensorflow.keras...`

    (x_train, y_train), (x_test, y_test) = aliased.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (1, 32, 32, 3) and y_test.shape == (1, 1)
    assert all(a.dtype == np.uint8 and a.flags.writeable
               for a in (x_train, y_train, x_test, y_test))
    # channels last: pixel (row 5, col 7) of image 4 is its red, green, blue values
    assert x_train[4, 5, 7].tolist() == x[4, :, 5, 7].tolist()
    assert y_train.ravel().tolist() == y and y_test.ravel().tolist() == yt
    assert np.array_equal(x_test, xt.transpose(0, 2, 3, 1))
    assert (cache(tmp_path) / "cifar-10-batches-py-target_archive").is_file()  # Keras 3's
    cifar10.load_data()
    assert len(server.requests) == 1


def test_cifar10_reuses_tf_keras_folder(server, tmp_path, monkeypatch):
    """tf.keras (Keras 2) unpacked CIFAR-10 into ~/.keras/datasets/cifar-10-batches-py."""
    body, x, y, xt, yt = cifar10_archive()
    (tmp_path / "cifar.tar.gz").write_bytes(body)
    downloads.extract_archive(tmp_path / "cifar.tar.gz", cache(tmp_path))
    monkeypatch.setattr(cifar10, "ORIGIN", server.url + "/cifar-10-python.tar.gz")
    (x_train, y_train), _ = cifar10.load_data()
    assert server.requests == [] and y_train.ravel().tolist() == y


def test_cifar100_labels_and_bad_batches(server, tmp_path, monkeypatch):
    x, xt = images(4, 0), images(2, 99)
    fine, coarse = [11, 22, 33, 99], [1, 2, 3, 19]
    body = tar_gz({
        "cifar-100-python/train": cifar_batch(x, {"fine_labels": fine, "coarse_labels": coarse}),
        "cifar-100-python/test": cifar_batch(xt, {"fine_labels": [5, 6], "coarse_labels": [0, 1]}),
    })
    server.add("cifar-100-python.tar.gz", body)
    monkeypatch.setattr(cifar100, "ORIGIN", server.url + "/cifar-100-python.tar.gz")
    monkeypatch.setattr(cifar100, "FILE_HASH", sha256(body))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data()
    assert y_train.ravel().tolist() == fine and y_test.ravel().tolist() == [5, 6]
    assert y_train.shape == (4, 1) and y_train.dtype == np.int64  # as Keras's code returns
    assert x_train.shape == (4, 32, 32, 3) and np.array_equal(x_test, xt.transpose(0, 2, 3, 1))
    (_, y_train), _ = cifar100.load_data(label_mode="coarse")
    assert y_train.ravel().tolist() == coarse and len(server.requests) == 1
    with pytest.raises(ValueError, match="coarse"):
        cifar100.load_data(label_mode="superclass")
    bad = cache(tmp_path) / "cifar-100-python-target" / "cifar-100-python" / "train"
    bad.write_bytes(py2_pickle({"data": np.zeros((2, 10), np.uint8), "fine_labels": [1, 2]}))
    with pytest.raises(DataFileError, match="3072"):
        cifar100.load_data()


def test_imdb_hand_worked(server, tmp_path, monkeypatch):
    # one review per set, so the shuffle cannot move anything
    body = npz(x_train=object_array([[1, 2, 5]]), y_train=np.array([1]),
               x_test=object_array([[4, 1, 1, 6]]), y_test=np.array([0]))
    serve_folder(monkeypatch, server, imdb, "imdb.npz", body)

    def load(**kwargs):
        (x, y), (xt, yt) = imdb.load_data(**kwargs)
        assert x.dtype == object and x.ndim == 1 and y.dtype == np.int64
        return x.tolist(), xt.tolist()

    # [1, 2, 5] -> start mark 1, then each + 3: [1, 4, 5, 8]; [4, 1, 1, 6] -> [1, 7, 4, 4, 9].
    # num_words=None means the largest index, 9, and Keras keeps w < 9: 9 becomes oov 2.
    assert load() == ([[1, 4, 5, 8]], [[1, 7, 4, 4, 2]])
    # num_words=8, skip_top=4: keep 4 <= w < 8, the rest (start mark too) becomes 2
    assert load(num_words=8, skip_top=4) == ([[2, 4, 5, 2]], [[2, 7, 4, 4, 2]])
    # oov_char=None drops them instead
    assert load(num_words=8, skip_top=4, oov_char=None) == ([[4, 5]], [[7, 4, 4]])
    # index_from=0, no start mark: the stored ranks (the largest, 6, still becomes oov)
    assert load(start_char=None, index_from=0) == ([[1, 2, 5]], [[4, 1, 1, 2]])
    assert load(start_char=None, index_from=0, num_words=100) == ([[1, 2, 5]], [[4, 1, 1, 6]])
    # maxlen drops (not truncates) the reviews of maxlen words or more
    with pytest.raises(ValueError, match="maxlen=5"):
        load(maxlen=5)
    with pytest.warns(UserWarning, match="num_words"):
        assert load(nb_words=8, skip_top=4)[0] == [[2, 4, 5, 2]]
    with pytest.raises(TypeError, match="num_word"):
        imdb.load_data(num_word=10)
    assert len(server.requests) == 1


def test_imdb_shuffle_maxlen_and_word_index(server, tmp_path, monkeypatch):
    train = [[1] * n for n in (1, 2, 3, 4)]
    body = npz(x_train=object_array(train), y_train=np.array([10, 20, 30, 40]),
               x_test=object_array([[2], [2, 2]]), y_test=np.array([5, 6]))
    serve_folder(monkeypatch, server, imdb, "imdb.npz", body)
    # np.random.RandomState(113) shuffles range(4) to [3, 2, 0, 1] (Keras's seed and order)
    order = np.arange(4)
    np.random.RandomState(113).shuffle(order)
    assert order.tolist() == [3, 2, 0, 1]
    (x, y), (xt, yt) = imdb.load_data()
    assert y.tolist() == [40, 30, 10, 20] and [len(s) for s in x] == [5, 4, 2, 3]
    (x, y), _ = imdb.load_data(maxlen=4)  # lengths 2, 3, 4, 5 with the start mark: keep < 4
    assert y.tolist() == [10, 20] and all(a.flags.writeable for a in (x, y))
    (_, y2), _ = imdb.load_data(seed=1)
    assert sorted(y2.tolist()) == [10, 20, 30, 40]
    words = {"the": 1, "and": 2, "film": 5}
    index = json.dumps(words).encode()
    server.add("imdb_word_index.json", index)
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", hashlib.md5(index).hexdigest())
    assert imdb.get_word_index() == words


def test_reuters(server, tmp_path, monkeypatch):
    seqs = [[1, 2], [3], [4, 5, 6], [7, 8], [9], [1, 1, 1, 1, 1]]
    body = npz(x=object_array(seqs), y=np.arange(6))
    serve_folder(monkeypatch, server, reuters, "reuters.npz", body)
    (x, y), (xt, yt) = reuters.load_data(test_split=0.5, num_words=20)
    assert len(x) == 3 and len(xt) == 3 and y.dtype == np.int64
    order = np.arange(6)
    np.random.RandomState(113).shuffle(order)
    assert y.tolist() + yt.tolist() == order.tolist()
    assert x.tolist()[0] == [1] + [w + 3 for w in seqs[order[0]]]
    (x, y), (xt, yt) = reuters.load_data()  # int(6 * 0.8) = 4 for training
    assert len(x) == 4 and len(xt) == 2
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[-1] == "lead"
    index = json.dumps({"the": 1}).encode()
    server.add("reuters_word_index.json", index)
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", hashlib.md5(index).hexdigest())
    assert reuters.get_word_index() == {"the": 1}


def test_boston_and_california_housing(server, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x, y = rng.random((10, 13)), rng.random(10) * 50
    serve_folder(monkeypatch, server, boston_housing, "boston_housing.npz", npz(x=x, y=y))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    assert np.array_equal(x_train, x[order[:8]]) and np.array_equal(y_test, y[order[8:]])
    assert x_train.dtype == np.float64 and all(a.flags.writeable for a in (x_train, y_train))
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)

    x, y = rng.random((700, 8)).astype(np.float32), rng.random(700).astype(np.float32)
    serve_folder(monkeypatch, server, california_housing, "california_housing.npz",
                 npz(x=x, y=y))
    (x_train, _), (x_test, _) = california_housing.load_data()
    assert x_train.shape == (560, 8) and x_test.shape == (140, 8)
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(version="small",
                                                                         test_split=0.25)
    assert x_train.shape == (450, 8) and x_test.shape == (150, 8)
    assert {tuple(r) for r in np.concatenate([x_train, x_test])} == {tuple(r) for r in x[:600]}
    with pytest.raises(ValueError, match="small"):
        california_housing.load_data(version="medium")
    assert len(server.requests) == 2


def test_keras_names_reach_the_loaders():
    import glassnet as tf

    for name in ("fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing",
                 "california_housing", "mnist"):
        assert getattr(tf.keras.datasets, name) is getattr(glassnet.datasets, name)
    assert tf.keras.utils.get_file is downloads.get_file
    from glassnet.keras.datasets import imdb as aliased

    assert aliased is imdb and aliased.get_word_index is imdb.get_word_index


# -- the same arrays as Keras ------------------------------------------------------------


def test_same_arrays_as_keras(tmp_path, monkeypatch):
    """Keras's own loaders and glassnet's, on the same small files, return equal arrays.

    Runs where the ``keras`` package is installed (any backend); skipped otherwise.
    CIFAR-10 is left out: Keras's loader hard-codes 10,000 images per batch.
    """
    pytest.importorskip("keras")
    from keras.src.datasets import boston_housing as k_boston
    from keras.src.datasets import california_housing as k_california
    from keras.src.datasets import cifar100 as k_cifar100
    from keras.src.datasets import fashion_mnist as k_fashion
    from keras.src.datasets import imdb as k_imdb
    from keras.src.datasets import reuters as k_reuters

    from glassnet.datasets import cifar

    rng = np.random.default_rng(7)

    def seqs(n):
        return object_array([rng.integers(1, 60, rng.integers(1, 30)).tolist()
                             for _ in range(n)])

    files = {"imdb.npz": npz(x_train=seqs(40), y_train=rng.integers(0, 2, 40),
                             x_test=seqs(30), y_test=rng.integers(0, 2, 30)),
             "reuters.npz": npz(x=seqs(57), y=rng.integers(0, 46, 57)),
             "boston_housing.npz": npz(x=rng.random((53, 13)), y=rng.random(53) * 50),
             "california_housing.npz": npz(x=rng.random((701, 8)).astype(np.float32),
                                           y=rng.random(701).astype(np.float32)),
             "train-labels-idx1-ubyte.gz": idx_gz(rng.integers(0, 10, 7)),
             "train-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (7, 28, 28))),
             "t10k-labels-idx1-ubyte.gz": idx_gz(rng.integers(0, 10, 4)),
             "t10k-images-idx3-ubyte.gz": idx_gz(rng.integers(0, 256, (4, 28, 28)))}
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    x = rng.integers(0, 256, (13, 3, 32, 32)).astype(np.uint8)
    for name, part in (("train", slice(0, 9)), ("test", slice(9, 13))):
        n = len(x[part])
        labels = {"fine_labels": rng.integers(0, 100, n).tolist(),
                  "coarse_labels": rng.integers(0, 20, n).tolist()}
        (tmp_path / "cifar-100-python").mkdir(exist_ok=True)
        (tmp_path / "cifar-100-python" / name).write_bytes(cifar_batch(x[part], labels))

    def fake_get_file(fname=None, origin=None, **kwargs):
        return str(tmp_path) if "cifar" in origin else str(tmp_path / origin.split("/")[-1])

    pairs = [(k_imdb, imdb), (k_reuters, reuters), (k_boston, boston_housing),
             (k_california, california_housing), (k_fashion, fashion_mnist),
             (k_cifar100, cifar)]
    for theirs, ours in pairs:
        monkeypatch.setattr(theirs, "get_file", fake_get_file)
        monkeypatch.setattr(ours, "get_file", fake_get_file)

    def same(a, b, what):
        for u, v in zip(np.asarray(a, dtype=object).ravel(), np.asarray(b, dtype=object).ravel()):
            assert (u.dtype, u.shape) == (v.dtype, v.shape), what
            if u.dtype == object:
                assert [list(map(int, s)) for s in u] == [list(map(int, s)) for s in v], what
            else:
                assert np.array_equal(u, v), what

    def flat(result):
        (a, b), (c, d) = result
        return [a, b, c, d]

    sequence_args = [{}, dict(num_words=20), dict(num_words=20, skip_top=5), dict(maxlen=15),
                     dict(seed=1), dict(start_char=None), dict(start_char=None, index_from=0),
                     dict(oov_char=None, num_words=30, skip_top=4),
                     dict(index_from=10, start_char=7, oov_char=3, num_words=40)]
    for kwargs in sequence_args:
        for theirs, ours in ((k_imdb, imdb), (k_reuters, reuters)):
            same(flat(theirs.load_data(**kwargs)), flat(ours.load_data(**kwargs)),
                 (ours.__name__, kwargs))
    same(flat(k_reuters.load_data(test_split=0.33)), flat(reuters.load_data(test_split=0.33)),
         "reuters test_split")
    for kwargs in ({}, dict(test_split=0.1, seed=3)):
        same(flat(k_boston.load_data(**kwargs)), flat(boston_housing.load_data(**kwargs)),
             ("boston", kwargs))
    for kwargs in ({}, dict(version="small", test_split=0.3, seed=0)):
        same(flat(k_california.load_data(**kwargs)),
             flat(california_housing.load_data(**kwargs)), ("california", kwargs))
    same(flat(k_fashion.load_data()), flat(fashion_mnist.load_data()), "fashion_mnist")
    for mode in ("fine", "coarse"):
        same(flat(k_cifar100.load_data(mode)), flat(cifar100.load_data(mode)), mode)
    assert reuters.get_label_names() == tuple(k_reuters.get_label_names())
