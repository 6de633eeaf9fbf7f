"""Evidence packages: the manifest (JSON and CSV) and the ZIP streamed from the sealed files.

A package is a ZIP holding `manifest.json` (the authoritative list: case, every document's seal and
version chain, and the SHA-256 of the other two lists), `manifest.csv` (the same for spreadsheets),
`SHA256SUMS` (for `sha256sum -c` on any machine), a `README.txt`, and the files under `files/`.
The ZIP is written as it is sent, file by file in 1 MiB chunks, so a package of any size costs
constant memory.
"""

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exports import UTF8_BOM, safe_cell

from .names import archive_name
from .storage import open_blob, read_chunks

FORMAT = "joint-enforcement-portal/evidence-package"
FORMAT_VERSION = 1
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
CHECKSUMS = "SHA256SUMS"
README = "README.txt"
LISTS = (MANIFEST_JSON, MANIFEST_CSV, CHECKSUMS, README)

CSV_COLUMNS = [
    "case_number",
    "document_id",
    "title",
    "original_name",
    "sha256",
    "size",
    "type",
    "type_by_name",
    "type_mismatch",
    "uploaded_by",
    "uploaded_at",
    "version",
    "supersedes_id",
    "supersedes_sha256",
    "superseded_by_id",
    "version_chain",
    "status",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawal_reason",
    "path",
]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def member_path(document) -> str:
    """Where a document sits inside the ZIP: unique by id, readable by its original name."""
    return f"files/{document.pk:06d}-v{document.version}-{archive_name(document.original_name)}"


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _person(user) -> str:
    return f"{user.display_name or user.get_username()} ({user.get_username()})" if user else ""


def document_entry(document, chain: list[dict]) -> dict:
    """One document of the manifest. `chain` lists the versions from the first to this one."""
    previous = document.supersedes
    try:
        following = document.superseded_by
    except type(document).superseded_by.RelatedObjectDoesNotExist:
        following = None
    if document.withdrawn_at:
        status = "withdrawn"
    elif following is not None:
        status = "superseded"
    else:
        status = "current"
    return {
        "id": document.pk,
        "path": member_path(document),
        "title": document.title,
        "original_name": document.original_name,
        "sha256": document.sha256,
        "size": document.size,
        "type": document.content_type,
        "type_by_name": document.declared_type,
        "type_mismatch": document.type_mismatch,
        "uploaded_by": _person(document.uploaded_by),
        "uploaded_at": _time(document.uploaded_at),
        "version": document.version,
        "supersedes": {"id": previous.pk, "sha256": previous.sha256} if previous else None,
        "superseded_by": following.pk if following else None,
        "version_chain": chain,
        "status": status,
        "withdrawn": {
            "at": _time(document.withdrawn_at),
            "by": _person(document.withdrawn_by),
            "reason": document.withdrawal_reason,
        }
        if document.withdrawn_at
        else None,
        "internal_to_bureau": document.internal_bureau.code if document.internal_bureau_id else None,
    }


def checksums_text(entries: Iterable[dict]) -> str:
    """The `sha256sum -c` list of the files (two spaces: binary-agnostic text mode, as sha256sum writes)."""
    return "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in entries)


def csv_text(case_number: str, entries: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        withdrawn = entry["withdrawn"] or {}
        writer.writerow(
            safe_cell(cell)
            for cell in [
                case_number,
                entry["id"],
                entry["title"],
                entry["original_name"],
                entry["sha256"],
                entry["size"],
                entry["type"],
                entry["type_by_name"],
                "yes" if entry["type_mismatch"] else "no",
                entry["uploaded_by"],
                entry["uploaded_at"],
                entry["version"],
                (entry["supersedes"] or {}).get("id", ""),
                (entry["supersedes"] or {}).get("sha256", ""),
                entry["superseded_by"] or "",
                " > ".join(
                    f"v{link['version']}:{link['id']}:{link['sha256']}" for link in entry["version_chain"]
                ),
                entry["status"],
                withdrawn.get("at") or "",
                withdrawn.get("by") or "",
                withdrawn.get("reason") or "",
                entry["path"],
            ]
        )
    return UTF8_BOM + buffer.getvalue()


def build_manifest(*, package, case, created_by, entries: list[dict]) -> tuple[str, str]:
    """manifest.json and manifest.csv of a package; the JSON carries the SHA-256 of the CSV and SHA256SUMS."""
    manifest_csv = csv_text(case.number or case.title, entries)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package": package.pk,
        "case": {"id": case.pk, "number": case.number, "title": case.title},
        "created_at": _time(package.created_at),
        "created_by": _person(created_by),
        "hash_algorithm": "sha256",
        "manifest_csv_sha256": sha256_text(manifest_csv),
        "checksums_sha256": sha256_text(checksums_text(entries)),
        "document_count": len(entries),
        "total_size": sum(entry["size"] for entry in entries),
        "documents": entries,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", manifest_csv


def readme_text(package) -> str:
    return "\n".join(
        [
            _("Evidence package of case %(case)s, exported %(time)s by %(user)s.")
            % {
                "case": package.case.reference,
                "time": _time(package.created_at),
                "user": _person(package.created_by),
            },
            "",
            _("SHA-256 of manifest.json: %(sha256)s") % {"sha256": package.manifest_sha256},
            _("Compare it with the value on the case's timeline in the portal."),
            "",
            _("To check the files on any computer, run in this folder: sha256sum -c SHA256SUMS"),
            _(
                "Or upload the whole ZIP to the portal's verification page, or run: manage.py verify_package FILE.zip"
            ),
            "",
        ]
    )


class _Sink:
    """A write-only, unseekable file for zipfile: what it receives is handed on and forgotten."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def _zip_info(name: str, when, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(when).timetuple()[:6])
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16  # readable once unpacked (zipfile leaves no permissions otherwise)
    return info


def stream_zip(package, documents: dict) -> Iterator[bytes]:
    """The package's ZIP, chunk by chunk: the stored manifests, then each sealed file as stored.

    `documents` maps the ids of the manifest to Document rows. Files are stored uncompressed (evidence is
    mostly compressed already), with ZIP64 where a file needs it.
    """
    entries = json.loads(package.manifest_json)["documents"]
    lists = {
        MANIFEST_JSON: package.manifest_json,
        MANIFEST_CSV: package.manifest_csv,
        CHECKSUMS: checksums_text(entries),
        README: readme_text(package),
    }
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for name, text in lists.items():
            info = _zip_info(name, package.created_at, zipfile.ZIP_DEFLATED)
            archive.writestr(info, text.encode())
            yield from sink.drain()
        for entry in entries:
            document = documents[entry["id"]]
            info = _zip_info(entry["path"], document.uploaded_at, zipfile.ZIP_STORED)
            info.file_size = document.size
            with archive.open(info, "w", force_zip64=document.size >= zipfile.ZIP64_LIMIT) as target:
                for chunk in read_chunks(open_blob(document.file.name)):
                    target.write(chunk)
                    yield from sink.drain()
    yield from sink.drain()
