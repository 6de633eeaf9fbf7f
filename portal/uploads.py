"""Upload handling: the SHA-256 of a file is computed while it streams in, in constant memory.

Every upload goes to a temporary file through HashingUploadHandler (FILE_UPLOAD_MAX_MEMORY_SIZE = 0).
The handler refuses a file as soon as its running size passes PORTAL_MAX_UPLOAD_BYTES (and any file once
the request's files together pass PORTAL_MAX_UPLOAD_REQUEST_BYTES), so an over-limit upload never fills
the disk; it notices a request body that ends early, so an interrupted upload is never mistaken for a
complete one. Views ask `refused_uploads(request)` and `upload_interrupted(request)` what happened.
"""

import hashlib
import tempfile

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

REFUSED = "portal_uploads_refused"
INTERRUPTED = "portal_upload_interrupted"


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    """A temporary file whose name never contains anything the user sent (not even the extension)."""

    sha256: str | None = None

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR)
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class _CountingStream:
    """Wraps the request body to count the bytes that really arrived."""

    def __init__(self, stream):
        self.stream = stream
        self.count = 0

    def read(self, *args, **kwargs):
        data = self.stream.read(*args, **kwargs)
        self.count += len(data)
        return data

    def readline(self, *args, **kwargs):
        data = self.stream.readline(*args, **kwargs)
        self.count += len(data)
        return data


class HashingUploadHandler(FileUploadHandler):
    """Writes each uploaded file to a temporary file and hashes the chunks as they arrive.

    The resulting file object carries `sha256`, the hash of exactly the bytes received. A file over the
    limit is skipped at the chunk that passes it: its temporary file is closed (which deletes it) and the
    rest of it is read and dropped, so the browser still receives the page that explains the refusal.
    """

    chunk_size = 1024 * 1024  # fewer, larger chunks: the multipart parser runs at disk speed

    def __init__(self, request=None):
        super().__init__(request)
        self.file = None
        self.skipped = False
        self.counter = None
        self.body_length = None  # of the whole request (FileUploadHandler's content_length is per file)
        self.request_total = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_length = content_length
        stream = getattr(input_data, "_stream", None)
        if stream is not None and content_length:
            self.counter = input_data._stream = _CountingStream(stream)
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = HashedTemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.skipped = False

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        self.request_total += len(raw_data)
        if self.size > settings.PORTAL_MAX_UPLOAD_BYTES:
            self._refuse("file_too_large")
        if self.request_total > settings.PORTAL_MAX_UPLOAD_REQUEST_BYTES:
            self._refuse("request_too_large")
        self.sha256.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.sha256.hexdigest()
        completed, self.file = self.file, None
        return completed

    def upload_interrupted(self):
        """The body ended inside a file: that file's temporary copy goes, and the request is marked.

        Django also calls this after the last file was skipped (refused); that is no interruption.
        """
        if not self.skipped:
            self._mark_interrupted()
        if self.file is not None:
            self.file.close()  # a NamedTemporaryFile is deleted when closed
            self.file = None

    def upload_complete(self):
        if self.counter is not None and self.counter.count < self.body_length:
            self._mark_interrupted()
        return None

    def _refuse(self, reason: str):
        self.skipped = True
        if self.request is not None:
            refused = self.request.__dict__.setdefault(REFUSED, [])
            refused.append((self.file_name, reason))
        raise SkipFile

    def _mark_interrupted(self):
        if self.request is not None:
            setattr(self.request, INTERRUPTED, True)


def refused_uploads(request) -> list[str]:
    """Messages, in the user's language, for the files the upload handler refused in this request."""
    request.FILES  # noqa: B018 (parses the body if nothing has yet)
    limit = filesizeformat(settings.PORTAL_MAX_UPLOAD_BYTES)
    total = filesizeformat(settings.PORTAL_MAX_UPLOAD_REQUEST_BYTES)
    messages = {
        "file_too_large": _(
            "The file is too large: “%(name)s” passes the limit of %(limit)s per file, so it was not stored."
        ),
        "request_too_large": _(
            "The files are too large together: “%(name)s” was not stored, because the files sent at once pass %(total)s. Send fewer at a time."
        ),
    }
    return [
        messages[reason] % {"name": name, "limit": limit, "total": total}
        for name, reason in getattr(request, REFUSED, [])
    ]


def upload_interrupted(request) -> bool:
    """True when the request body ended before its announced length: nothing of it may be stored."""
    request.FILES  # noqa: B018
    return bool(getattr(request, INTERRUPTED, False))


def refuse_incomplete_upload(request) -> bool:
    """For forms that save all or nothing: report refused files as error messages and say whether the
    request must be refused (a file was refused, or the body ended early)."""
    from django.contrib import messages

    refused = refused_uploads(request)
    for message in refused:
        messages.error(request, message)
    return bool(refused) or upload_interrupted(request)
