"""The type of a file from its content, what its name claims, and whether a browser may show it inline.

The type that counts is the one found in the bytes (magic numbers: our own table for the types a
browser would render, puremagic for the long tail of binary formats). The name's extension only
tells what the uploader claimed: when the two contradict each other the document is flagged.
Only the detected types in PREVIEW_TYPES are ever served inline; everything else is an attachment.
"""

import codecs
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import puremagic

HEAD_BYTES = 8192  # what detection reads: every signature we rely on sits in the first few bytes

EMPTY = "application/x-empty"
UNKNOWN = "application/octet-stream"
TEXT = "text/plain"
HTML = "text/html"
XHTML = "application/xhtml+xml"
XML = "application/xml"
SVG = "image/svg+xml"
PDF = "application/pdf"
ZIP = "application/zip"
OLE = "application/x-ole-storage"
WINDOWS_PROGRAM = "application/vnd.microsoft.portable-executable"
PROGRAM = "application/x-executable"  # ELF and Mach-O

# Served inline by the preview (under a sandboxing CSP); text with the charset found in it.
PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", PDF, TEXT})

OOXML = "application/vnd.openxmlformats-officedocument."
# What a file name claims, by extension. Our own table, so the answer does not depend on the machine's
# /etc/mime.types.
EXTENSION_TYPES = {
    "txt": TEXT,
    "log": TEXT,
    "text": TEXT,
    "md": "text/markdown",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/json",
    "xml": XML,
    "html": HTML,
    "htm": HTML,
    "shtml": HTML,
    "xhtml": XHTML,
    "svg": SVG,
    "mht": "message/rfc822",
    "mhtml": "message/rfc822",
    "eml": "message/rfc822",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "css": "text/css",
    "sh": "text/x-shellscript",
    "bash": "text/x-shellscript",
    "py": "text/x-python",
    "pl": "text/x-perl",
    "rb": "text/x-ruby",
    "php": "application/x-httpd-php",
    "bat": "application/x-bat",
    "cmd": "application/x-bat",
    "ps1": "text/x-powershell",
    "vbs": "text/vbscript",
    "hta": "application/hta",
    "exe": WINDOWS_PROGRAM,
    "dll": WINDOWS_PROGRAM,
    "scr": WINDOWS_PROGRAM,
    "sys": WINDOWS_PROGRAM,
    "msi": "application/x-msi",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "pdf": PDF,
    "ofd": "application/ofd",  # 版式文档 (GB/T 33190), the format of Chinese electronic invoices: a ZIP
    "zip": ZIP,
    "7z": "application/x-7z-compressed",
    "rar": "application/vnd.rar",
    "gz": "application/gzip",
    "tar": "application/x-tar",
    "apk": "application/vnd.android.package-archive",
    "jar": "application/java-archive",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
    "msg": "application/vnd.ms-outlook",
    "docx": OOXML + "wordprocessingml.document",
    "xlsx": OOXML + "spreadsheetml.sheet",
    "pptx": OOXML + "presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "rtf": "application/rtf",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "mkv": "video/x-matroska",
    "mp3": "audio/mpeg",
    "wav": "audio/x-wav",
    "m4a": "audio/mp4",
    "amr": "audio/amr",
}

ZIP_FAMILY = frozenset(
    {ZIP, "application/ofd", "application/vnd.android.package-archive", "application/java-archive"}
    | {t for t in EXTENSION_TYPES.values() if t.startswith((OOXML, "application/vnd.oasis.opendocument."))}
)
OLE_FAMILY = frozenset(
    {
        OLE,
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-works",
        "application/vnd.ms-outlook",
        "application/x-msi",
    }
)
PROGRAM_FAMILY = frozenset({WINDOWS_PROGRAM, PROGRAM, "application/x-msdownload", "application/x-dosexec"})
MARKUP = frozenset({HTML, XHTML, SVG, XML})
SCRIPTS = frozenset(
    {
        "text/javascript",
        "application/javascript",
        "text/x-shellscript",
        "text/x-python",
        "text/x-perl",
        "text/x-ruby",
        "text/x-script",
        "application/x-httpd-php",
        "application/x-bat",
        "text/x-powershell",
        "text/vbscript",
        "application/hta",
    }
)
# Content a browser or a desktop would run: accepted as evidence, only ever downloaded.
ACTIVE_TYPES = MARKUP | SCRIPTS | PROGRAM_FAMILY | {"message/rfc822", "application/x-msi"}
TEXTUAL = (
    MARKUP
    | SCRIPTS
    | {"application/json", "application/rtf", "message/rfc822", "text/csv", "text/markdown", "text/css"}
)
# Formats with a reliable signature: a file named like one of these that does not start like one is lying.
SIGNED_TYPES = (
    frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff", PDF})
    | ZIP_FAMILY
    | OLE_FAMILY
    | PROGRAM_FAMILY
)

SHEBANGS = (
    (re.compile(rb"python"), "text/x-python"),
    (re.compile(rb"\b(ba|da|z|k)?sh\b"), "text/x-shellscript"),
    (re.compile(rb"perl"), "text/x-perl"),
    (re.compile(rb"ruby"), "text/x-ruby"),
    (re.compile(rb"node|deno"), "text/javascript"),
    (re.compile(rb"php"), "application/x-httpd-php"),
)
# The tags that make browsers treat a document as HTML (WHATWG MIME sniffing), and a few that make it
# dangerous wherever they appear near the start.
HTML_START = re.compile(
    r"<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>/]"
)
HTML_ANYWHERE = re.compile(r"<(script|html|iframe|body|object|embed)[\s>/]")
SVG_TAG = re.compile(r"<svg[\s>/:]")


@dataclass(frozen=True)
class Detection:
    content_type: str  # what the bytes are
    declared_type: str  # what the name claims ("" when the extension tells nothing)
    mismatch: bool  # the bytes contradict the name


def type_for_name(name: str) -> str:
    """The type a file name claims by its extension, or "" when it claims none we know."""
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    return EXTENSION_TYPES.get(suffix, "")


def detect(head: bytes, name: str) -> Detection:
    """Detect the type of a file from its first bytes (HEAD_BYTES of them) and compare it with its name."""
    declared = type_for_name(name)
    found = _sniff(head, name, declared)
    return Detection(found, declared, _contradicts(found, declared))


def previewable(content_type: str) -> bool:
    return content_type in PREVIEW_TYPES


def is_active_content(content_type: str) -> bool:
    return content_type in ACTIVE_TYPES


def text_charset(head: bytes) -> str:
    """The charset of a text file, for its preview: UTF-8, UTF-16 (with a byte-order mark) or GB18030."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8" if _decodes(head.removeprefix(codecs.BOM_UTF8), "utf-8") else "gb18030"


def _sniff(head: bytes, name: str, declared: str) -> str:
    if not head:
        return EMPTY
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"MZ"):
        return WINDOWS_PROGRAM
    if head.startswith(
        (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
    ):
        return PROGRAM
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        # Office documents, OFD invoices and APKs are all ZIPs: the name says which, if it says a ZIP at all.
        return declared if declared in ZIP_FAMILY else _puremagic(head, name, within=ZIP_FAMILY) or ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return declared if declared in OLE_FAMILY else OLE
    if head.startswith(b"#!"):
        first_line = head.split(b"\n", 1)[0]
        return next((kind for pattern, kind in SHEBANGS if pattern.search(first_line)), "text/x-script")
    text = _as_text(head)
    if text is not None:
        markup = _markup(text)
        if markup:
            return XHTML if markup == HTML and declared == XHTML else markup
        # Plain text named as a script, a CSV or JSON is what its name says: a .js stays a script.
        return declared if declared in TEXTUAL or declared.startswith("text/") else TEXT
    return _puremagic(head, name) or UNKNOWN


def _puremagic(head: bytes, name: str, within: frozenset | None = None) -> str:
    try:
        matches = puremagic.magic_string(head, filename=name)
    except (puremagic.PureError, ValueError):
        return ""
    for match in matches:
        if match.mime_type and (within is None or match.mime_type in within):
            return match.mime_type
    return ""


def _decodes(data: bytes, encoding: str) -> str | None:
    try:
        # Incremental: a multi-byte character cut at the end of the head is not an error.
        return codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _as_text(head: bytes) -> str | None:
    """The head as text if it is text (UTF-8, UTF-16 with a BOM, or GB18030 without NULs); otherwise None."""
    if head.startswith(codecs.BOM_UTF16_LE):
        text = _decodes(head[2:], "utf-16-le")
    elif head.startswith(codecs.BOM_UTF16_BE):
        text = _decodes(head[2:], "utf-16-be")
    elif b"\x00" in head:
        return None
    else:
        data = head.removeprefix(codecs.BOM_UTF8)
        text = _decodes(data, "utf-8")
        if text is None:
            text = _decodes(data, "gb18030")
    if text is None:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\x1b")
    return text if controls * 100 <= len(text) else None


def _markup(text: str) -> str:
    start = text.lstrip("\ufeff \t\r\n\f").lower()
    head = start[:4096]
    if head.startswith("<") and SVG_TAG.search(head):
        return SVG
    if HTML_START.match(head) or HTML_ANYWHERE.search(head[:1024]):
        return HTML
    if head.startswith("<?xml"):
        return XML
    return ""


def _family(content_type: str) -> frozenset | None:
    for family in (ZIP_FAMILY, OLE_FAMILY, PROGRAM_FAMILY):
        if content_type in family:
            return family
    return None


def _contradicts(found: str, declared: str) -> bool:
    if not declared or found == declared or found == EMPTY:
        return False
    family = _family(found)
    if family is not None and declared in family:
        return False
    textual_found = found in TEXTUAL or found.startswith("text/")
    textual_declared = declared in TEXTUAL or declared.startswith("text/")
    if textual_found and textual_declared:
        # Text is text, unless it turned out to be markup a browser would run under an inert name.
        return found in MARKUP and declared not in MARKUP
    if found == UNKNOWN:
        return declared in SIGNED_TYPES
    return True
