"""File names as the user had them, minus what could reach a path, fool a reader or break a page.

A document's name is only ever displayed and offered for download: files are stored under their hash.
"""

import unicodedata
from pathlib import PurePosixPath

MAX_NAME = 255  # characters, the column's length
MAX_EXTENSION = 16
FALLBACK = "file"

# Unicode categories removed from names: controls (NUL, newline, escape), format characters (the
# right-to-left override U+202E that turns "gpj.exe" into "exe.jpg" on screen, zero-width and
# bidirectional marks, the byte-order mark), surrogates, and line and paragraph separators.
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_file_name(name: str) -> str:
    """The name without directories, invisible or control characters, leading dots and excess length.

    Chinese, spaces, brackets and punctuation stay exactly as they were. Over-long names lose the end of
    their stem, never their extension, so a shortened name still says what it is.
    """
    name = "".join(ch for ch in name if unicodedata.category(ch) not in REMOVED_CATEGORIES)
    name = PurePosixPath(name.replace("\\", "/")).name  # after removal: no separator can hide behind one
    name = name.strip().lstrip(".").strip()
    if not name:
        return FALLBACK
    if len(name) > MAX_NAME:
        path = PurePosixPath(name)
        extension = path.suffix if 1 < len(path.suffix) <= MAX_EXTENSION else ""
        name = path.name[: MAX_NAME - len(extension)].rstrip() + extension
    return name


# Characters Windows refuses in file names, as their full-width forms: a package must extract everywhere.
WINDOWS_RESERVED = str.maketrans(
    {"<": "＜", ">": "＞", ":": "：", '"': "＂", "|": "｜", "?": "？", "*": "＊", "\\": "＼"}
)


def archive_name(name: str, limit: int = 120) -> str:
    """A form of a clean name for paths inside a ZIP that every system extracts, keeping the extension."""
    name = name.translate(WINDOWS_RESERVED).rstrip(". ") or "file"
    if len(name) <= limit:
        return name
    path = PurePosixPath(name)
    extension = path.suffix if 1 < len(path.suffix) <= MAX_EXTENSION else ""
    return path.name[: limit - len(extension)].rstrip() + extension
