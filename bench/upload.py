"""What a 1 GiB upload costs the web server: memory growth of the worker, and throughput against sha256sum.

    .venv/bin/python bench/upload.py                 # throwaway portal under gunicorn, 1 GiB
    .venv/bin/python bench/upload.py --size-mib 256  # smaller
    .venv/bin/python bench/upload.py --url http://127.0.0.1:8000 --pid <worker pid>   # a running portal

Without --url it builds a throwaway portal in a temporary folder (SQLite, the demo data, media and upload
temporary files in that folder, DEBUG off), starts gunicorn with one sync worker on a free loopback port,
logs in as the demo officer sz_officer (no two-factor code needed) and uploads a file of random bytes
through the case page's upload URL, streamed from disk. It prints:

- the worker's memory growth: peak resident set (VmHWM, reset through /proc/<pid>/clear_refs before the
  upload where the kernel allows it) minus the resident set before the upload; target under 64 MiB;
- the upload's throughput (bytes / seconds from the first byte sent to the answer, which comes after the
  file is stored and its seal re-checked) as a ratio of `sha256sum` over the same file; target >= 0.5.

It is a measurement, not a test: it prints numbers and exits 0 unless something broke.
"""

import argparse
import hashlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
MIB = 1024 * 1024
BOUNDARY = "----portal-bench-" + secrets.token_hex(8)
DEMO_USER, DEMO_PASSWORD = "sz_officer", "Demo#Portal2026"


# --- a tiny HTTP client with cookies (the session and CSRF cookies are Secure with DEBUG off: a browser
# would not send them over plain HTTP, so this client keeps them itself) ----------------------------


class Session:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}

    def _connection(self, timeout=3600):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _remember(self, response):
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _headers(self, extra=None):
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers | (extra or {})

    def request(self, method, path, body=None, headers=None):
        connection = self._connection()
        connection.request(method, path, body=body, headers=self._headers(headers))
        response = connection.getresponse()
        data = response.read()
        self._remember(response)
        connection.close()
        return response.status, response, data

    def csrf_token(self) -> str:
        return self.cookies["csrftoken"]


def login(session: Session, username: str, password: str) -> None:
    status, _, page = session.request("GET", "/accounts/login/")
    assert status == 200, f"login page answered {status}"
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    status, response, _ = session.request(
        "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302 and "sessionid" in session.cookies, f"login failed ({status})"


def first_case_path(session: Session) -> str:
    status, _, page = session.request("GET", "/cases/")
    assert status == 200, f"case list answered {status}"
    match = re.search(rb'href="(/cases/\d+/)"', page)
    assert match, "no case visible to the demo officer (load the demo data: manage.py load_demo)"
    path = match.group(1).decode()
    session.request("GET", path)  # the case page sets the CSRF cookie the upload form needs
    return path


def upload(session: Session, case_path: str, file: Path) -> tuple[float, int]:
    """Stream a multipart upload of the file; returns (seconds, status)."""
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{session.csrf_token()}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n基准测试录像\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{file.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    epilogue = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(preamble) + file.stat().st_size + len(epilogue)

    def body():
        yield preamble
        with file.open("rb") as source:
            while chunk := source.read(4 * MIB):
                yield chunk
        yield epilogue

    connection = session._connection()
    headers = session._headers(
        {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)}
    )
    start = time.perf_counter()
    connection.putrequest("POST", case_path + "documents/upload/", skip_host=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    for chunk in body():
        connection.send(chunk)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    session._remember(response)
    connection.close()
    return elapsed, response.status


# --- memory of the worker ---------------------------------------------------------------------------


def status_kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current resident set (Linux: write 5 to clear_refs); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


# --- the throwaway portal -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_environment(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + secrets.token_hex(16),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder / 'portal.sqlite3'}"),
        PORTAL_MEDIA_ROOT=str(folder / "media"),
        PORTAL_UPLOAD_TEMP_DIR=str(folder / "incoming"),
        PORTAL_MAIL_DIR=str(folder / "mail"),
        PORTAL_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
    )
    (folder / "incoming").mkdir(parents=True, exist_ok=True)
    return env


def start_portal(folder: Path) -> tuple[subprocess.Popen, str]:
    env = portal_environment(folder)
    for command in (["migrate", "--noinput", "-v0"], ["load_demo", "--force"]):
        subprocess.run(
            [str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    port = free_port()
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "1800",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = os.urandom(min(16 * MIB, remaining))
            digest.update(chunk)
            out.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def time_sha256sum(path: Path) -> float:
    best = None
    for _ in range(2):  # the first run also warms the page cache; take the better one
        start = time.perf_counter()
        subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--url", help="a running portal (then also --pid of its web worker)")
    parser.add_argument("--pid", type=int, help="the pid of the web worker process to watch")
    parser.add_argument("--username", default=DEMO_USER)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.url and not args.pid:
        parser.error("--url needs --pid (the web worker's process id)")

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-upload-"))
    server = None
    try:
        if args.url:
            url, worker = args.url.rstrip("/"), args.pid
        else:
            print(f"building a throwaway portal in {folder} …", flush=True)
            server, url = start_portal(folder)
            time.sleep(1)
            workers = children(server.pid)
            assert len(workers) == 1, f"expected one gunicorn worker, found {workers}"
            worker = workers[0]
        size = args.size_mib * MIB
        file = folder / "执法记录仪录像.bin"
        print(f"writing {args.size_mib} MiB of random bytes …", flush=True)
        expected = make_file(file, size)
        sha256sum_seconds = time_sha256sum(file)

        session = Session(url)
        login(session, args.username, args.password)
        case_path = first_case_path(session)
        warm = folder / "warm-up.bin"
        make_file(warm, MIB)
        upload(session, case_path, warm)  # load every code path of an upload before measuring

        before_rss = status_kib(worker, "VmRSS")
        peak_reset = reset_peak(worker)
        before_hwm = status_kib(worker, "VmHWM")
        seconds, status = upload(session, case_path, file)
        peak = status_kib(worker, "VmHWM")
        after_rss = status_kib(worker, "VmRSS")
        assert status == 302, f"the upload answered {status}"
        _, _, page = session.request("GET", case_path)
        sealed = expected.encode() in page

        growth_mib = (peak - before_rss) / 1024
        upload_rate = size / seconds / MIB
        hash_rate = size / sha256sum_seconds / MIB
        ratio = upload_rate / hash_rate
        print()
        print(
            f"file                      {args.size_mib} MiB, SHA-256 {expected[:16]}…, sealed on the case page: {sealed}"
        )
        print(f"sha256sum                 {sha256sum_seconds:8.2f} s   {hash_rate:8.1f} MiB/s")
        print(f"upload through gunicorn   {seconds:8.2f} s   {upload_rate:8.1f} MiB/s")
        print(
            f"throughput ratio          {ratio:8.2f}      (target >= 0.5)  {'OK' if ratio >= 0.5 else 'BELOW TARGET'}"
        )
        print(
            f"worker memory             RSS before {before_rss / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
            f"after {after_rss / 1024:.1f} MiB"
            + (
                ""
                if peak_reset
                else f" (peak not resettable here; peak before the upload {before_hwm / 1024:.1f} MiB)"
            )
        )
        print(
            f"peak memory growth        {growth_mib:8.1f} MiB  (target < 64 MiB)  {'OK' if growth_mib < 64 else 'ABOVE TARGET'}"
        )
        return 0 if sealed else 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
