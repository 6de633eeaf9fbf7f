"""cases/evidence/filetypes.py: the type comes from the content; the name only claims one."""

import pytest

from cases.evidence import filetypes
from cases.evidence.names import clean_file_name

from . import samples


@pytest.mark.parametrize(
    "content, name, found",
    [
        (samples.png(), "截图.png", "image/png"),
        (samples.jpeg(), "照片.jpg", "image/jpeg"),
        (samples.gif(), "动图.gif", "image/gif"),
        (samples.webp(), "图.webp", "image/webp"),
        (samples.PDF, "协查函.pdf", "application/pdf"),
        (samples.TEXT, "笔录.txt", "text/plain"),
        (samples.GB18030_TEXT, "笔录.txt", "text/plain"),
        (samples.xlsx(), "订单.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"", "空.txt", "application/x-empty"),
    ],
    ids=["png", "jpeg", "gif", "webp", "pdf", "utf8-text", "gb18030-text", "xlsx", "empty"],
)
def test_ordinary_evidence_is_recognised_and_agrees_with_its_name(content, name, found):
    detection = filetypes.detect(content, name)
    assert (detection.content_type, detection.mismatch) == (found, False)


@pytest.mark.parametrize(
    "content, name, found",
    [
        (samples.HTML, "网页.html", "text/html"),
        (samples.SVG, "图.svg", "image/svg+xml"),
        (samples.SHELL_SCRIPT, "run.sh", "text/x-shellscript"),
        (samples.JAVASCRIPT, "steal.js", "text/javascript"),
        (samples.WINDOWS_PROGRAM, "setup.exe", "application/vnd.microsoft.portable-executable"),
        (samples.ELF_PROGRAM, "tool", "application/x-executable"),
    ],
    ids=["html", "svg", "script", "javascript", "windows-program", "linux-program"],
)
def test_active_content_is_recognised_and_never_previewable(content, name, found):
    detection = filetypes.detect(content, name)
    assert detection.content_type == found
    assert filetypes.is_active_content(found)
    assert not filetypes.previewable(found)


@pytest.mark.parametrize(
    "content, name, found",
    [
        (samples.WINDOWS_PROGRAM, "发票.pdf", "application/vnd.microsoft.portable-executable"),
        (samples.HTML, "聊天记录.txt", "text/html"),
        (samples.SVG, "截图.png", "image/svg+xml"),
        (samples.TEXT, "截图.jpg", "text/plain"),
        (b"\x00\x01\x02 random bytes", "合同.docx", "application/octet-stream"),
        (samples.png(), "图.svg", "image/png"),
    ],
    ids=[
        "program-named-pdf",
        "html-named-txt",
        "svg-named-png",
        "text-named-jpg",
        "noise-named-docx",
        "png-named-svg",
    ],
)
def test_content_that_contradicts_its_name_is_flagged(content, name, found):
    detection = filetypes.detect(content, name)
    assert (detection.content_type, detection.mismatch) == (found, True)


def test_a_name_without_a_known_extension_claims_nothing():
    assert filetypes.detect(samples.PDF, "扫描件").declared_type == ""
    assert filetypes.detect(samples.PDF, "扫描件").mismatch is False


@pytest.mark.parametrize("charset, content", [("utf-8", samples.TEXT), ("gb18030", samples.GB18030_TEXT)])
def test_text_previews_name_their_charset(charset, content):
    assert filetypes.text_charset(content) == charset


@pytest.mark.parametrize(
    "given, kept",
    [
        ("证据/../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\证据 (1).pdf", "证据 (1).pdf"),
        ("..", "file"),
        ("a\x00b.txt", "ab.txt"),
        ("笔录\n\r\t\x1b[31m.txt", "笔录[31m.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("\u2066a\u200bb\u2069\ufeff.pdf", "ab.pdf"),
        ("询问笔录（第1次）【张三】 [final].docx", "询问笔录（第1次）【张三】 [final].docx"),
    ],
    ids=[
        "separator",
        "windows-separator",
        "dot-dot",
        "nul",
        "control",
        "rtl-override",
        "invisible",
        "kept-as-is",
    ],
)
def test_clean_file_name(given, kept):
    assert clean_file_name(given) == kept


def test_an_over_long_name_is_shortened_keeping_its_extension():
    name = clean_file_name("长" * 300 + ".pdf")
    assert len(name) == 255 and name.endswith("长.pdf")


@pytest.mark.parametrize(
    "name", ["script>.html", "a:b?.txt", 'say "hi" | more*.txt', "file.", "report<1>.pdf"]
)
def test_names_inside_a_package_extract_on_windows_too(name):
    from cases.evidence.names import archive_name

    inside = archive_name(name)
    assert not set(inside) & set('<>:"|?*\\') and not inside.endswith((".", " ")), inside
    assert inside.split(".")[-1] == name.rstrip(". ").split(".")[-1] or "." not in name.rstrip(". ")
