"""Sealed storage: blobs stored under their SHA-256, verified by reading back what was stored.

Works with any Django storage (the local file system by default, S3-compatible object storage through
django-storages when configured). Reads stream in chunks, so memory stays constant for any size.
"""

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage

from .filetypes import HEAD_BYTES

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    head: bytes  # the first HEAD_BYTES, for type detection


@dataclass(frozen=True)
class StoredBlob:
    name: str
    digest: Digest
    created: bool  # this call wrote it (so a failure of the caller may remove it)


class IntegrityRefused(Exception):
    """What storage holds after saving is not what was received; the stored copy has been removed."""


def blob_name(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _s3_storage(storage):
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages is optional for a local installation
        return None
    return storage if isinstance(storage, S3Storage) else None


def open_blob(name: str):
    """A binary, readable stream of a stored blob; raises FileNotFoundError when it is gone.

    For S3 the object's body is streamed as it arrives (django-storages' own file object would first copy
    the whole object to a temporary file).
    """
    storage = default_storage
    if s3 := _s3_storage(storage):
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        try:
            return s3.bucket.Object(s3._normalize_name(clean_name(name))).get()["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from error
            raise
    return storage.open(name, "rb")


def read_chunks(stream, chunk_size: int = CHUNK) -> Iterator[bytes]:
    try:
        while chunk := stream.read(chunk_size):
            yield chunk
    finally:
        stream.close()


def digest_stream(stream) -> Digest:
    """SHA-256, size and head of everything a stream yields, in constant memory."""
    sha256, size, head = hashlib.sha256(), 0, b""
    for chunk in read_chunks(stream):
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        sha256.update(chunk)
        size += len(chunk)
    return Digest(sha256.hexdigest(), size, head)


def digest_blob(name: str) -> Digest:
    """Re-read a stored blob and hash it. Raises FileNotFoundError when it is missing."""
    return digest_stream(open_blob(name))


def digest_upload(uploaded_file) -> str:
    """SHA-256 of a file that did not come through the hashing upload handler (services called directly)."""
    sha256 = hashlib.sha256()
    for chunk in uploaded_file.chunks(CHUNK):
        sha256.update(chunk)
    uploaded_file.seek(0)
    return sha256.hexdigest()


def store_sealed(uploaded_file, sha256: str) -> StoredBlob:
    """Store the bytes under their content-derived name and prove they arrived intact.

    What storage holds is read back and hashed; it must equal `sha256`, the hash computed while the bytes
    streamed in, or the copy just written is removed and IntegrityRefused raised. Identical content is
    stored once: when the name exists and its bytes verify, it is reused. A blob under that name whose
    bytes do not verify (damaged, or still being written by a concurrent upload) is left for the
    integrity sweep to report, and this upload is stored beside it under a suffixed name.
    """
    name = blob_name(sha256)
    if default_storage.exists(name):
        try:
            existing = digest_blob(name)
        except FileNotFoundError:
            existing = None
        if existing is not None and existing.sha256 == sha256:
            return StoredBlob(name, existing, created=False)
    uploaded_file.seek(0)
    saved = default_storage.save(name, uploaded_file)
    _forget_moved_temporary_file(uploaded_file)
    try:
        stored = digest_blob(saved)
    except FileNotFoundError:
        stored = None
    if stored is None or stored.sha256 != sha256:
        delete_blob(saved)
        raise IntegrityRefused(saved)
    return StoredBlob(saved, stored, created=True)


def _forget_moved_temporary_file(uploaded_file) -> None:
    """The file system storage moves an upload's temporary file into place instead of copying it; the
    temporary file object must then not try to delete it again when it is garbage-collected."""
    path = getattr(uploaded_file, "temporary_file_path", None)
    if path is None or os.path.exists(path()):
        return
    closer = getattr(getattr(uploaded_file.file, "_closer", None), "delete", None)
    if closer is not None:
        uploaded_file.file._closer.delete = False


def blob_exists(name: str) -> bool:
    return default_storage.exists(name)


def delete_blob(name: str) -> None:
    """Remove a blob this process has just written and that no sealed document refers to."""
    default_storage.delete(name)
