#!/usr/bin/env bash
# Lighthouse (mobile) on the demo village, on 127.0.0.1 only; the scores go to docs/lighthouse.md.
#
#   bash scripts/lighthouse.sh        (or: make lighthouse)
#
# What it does (docs/lighthouse.md explains each choice):
#   1. installs Lighthouse (pinned below) from npm into .lighthouse/ if it is not there: heavy,
#      and neither the app nor the tests need it, so it stays out of package.json;
#   2. seeds a temporary SQLite database with `flask --app app seed-demo` and serves it with
#      gunicorn from .venv on a free port of 127.0.0.1;
#   3. logs in as a resident through the real login form (scripts/security_scan.py login);
#   4. runs Lighthouse with Debian's Chromium on the home page, a round board and a program page
#      with the resident's session cookie, and on the login page without it (3 runs each, the
#      median counts);
#   5. writes the scores between the markers of docs/lighthouse.md, stops the server and exits 0
#      when every target is met (performance >= 95, accessibility 100, best practices >= 95),
#      1 when one is missed or a request left 127.0.0.1, 2 when the set-up or a run failed.
#
# Environment:
#   LIGHTHOUSE_OUT  folder for the raw JSON reports and logs (default .lighthouse/reports, emptied)
#   LIGHTHOUSE_DOC  the Markdown file whose last-run section is rewritten (default docs/lighthouse.md)
#   LIGHTHOUSE_RUNS runs per page; the median one counts (default 3)
set -euo pipefail
set -m  # the server gets its own process group: the trap stops exactly that

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

LIGHTHOUSE_VERSION=12.8.2   # the newest that runs on Node 20 (13.x needs Node 22)
PREFIX=$ROOT/.lighthouse
LIGHTHOUSE=$PREFIX/node_modules/.bin/lighthouse
OUT=${LIGHTHOUSE_OUT:-$PREFIX/reports}
DOC=${LIGHTHOUSE_DOC:-$ROOT/docs/lighthouse.md}
PY=$ROOT/.venv/bin/python
SCAN=$ROOT/scripts/security_scan.py   # free-port, wait-up, login (stdlib only)
HELPER=$ROOT/scripts/lighthouse_pages.py
RUNS=${LIGHTHOUSE_RUNS:-3}
RESIDENT=warga5
PASSWORD=musyawarah
export CHROME_PATH=/usr/bin/chromium
# Debian's Chromium, headless, and none of its own calls home (updates, sync, background fetches).
# Even so it looks up accounts.google.com, update.googleapis.com and clients2.google.com at
# start: the resolver rule answers "not found" for every name, so nothing leaves the machine.
CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-background-networking \
--disable-component-update --disable-sync --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"

say() { printf '[lighthouse] %s\n' "$*"; }

# --- 0. what it needs -------------------------------------------------------------------------
if [ ! -x "$ROOT/.venv/bin/flask" ] || [ ! -x "$ROOT/.venv/bin/gunicorn" ]; then
    say "no .venv with flask and gunicorn: run 'make setup' first"; exit 2
fi
[ -x "$CHROME_PATH" ] || { say "no $CHROME_PATH: run scripts/install-system-packages"; exit 2; }
if [ "$("$LIGHTHOUSE" --version 2>/dev/null || true)" != "$LIGHTHOUSE_VERSION" ]; then
    say "installing lighthouse@$LIGHTHOUSE_VERSION into $PREFIX"
    npm install --prefix "$PREFIX" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION"
fi

# --- 1. a temporary database, the demo village and the server -------------------------------
# Only a folder of an earlier run (or an empty or new one) is emptied.
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -e "$OUT/pages.tsv" ]; then
    say "$OUT holds other files: give LIGHTHOUSE_OUT an empty or new folder"; exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/pages.tsv"   # marks the folder as this script's; one line per page below
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true   # gunicorn's master stops its workers
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$("$PY" "$SCAN" free-port)
BASE=http://127.0.0.1:$PORT
APP_ENV=(env MUSYAWARAH_ENV=development TRUSTED_PROXIES=0
         "DATABASE_URL=sqlite:///$WORK/lighthouse.sqlite3"
         "SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')")
"${APP_ENV[@]}" "$ROOT/.venv/bin/flask" --app app seed-demo >"$OUT/seed.log" 2>&1 \
    || { cat "$OUT/seed.log"; say "seed-demo failed"; exit 2; }
"${APP_ENV[@]}" "$ROOT/.venv/bin/gunicorn" --workers 2 --threads 4 --bind "127.0.0.1:$PORT" \
    --no-control-socket --access-logfile "$OUT/server-access.log" \
    --error-logfile "$OUT/server-error.log" 'app:create_app()' </dev/null >/dev/null 2>&1 &
SERVER_PID=$!
"$PY" "$SCAN" wait-up "$BASE/login" 30
say "app (gunicorn, pid $SERVER_PID) on $BASE; reports in $OUT"

# --- 2. the resident's session ---------------------------------------------------------------
"$PY" "$SCAN" login "$BASE" "$RESIDENT" "$PASSWORD" "$WORK/$RESIDENT" >/dev/null
HEADERS=$("$PY" "$HELPER" headers "$WORK/$RESIDENT.cookie")

# --- 3. Lighthouse, page by page -------------------------------------------------------------
# page NAME PATH [logged-in]: RUNS mobile runs (the default form factor, simulated slow 4G);
# the summary keeps the median one, as Lighthouse's docs advise: the performance score moves
# with the machine's load, the other categories do not.
# No SEO or PWA category: their audits fetch robots.txt and the like, and are not targets.
# --max-wait-for-load keeps a stuck page from holding the run; `timeout` bounds the whole.
status=0
page() {
    local name=$1 url=$BASE$2 extra=() shown="" run
    if [ "${3:-}" = logged-in ]; then
        extra=(--extra-headers "$HEADERS")
        shown=" --extra-headers '{\"Cookie\": \"session=…\"}'"
    fi
    printf '%s\t%s\n' "$name" "$url" >>"$OUT/pages.tsv"
    printf 'lighthouse $BASE%s --only-categories=performance,accessibility,best-practices%s\n' \
        "$2" "$shown" >"$OUT/$name.cmd"
    for run in $(seq "$RUNS"); do
        say "$name: $url (run $run of $RUNS)"
        timeout --kill-after=10 180 "$LIGHTHOUSE" "$url" --quiet --no-enable-error-reporting \
            --only-categories=performance,accessibility,best-practices \
            --chrome-flags="$CHROME_FLAGS" --max-wait-for-load=20000 "${extra[@]}" \
            --output=json --output-path="$OUT/$name.$run.json" >"$OUT/$name.$run.log" 2>&1 \
            || { say "$name: lighthouse failed (exit $?), see $OUT/$name.$run.log"; status=2; }
    done
}
page home / logged-in
page round /rounds/1 logged-in
page program /programs/1 logged-in
page login /login

# --- 4. the scores -----------------------------------------------------------------------------
rc=0
"$PY" "$HELPER" summarize "$OUT" "$DOC" || rc=$?
[ "$status" -gt "$rc" ] && rc=$status
say "scores written to ${DOC#"$ROOT"/}; exit $rc"
exit "$rc"
