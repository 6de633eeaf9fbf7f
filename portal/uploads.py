"""Upload handling: the SHA-256 of a file is computed while it streams in, in constant memory."""

import hashlib

from django.core.files.uploadhandler import TemporaryFileUploadHandler


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to a temporary file and hashes the chunks as they arrive.

    The resulting file object carries `sha256`, so the seal is computed over exactly the bytes received.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._sha256 = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        self._sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._sha256.hexdigest()
        return uploaded
