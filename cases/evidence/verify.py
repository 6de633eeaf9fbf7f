"""Verification of an evidence package or of a single file against the seals.

A package is checked three ways: its files against its own manifest (missing, extra, changed files),
its lists against each other (manifest.csv and SHA256SUMS against the hashes manifest.json records),
and the manifest against the portal (was exactly this manifest issued, and does every entry match the
document's seal). A single file is looked up by its SHA-256 among the sealed documents.

The seals come from a SealBook: the web page passes one limited to what the user may see (so nothing
internal to another bureau is ever confirmed or named), the management command one that sees everything.
"""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .package import CHECKSUMS, LISTS, MANIFEST_CSV, MANIFEST_JSON
from .storage import CHUNK

MAX_MANIFEST_BYTES = 64 * 1024 * 1024

MESSAGES = {
    "not_a_package": _("This ZIP archive has no manifest.json; it was checked as a single file."),
    "manifest_unreadable": _("manifest.json cannot be read: %(error)s"),
    "manifest_issued": _(
        "manifest.json is the one the portal issued for evidence package #%(package)s of case %(case)s (%(time)s, %(user)s)."
    ),
    "manifest_altered": _(
        "manifest.json has been altered: it differs from the manifest the portal issued for package #%(package)s (SHA-256 %(issued)s; this one is %(sha256)s)."
    ),
    "manifest_unknown": _(
        "manifest.json (SHA-256 %(sha256)s) was not issued by the portal for any package you may see: it may have been altered."
    ),
    "list_missing": _("%(path)s is missing from the package."),
    "list_altered": _(
        "%(path)s has been altered: it no longer matches the SHA-256 recorded in manifest.json."
    ),
    "list_intact": _("%(path)s matches manifest.json."),
    "file_intact": _("%(path)s is intact (SHA-256 %(sha256)s, %(size)s bytes)."),
    "file_missing": _("%(path)s is listed in the manifest but missing from the package."),
    "file_extra": _("%(path)s is in the package but not in the manifest."),
    "file_changed": _(
        "%(path)s has been changed: its SHA-256 is %(found)s (%(found_size)s bytes), the manifest says %(expected)s (%(expected_size)s bytes)."
    ),
    "file_damaged": _("%(path)s has been changed: its bytes no longer match the archive's own checksum."),
    "too_large": _("The package holds more than %(limit)s bytes; check it with manage.py verify_package."),
    "seal_matches": _("%(path)s matches the seal of document #%(id)s."),
    "seal_differs": _(
        "The manifest entry for %(path)s differs from the seal of document #%(id)s (sealed SHA-256 %(sealed)s, %(sealed_size)s bytes)."
    ),
    "seal_unknown": _("%(path)s: document #%(id)s is not among the sealed documents you may see."),
    "file_matches_seal": _(
        "This file (SHA-256 %(sha256)s) is sealed as “%(title)s”, document #%(id)s of case %(case)s, uploaded by %(user)s at %(time)s."
    ),
    "file_unknown": _("No sealed document you may see has this content (SHA-256 %(sha256)s)."),
}


@dataclass(frozen=True)
class Finding:
    code: str
    ok: bool
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params


@dataclass
class Report:
    kind: str  # "package" or "file"
    sha256: str = ""  # of manifest.json for a package, of the file otherwise
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(finding.ok for finding in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.ok]

    def add(self, code: str, ok: bool, **params) -> None:
        self.findings.append(Finding(code, ok, params))


class SealBook(Protocol):
    def package_with_manifest(self, sha256: str): ...
    def package(self, package_id: int): ...
    def documents(self, ids: list[int]) -> dict: ...
    def documents_with_hash(self, sha256: str) -> list: ...


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _hash_stream(stream) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
    return sha256.hexdigest(), size


def verify_upload(fileobj, seals: SealBook, *, max_total_bytes: int | None = None) -> Report:
    """Check an uploaded file: as a package when it is a ZIP with a manifest.json, otherwise as one file."""
    fileobj.seek(0)
    if zipfile.is_zipfile(fileobj):
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as archive:
                if MANIFEST_JSON in archive.NameToInfo:
                    return verify_package(archive, seals, max_total_bytes=max_total_bytes)
        except zipfile.BadZipFile:
            pass
        report = verify_file(fileobj, seals)
        report.findings.insert(0, Finding("not_a_package", True))
        return report
    return verify_file(fileobj, seals)


def verify_file(fileobj, seals: SealBook) -> Report:
    """Which sealed documents (that the seal book shows) have exactly this content."""
    fileobj.seek(0)
    sha256 = getattr(fileobj, "sha256", None) or _hash_stream(fileobj)[0]
    report = Report("file", sha256)
    for document in seals.documents_with_hash(sha256):
        report.add(
            "file_matches_seal",
            True,
            sha256=sha256,
            title=document.title,
            id=document.pk,
            case=document.case.reference,
            user=str(document.uploaded_by),
            time=_time(document.uploaded_at),
        )
    if not report.findings:
        report.add("file_unknown", False, sha256=sha256)
    return report


def _read_manifest(archive: zipfile.ZipFile, report: Report) -> dict | None:
    info = archive.getinfo(MANIFEST_JSON)
    if info.file_size > MAX_MANIFEST_BYTES:
        report.add("manifest_unreadable", False, error="too large")
        return None
    try:
        raw = archive.read(info)
    except (zipfile.BadZipFile, OSError) as error:
        report.add("manifest_unreadable", False, error=str(error))
        return None
    report.sha256 = hashlib.sha256(raw).hexdigest()
    try:
        manifest = json.loads(raw.decode("utf-8"))
        manifest["documents"] = [_entry(entry) for entry in manifest["documents"]]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        report.add("manifest_unreadable", False, error=str(error))
        return None
    return manifest


def _entry(entry: dict) -> dict:
    """A manifest entry with the fields verification relies on, typed; raises on anything malformed."""
    return entry | {
        "id": int(entry["id"]),
        "path": str(entry["path"]),
        "sha256": str(entry["sha256"]),
        "size": int(entry["size"]),
    }


def _check_issued(manifest: dict, report: Report, seals: SealBook) -> None:
    issued = seals.package_with_manifest(report.sha256)
    if issued is not None:
        report.add(
            "manifest_issued",
            True,
            package=issued.pk,
            case=issued.case.reference,
            time=_time(issued.created_at),
            user=str(issued.created_by),
        )
        return
    claimed = manifest.get("package")
    original = seals.package(claimed) if isinstance(claimed, int) else None
    if original is not None:
        report.add(
            "manifest_altered",
            False,
            package=original.pk,
            issued=original.manifest_sha256,
            sha256=report.sha256,
        )
    else:
        report.add("manifest_unknown", False, sha256=report.sha256)


def _check_lists(archive: zipfile.ZipFile, manifest: dict, report: Report) -> None:
    for path, key in ((MANIFEST_CSV, "manifest_csv_sha256"), (CHECKSUMS, "checksums_sha256")):
        if path not in archive.NameToInfo:
            report.add("list_missing", False, path=path)
            continue
        try:
            with archive.open(path) as member:
                sha256, _size = _hash_stream(member)
        except (zipfile.BadZipFile, OSError):
            sha256 = ""
        if sha256 != manifest.get(key):
            report.add("list_altered", False, path=path)
        else:
            report.add("list_intact", True, path=path)


def verify_package(
    archive: zipfile.ZipFile, seals: SealBook, *, max_total_bytes: int | None = None
) -> Report:
    """Check every file of a package against its manifest, and the manifest against the portal's seals."""
    report = Report("package")
    manifest = _read_manifest(archive, report)
    if manifest is None:
        return report
    _check_issued(manifest, report, seals)
    _check_lists(archive, manifest, report)
    entries = manifest["documents"]
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    sealed = seals.documents([entry["id"] for entry in entries])
    total = 0
    for entry in entries:
        path, expected, expected_size = entry["path"], entry["sha256"], entry["size"]
        info = members.get(path)
        if info is None:
            report.add("file_missing", False, path=path)
        else:
            total += info.file_size
            if max_total_bytes is not None and total > max_total_bytes:
                report.add("too_large", False, limit=max_total_bytes)
                return report
            try:
                with archive.open(info) as member:
                    found, found_size = _hash_stream(member)
            except (zipfile.BadZipFile, OSError):
                report.add("file_damaged", False, path=path)
            else:
                if (found, found_size) == (expected, expected_size):
                    report.add("file_intact", True, path=path, sha256=found, size=found_size)
                else:
                    report.add(
                        "file_changed",
                        False,
                        path=path,
                        found=found,
                        found_size=found_size,
                        expected=expected,
                        expected_size=expected_size,
                    )
        document = sealed.get(entry["id"])
        if document is None:
            report.add("seal_unknown", False, path=path, id=entry["id"])
        elif (document.sha256, document.size) != (expected, expected_size):
            report.add(
                "seal_differs",
                False,
                path=path,
                id=document.pk,
                sealed=document.sha256,
                sealed_size=document.size,
            )
        else:
            report.add("seal_matches", True, path=path, id=document.pk)
    listed = {entry["path"] for entry in entries} | set(LISTS)
    for path in sorted(set(members) - listed):
        report.add("file_extra", False, path=path)
    return report
