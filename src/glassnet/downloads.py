"""``get_file``: download a file once into Keras's cache, check it, and unpack it safely.

The cache is Keras's own: ``$KERAS_HOME/<cache_subdir>`` or ``~/.keras/datasets``, so a
file that Keras (2 or 3) downloaded before is reused, and a file glassnet downloads is
found by Keras later. The steps, as in ``keras.utils.get_file`` (Keras 3):

1. The target path is ``<cache>/<cache_subdir>/<fname>`` (an archive to extract is stored
   as ``<name>_archive`` next to its extraction folder ``<name>``, or ``<fname>`` next to
   ``<name>_extracted`` when ``fname`` has a dot).
2. A file already there is used as it is, after its hash is checked; a file with the
   wrong hash is downloaded again.
3. A download streams into a temporary file in the same folder, with a progress bar,
   and is hashed on the way. Only a complete file (as long as the server announced) with
   the right hash is renamed to the target, in one atomic step; anything else is deleted.
   So the cache never holds a half-written or corrupted file under the real name.
4. Archives (tar, tar.gz, tar.bz2, zip) are unpacked into a temporary folder, then renamed
   to the extraction folder, so an extraction folder that exists is complete.
   Members with absolute paths, ``..`` or links leading out are refused, and tar archives
   are read with ``filter="data"`` where Python has it. (Keras unpacks again at every
   call; here a complete extraction folder is reused, since a partial one never exists.)

Errors: offline or an HTTP error raises :class:`~glassnet.errors.DownloadError` naming the
URL and the path where the file can be placed by hand; a wrong hash or an unsafe archive
raises :class:`~glassnet.errors.DataFileError`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from .errors import DataFileError, DownloadError
from .i18n import _

CHUNK_BYTES = 1 << 16
TIMEOUT_S = 60.0  # seconds without data before a download is given up


def keras_home() -> Path:
    """Keras's home folder: ``$KERAS_HOME`` if set, else ``~/.keras`` (read at each call)."""
    return Path(os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))))


def cache_folder(cache_subdir: str = "datasets", cache_dir: str | os.PathLike | None = None
                 ) -> Path:
    """The folder ``get_file`` stores into: ``<cache_dir or keras_home()>/<cache_subdir>``.

    Not created here. ``cache_subdir`` may be absolute, as in Keras.
    """
    base = keras_home() if cache_dir is None else Path(os.path.expanduser(os.fspath(cache_dir)))
    return base / cache_subdir


def _writable_folder(folder: Path, cache_subdir: str) -> Path:
    """``folder``, created if needed; Keras's fallback ``/tmp/.keras/...`` if it can't be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    import tempfile

    fallback = Path(tempfile.gettempdir()) / ".keras" / cache_subdir
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def resolve_hasher(algorithm: str = "auto", file_hash: str | None = None):
    """A hashlib object: SHA-256 for ``"sha256"`` or a 64-digit hash with ``"auto"``, else MD5.

    MD5 is there only because Keras publishes MD5 hashes for a few older files.
    """
    import hashlib

    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(_("hash_algorithm must be 'auto', 'sha256' or 'md5', got "
                           "{algorithm!r}.").format(algorithm=algorithm))
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256",
              chunk_size: int = CHUNK_BYTES) -> str:
    """The hex digest of a file (``"sha256"``, ``"md5"``, or ``"auto"``: SHA-256)."""
    if isinstance(algorithm, str):  # "auto" has no hash to go by here: SHA-256
        hasher = resolve_hasher("sha256" if algorithm == "auto" else algorithm)
    else:
        hasher = algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = CHUNK_BYTES) -> bool:
    """True if the file's hash is ``file_hash`` (SHA-256 or MD5, told apart by its length)."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).lower()


def _algorithm_name(algorithm: str, file_hash: str) -> str:
    return resolve_hasher(algorithm, file_hash).name.replace("sha256", "SHA-256").upper()


def _place_by_hand(origin: str, target: Path, file_hash: str | None, algorithm: str) -> str:
    if file_hash:
        return _("To install it by hand, download {origin} on a machine that is online and "
                 "copy it to {target} (glassnet and Keras both look there); its {algorithm} "
                 "must be {file_hash}.").format(
                     origin=origin, target=target, file_hash=file_hash,
                     algorithm=_algorithm_name(algorithm, file_hash))
    return _("To install it by hand, download {origin} on a machine that is online and copy "
             "it to {target} (glassnet and Keras both look there).").format(
                 origin=origin, target=target)


def _download(origin: str, target: Path, file_hash: str | None, algorithm: str) -> None:
    """Stream ``origin`` into ``target`` atomically, with a progress bar and a hash check."""
    import tempfile

    print(_("Downloading data from {origin}").format(origin=origin))
    hasher = resolve_hasher(algorithm, file_hash) if file_hash else None
    manual = _place_by_hand(origin, target, file_hash, algorithm)
    part = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".part", delete=False)
    try:
        with part:
            received, total = _stream(origin, part, hasher, manual)
        if total is not None and received != total:
            raise DownloadError(_("Could not download {origin}: the connection closed "
                                  "after {received:,} of {total:,} bytes. Nothing was "
                                  "kept; try again. {manual}").format(
                                      origin=origin, received=received, total=total, manual=manual))
        if hasher is not None and hasher.hexdigest() != file_hash.lower():
            raise DataFileError(
                _("The file downloaded from {origin} is incomplete or corrupted: its "
                  "{algorithm_name} is {hexdigest}, expected {file_hash}. Nothing was "
                  "kept; try again. {manual}").format(
                      origin=origin, algorithm_name=_algorithm_name(algorithm, file_hash),
                      hexdigest=hasher.hexdigest(), file_hash=file_hash, manual=manual))
        os.replace(part.name, target)
    except BaseException:  # including Ctrl-C: never leave the temporary file behind
        Path(part.name).unlink(missing_ok=True)
        raise


def _stream(origin: str, out, hasher, manual: str) -> tuple[int, int | None]:
    """Copy the body at ``origin`` into the file ``out``, feeding ``hasher`` and a Progbar.

    Returns the bytes received and the bytes the server announced (None if it did not).
    Network failures become one :class:`DownloadError`; the file's own errors
    (a full disk) pass through as they are.
    """
    import http.client
    import urllib.error
    import urllib.request

    from .progress import Progbar

    try:
        response = urllib.request.urlopen(origin, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as e:
        raise DownloadError(_("Could not download {origin}: the server answered HTTP "
                              "{code} {reason}. {manual}").format(
                                  origin=origin, code=e.code, reason=e.reason,
                                  manual=manual)) from e
    except urllib.error.URLError as e:
        raise DownloadError(_("Could not download {origin}: {reason} (offline, or the "
                              "address cannot be reached). {manual}").format(
                                  origin=origin, reason=e.reason, manual=manual)) from e
    except (OSError, http.client.HTTPException) as e:
        raise DownloadError(_("Could not download {origin}: the connection failed "
                              "({kind}: {e}). {manual}").format(
                                  origin=origin, kind=type(e).__name__, e=e, manual=manual)) from e
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = Progbar(total) if total else None  # no bar when the size is unknown
        received = 0
        while True:
            try:
                chunk = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as e:
                raise DownloadError(_("Could not download {origin}: the connection "
                                      "failed after {received:,} bytes ({kind}: {e}). "
                                      "Nothing was kept; try again. {manual}").format(
                                          origin=origin, received=received, kind=type(e).__name__,
                                          e=e, manual=manual)) from e
            if not chunk:
                break
            out.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            received += len(chunk)
            if bar is not None:
                bar.update(received)
    if bar is not None and received == total:
        bar.update(received, finalize=True)
    return received, total


def _check_member(name: str, archive: Path) -> None:
    """Refuse a member path that is absolute or climbs out with ``..``."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or os.path.isabs(name) or ".." in parts \
            or (len(parts[0]) >= 2 and parts[0][1] == ":"):  # a Windows drive, "C:"
        raise DataFileError(_("Refusing to extract {archive}: its member {name!r} would "
                              "be written outside the extraction folder. The archive is "
                              "corrupted or malicious; delete it.").format(
                                  archive=archive, name=name))


def _extract_tar(archive: Path, folder: Path) -> None:
    import tarfile

    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for m in members:
            _check_member(m.name, archive)
            if m.issym() or m.islnk():
                # a symlink's target is relative to its folder; a hard link's to the root
                base = os.path.dirname(m.name) if m.issym() else ""
                _check_member(os.path.normpath(os.path.join(base, m.linkname)), archive)
            elif not (m.isfile() or m.isdir()):
                raise DataFileError(_("Refusing to extract {archive}: its member "
                                      "{name!r} is a device or pipe, not a file. Delete "
                                      "the archive.").format(archive=archive, name=m.name))
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+: a second guard
            tar.extractall(folder, members=members, filter="data")
        else:
            tar.extractall(folder, members=members)


def _extract_zip(archive: Path, folder: Path) -> None:
    import zipfile

    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            _check_member(name, archive)
        z.extractall(folder)


def extract_archive(file_path: str | os.PathLike, path: str | os.PathLike = ".",
                    archive_format: str | list[str] | None = "auto") -> bool:
    """Unpack a tar (``.tar``, ``.tar.gz``, ``.tar.bz2``) or zip archive into ``path``.

    ``archive_format``: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of them,
    or ``None``. Returns False if the file is none of them. As in Keras, the members join
    what ``path`` already holds (same names are replaced). They are unpacked into a
    hidden temporary folder inside ``path`` first and moved in only once all are out, so
    an interrupted or failed extraction adds nothing. Unsafe members are refused
    (:class:`~glassnet.errors.DataFileError`) before anything is written.
    """
    import shutil

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    scratch = _unpack(file_path, path, archive_format)
    if scratch is None:
        return False
    try:
        for entry in scratch.iterdir():
            destination = path / entry.name
            if destination.is_dir() and not destination.is_symlink():
                shutil.rmtree(destination)
            os.replace(entry, destination)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return True


def _unpack(file_path: str | os.PathLike, parent: Path,
            archive_format: str | list[str] | None) -> Path | None:
    """Unpack the archive into a new hidden folder in ``parent``; return it (None: no archive).

    On any error (or Ctrl-C) the folder is removed before the error propagates.
    """
    import shutil
    import tarfile
    import tempfile
    import zipfile

    if not archive_format:
        return None
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    file_path = Path(file_path)
    for fmt in formats:
        if fmt == "tar":
            is_match, extract = tarfile.is_tarfile, _extract_tar
        elif fmt == "zip":
            is_match, extract = zipfile.is_zipfile, _extract_zip
        else:
            raise ValueError(_("archive_format must be 'auto', 'tar', 'zip', a list of "
                               "them or None, got {fmt!r}.").format(fmt=fmt))
        if not is_match(file_path):
            continue
        scratch = Path(tempfile.mkdtemp(dir=parent, prefix=".extracting-", suffix=".part"))
        try:
            extract(file_path, scratch)
        except BaseException as e:
            shutil.rmtree(scratch, ignore_errors=True)
            if isinstance(e, (tarfile.TarError, zipfile.BadZipFile, EOFError)):
                raise DataFileError(_("Could not extract {file_path}: {e}. The archive "
                                      "is truncated or corrupted; delete it and try "
                                      "again.").format(file_path=file_path, e=e)) from e
            raise
        return scratch
    return None


def _extract_fresh(file_path: Path, folder: Path, archive_format) -> bool:
    """Unpack into ``folder`` as a whole: a complete new folder replaces the old one at once.

    ``get_file`` relies on this: an extraction folder that exists is a complete one.
    """
    import shutil

    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = _unpack(file_path, folder.parent, archive_format)
    if scratch is None:
        return False
    try:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
        elif folder.exists() or folder.is_symlink():
            folder.unlink()
        os.replace(scratch, folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return True


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: str | list[str] | None = "auto",
             cache_dir: str | os.PathLike | None = None, force_download: bool = False) -> str:
    """Download ``origin`` into Keras's cache unless it is already there; return its path.

    Same arguments and cache layout as ``keras.utils.get_file`` (Keras 3), e.g.
    ``get_file(origin="https://example.com/data.csv")`` returns
    ``"~/.keras/datasets/data.csv"`` (expanded), downloading it the first time only.

    Args:
        fname: the file's name in the cache (no folders); default: the URL's last part.
            With ``extract=True``, a name without a dot names the extraction folder.
        origin: the URL.
        file_hash: the expected SHA-256 (64 hex digits) or MD5 (32) of the file. Checked
            after each download and on each reuse; strongly recommended.
        hash_algorithm: ``"auto"`` (from the hash's length), ``"sha256"`` or ``"md5"``.
        cache_subdir: folder under the cache (absolute paths are used as they are).
        extract: unpack a tar or zip archive and return the folder it went into.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"``, a list, or ``None``.
        cache_dir: the cache's root; default ``$KERAS_HOME``, else ``~/.keras``.
        force_download: download again even if the file is cached.
        untar, md5_hash: Keras 2's spellings of ``extract=True`` and ``file_hash`` (with MD5);
            accepted, with a warning.

    Raises:
        DownloadError: offline, an HTTP error, or a connection cut short. The message names
            the URL and the path to copy the file to by hand.
        DataFileError: a downloaded file with the wrong hash, or an unsafe archive.
    """
    if origin is None:
        raise ValueError(_('get_file needs origin="https://..." (the URL of the file to '
                           "download)."))
    if md5_hash is not None:
        warnings.warn(_("get_file(md5_hash=...) is Keras 2's spelling: use file_hash=... "
                        "(MD5 and SHA-256 hashes are both recognised)."), UserWarning, stacklevel=2)
        if file_hash is None:
            file_hash, hash_algorithm = md5_hash, "md5"
    if untar:
        warnings.warn(_("get_file(untar=True) is Keras 2's spelling: use extract=True."),
                      UserWarning, stacklevel=2)
    name_given = bool(fname)
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        from urllib.parse import urlsplit

        fname = os.path.basename(urlsplit(origin).path)
        if not fname or fname in (os.curdir, os.pardir) or os.path.splitdrive(fname)[0]:
            raise ValueError(_("Can't take a file name from the URL {origin!r}: pass "
                               "fname=...").format(origin=origin))
    elif os.sep in fname or (os.altsep and os.altsep in fname) or fname in (os.curdir,
                                                                           os.pardir):
        raise ValueError(_("fname must be a plain file name, got {fname!r}: to choose "
                           "the folder, pass cache_dir=... (or cache_subdir=...).").format(
                               fname=fname))
    archive = extract or untar

    folder = cache_folder(cache_subdir, cache_dir)
    target, extraction_dir = _targets(folder, fname, archive, name_given)
    if force_download or not target.exists():  # writing: fall back to /tmp/.keras as Keras
        folder = _writable_folder(folder, cache_subdir)
        target, extraction_dir = _targets(folder, fname, archive, name_given)
    download = force_download or not target.exists()
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        print(_("A local file was found at {target}, but its {algorithm} does not match "
                "{file_hash}: it is incomplete or outdated, so it is downloaded again.").format(
                    target=target, algorithm=_algorithm_name(hash_algorithm, file_hash),
                    file_hash=file_hash))
        download = True
    if download:
        _download(origin, target, file_hash, hash_algorithm)
    if not archive:
        return str(target)
    if download or not extraction_dir.exists():
        if not _extract_fresh(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(_("Could not extract {target}: it is not a tar or zip archive "
                            "(archive_format={archive_format!r}).").format(
                                target=target, archive_format=archive_format), stacklevel=2)
    return str(extraction_dir)


def _targets(folder: Path, fname: str, archive: bool, name_given: bool
             ) -> tuple[Path, Path | None]:
    """Keras 3's names: the downloaded file, and the folder an archive is extracted into."""
    if not archive:
        return folder / fname, None
    if name_given and "." in fname:  # "data.tar.gz": stored as is, extracted to data_extracted
        return folder / fname, folder / f"{fname[:fname.find('.')]}_extracted"
    return folder / f"{fname}_archive", folder / fname
