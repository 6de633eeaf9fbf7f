"""What the audit trail costs a page: case detail with and without the audit write (in-process client).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/audit_overhead.py

Builds a throwaway database with the demo data, then times N requests of the demo case's detail page as
the Shenzhen officer, once as shipped and once with the audit write replaced by a no-op. Prints the mean
and p95 per request and the ratio; the target (issue 3) is a ratio well under 2.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")  # tasks are queued, as in production
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # allow the test client's "testserver" host

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import get_runner  # noqa: E402


def timed(client, url, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def summary(samples):
    ordered = sorted(samples)
    return statistics.mean(samples), ordered[int(len(ordered) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from cases import demo
        from cases.models import JointCase
        from portal import services
        from portal.models import AuditEvent, User

        demo.load()
        case = JointCase.objects.get()
        client = Client()
        client.force_login(User.objects.get(username="sz_officer"))
        url = f"/cases/{case.pk}/"
        timed(client, url, 20)  # warm up
        before = AuditEvent.objects.count()
        with_audit = timed(client, url, args.n)
        written = AuditEvent.objects.count() - before
        real_audit = services.audit
        services.audit = lambda **kwargs: None
        import cases.views

        cases.views.audit = services.audit
        without = timed(client, url, args.n)
        cases.views.audit = real_audit
        (m1, p1), (m0, p0) = summary(with_audit), summary(without)
        print(f"database: {connection.vendor}, {args.n} requests each, {written} audit records written")
        print(f"case detail with audit:    mean {m1:6.2f} ms  p95 {p1:6.2f} ms")
        print(f"case detail without audit: mean {m0:6.2f} ms  p95 {p0:6.2f} ms")
        print(f"ratio (with / without):    mean {m1 / m0:.2f}  p95 {p1 / p0:.2f}")
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
