#!/usr/bin/env bash
# Page benchmark (issue 8, DESIGN.md §9): the portal under gunicorn (2 workers, DEBUG off, persistent
# connections) on a loopback port, wrk -t2 -c8 against a bare 25-row view (the stack's limit) and the
# main pages, as a typical officer and leader of the largest bureau. Prints requests per second,
# p50/p90/p99 latency, the ratio to the bare view and the queries per page; checks every page is a 200
# of the expected page first.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
#     .venv/bin/python manage.py generate_scale_data --cases 100000 --yes   # once, minutes
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench bench/pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database filled by manage.py generate_scale_data}"
PORT=${PORT:-8765}
DURATION=${DURATION:-10}
PY=.venv/bin/python

export DJANGO_SETTINGS_MODULE=portal.settings DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_SECRET_KEY="bench-only-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,testserver DATABASE_CONN_MAX_AGE=600 PORTAL_BENCHMARK_VIEWS=1 LOG_LEVEL=WARNING

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y wrk >/dev/null; }
$PY manage.py collectstatic --noinput -v0
eval "$($PY manage.py bench_setup)"
echo "bureau $BUREAU: officer $OFFICER sees $OFFICER_CASES cases, leader $LEADER sees $LEADER_CASES cases"

.venv/bin/gunicorn portal.wsgi -w 2 -b "127.0.0.1:$PORT" --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done

# name | session | path | marker that proves it is the expected page (not a login redirect)
PAGES=(
  "bare view (limit)|$OFFICER_SESSION|/bench/bare/|data-testid=\"bare-table\""
  "case list|$OFFICER_SESSION|/cases/|data-testid=\"case-table\""
  "approval queue|$LEADER_SESSION|/queue/|data-testid=\"queue-outgoing\""
  "case detail|$OFFICER_SESSION|/cases/$CASE_ID/|data-testid=\"case-number\""
  "request detail|$OFFICER_SESSION|/requests/$REQUEST_ID/|data-testid=\"request-status\""
  "notifications|$OFFICER_SESSION|/notifications/|data-testid=\"notifications\""
)

for page in "${PAGES[@]}"; do
  IFS='|' read -r name session path marker <<<"$page"
  body=$(curl -s -w '\n%{http_code}' -H "Cookie: sessionid=$session" "http://127.0.0.1:$PORT$path")
  status=${body##*$'\n'}
  if [ "$status" != 200 ] || ! grep -qF "$marker" <<<"$body"; then
    echo "FAIL: $name ($path) answered $status without $marker" >&2
    exit 1
  fi
done

declare -A QUERIES
while read -r _ path count; do QUERIES[$path]=$count; done < <(
  $PY manage.py bench_queries "$OFFICER_SESSION" /bench/bare/ /cases/ "/cases/$CASE_ID/" "/requests/$REQUEST_ID/" /notifications/
  $PY manage.py bench_queries "$LEADER_SESSION" /queue/
)

printf '\n%-18s %10s %9s %9s %9s %8s %8s\n' page "req/s" p50 p90 p99 ratio queries
BARE=""
for page in "${PAGES[@]}"; do
  IFS='|' read -r name session path marker <<<"$page"
  out=$(wrk -t2 -c8 -d"${DURATION}s" --latency -H "Cookie: sessionid=$session" "http://127.0.0.1:$PORT$path")
  if grep -q "Non-2xx" <<<"$out"; then echo "FAIL: $name had non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p90=$(awk '$1=="90%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  BARE=${BARE:-$rps}
  ratio=$(awk -v a="$rps" -v b="$BARE" 'BEGIN {printf "%.2f", a / b}')
  printf '%-18s %10s %9s %9s %9s %8s %8s\n' "$name" "$rps" "$p50" "$p90" "$p99" "$ratio" "${QUERIES[$path]:-?}"
done
echo
echo "targets (DESIGN.md §9): case list and queue ratio >= 0.33, case detail >= 0.25"
