"""The stack's own limit for the page benchmark (issue 8): a bare view rendering a 25-row table of constant
data through the same middleware and base template as every page. Routed only when PORTAL_BENCHMARK_VIEWS
is set (bench/pages.sh sets it); never in production."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

ROWS = [
    {
        "number": f"深市监协〔2026〕{n:04d}号",
        "title": "抖音直播间保健食品虚假宣传案",
        "status": "调查中",
        "updated": "2026-12-01 10:00",
    }
    for n in range(1, 26)
]


@login_required
def bare_table(request):
    return render(request, "portal/bench_bare.html", {"rows": ROWS})
