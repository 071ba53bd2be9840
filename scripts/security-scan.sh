#!/usr/bin/env bash
# Security scan of the demo village with sqlmap and wapiti3, on 127.0.0.1 only.
#
#   bash scripts/security-scan.sh
#
# What it does (docs/security-scan.md explains each choice):
#   1. makes a separate virtualenv .venv-scan with pinned sqlmap and wapiti3 from PyPI
#      (never the project's .venv, nothing in pyproject.toml);
#   2. creates a temporary SQLite database, runs `flask --app app seed-demo` on it and starts the
#      app with gunicorn from .venv on a free port of 127.0.0.1;
#   3. logs in through the real login form as a resident (warga1) and as the facilitator
#      (pendamping), keeping each session cookie (scripts/security_scan.py, stdlib urllib);
#   4. runs sqlmap (login form anonymously; the forms it crawls to; the pages with ids in their
#      path) and, at the same time, wapiti (crawl + attack) for each of the two sessions;
#   5. summarises both tools' findings into docs/security-scan.md (between its markers), stops the
#      server it started and exits 0 when nothing was found, 1 when something was (whatever
#      else happened), 2 when nothing was found but a scan did not run to completion or the
#      set-up failed.
#
# Environment:
#   SCAN_OUT   folder for the raw logs and reports (default: a new temporary folder; kept)
#   SCAN_DOC   the Markdown file whose last-run section is rewritten (default
#              docs/security-scan.md; set it empty to write no doc)
#   SCAN_VENV  the scanners' virtualenv (default .venv-scan at the repository root)
#   SCAN_PYTHON the Python that creates it (default python3)
set -euo pipefail
set -m  # every background job gets its own process group: the trap stops exactly those

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SQLMAP_VERSION=1.10.10   # newest on PyPI (pip index versions sqlmap)
WAPITI_VERSION=3.2.3     # newest wapiti3 that installs on Python 3.11 (3.3.x needs 3.12)
SCAN_VENV=${SCAN_VENV:-$ROOT/.venv-scan}
SCAN_PYTHON=${SCAN_PYTHON:-python3}
SCAN_DOC=${SCAN_DOC-$ROOT/docs/security-scan.md}
OUT=${SCAN_OUT:-}   # made below, once the checks have passed
HELPER=$ROOT/scripts/security_scan.py
RESIDENT=warga1
FACILITATOR=pendamping
PASSWORD=musyawarah
STARTED=$SECONDS
DEADLINE=$((SECONDS + 1500))   # every scan ends within 25 minutes of the start (set-up included)

say() { printf '[security-scan] %s\n' "$*"; }

# --- 0. the project's .venv must be there (make setup); the scanners get their own ----------
if [ ! -x "$ROOT/.venv/bin/flask" ] || [ ! -x "$ROOT/.venv/bin/gunicorn" ]; then
    say "no .venv with flask and gunicorn: run 'make setup' first"; exit 2
fi
case "$(cd "$(dirname "$SCAN_VENV")" 2>/dev/null && pwd)/$(basename "$SCAN_VENV")" in
    "$ROOT/.venv") say "SCAN_VENV must not be the project's .venv"; exit 2 ;;
esac
if [ ! -x "$SCAN_VENV/bin/python" ]; then
    say "creating $SCAN_VENV"
    "$SCAN_PYTHON" -m venv "$SCAN_VENV"
fi
installed=$("$SCAN_VENV/bin/python" - <<'EOF' 2>/dev/null || true
from importlib.metadata import version
print(f"{version('sqlmap')} {version('wapiti3')}")
EOF
)
if [ "$installed" != "$SQLMAP_VERSION $WAPITI_VERSION" ]; then
    say "installing sqlmap==$SQLMAP_VERSION wapiti3==$WAPITI_VERSION into $SCAN_VENV"
    if ! "$SCAN_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            "sqlmap==$SQLMAP_VERSION" "wapiti3==$WAPITI_VERSION" >"$SCAN_VENV/pip-install.log" 2>&1; then
        tail -20 "$SCAN_VENV/pip-install.log"; say "pip install failed"; exit 2
    fi
fi
SQLMAP=$SCAN_VENV/bin/sqlmap
WAPITI=$SCAN_VENV/bin/wapiti
PY=$SCAN_VENV/bin/python
[ -x "$SQLMAP" ] && [ -x "$WAPITI" ] || { say "sqlmap or wapiti missing in $SCAN_VENV"; exit 2; }

# --- 1. a temporary database, the demo village and the server --------------------------------
[ -n "$OUT" ] || OUT=$(mktemp -d -t musyawarah-scan.XXXXXX)
if [ -e "$OUT/runs" ]; then
    say "$OUT already holds a scan: give SCAN_OUT an empty or new folder"; exit 2
fi
mkdir -p "$OUT/runs" "$OUT/cookies"
WORK=$(mktemp -d -t musyawarah-scan-db.XXXXXX)
SERVER_PID=
STREAM_PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${STREAM_PIDS[@]}"; do   # scanner streams this script started (own groups)
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
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

PORT=$("$PY" "$HELPER" free-port)
BASE=https://127.0.0.1:$PORT
# The production configuration, as a village would run it: over TLS (a certificate made here
# for 127.0.0.1 and thrown away afterwards), so the session cookie is Secure and HSTS is sent.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    >/dev/null 2>&1 || { say "openssl could not make a certificate"; exit 2; }
export SCAN_CA=$WORK/cert.pem   # the helper's logins trust exactly this certificate
APP_ENV=(env MUSYAWARAH_ENV=production TRUSTED_PROXIES=0
         "DATABASE_URL=sqlite:///$WORK/scan.sqlite3"
         "SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')")
say "output in $OUT; seeding a temporary database"
# seed-demo refuses production (its accounts share one known password): the demo village is
# loaded as in development, then served in production.
"${APP_ENV[@]}" MUSYAWARAH_ENV=development "$ROOT/.venv/bin/flask" --app app seed-demo \
    >"$OUT/seed.log" 2>&1 \
    || { cat "$OUT/seed.log"; say "seed-demo failed"; exit 2; }
"${APP_ENV[@]}" "$ROOT/.venv/bin/gunicorn" --workers 2 --threads 4 --bind "127.0.0.1:$PORT" \
    --keep-alive 10 --no-control-socket --certfile "$WORK/cert.pem" --keyfile "$WORK/key.pem" \
    --access-logfile "$OUT/server-access.log" --error-logfile "$OUT/server-error.log" \
    'app:create_app()' </dev/null >/dev/null 2>&1 &
SERVER_PID=$!
"$PY" "$HELPER" wait-up "$BASE/login" 30
say "app (gunicorn, pid $SERVER_PID) on $BASE"

# --- 2. two sessions, through the login form ---------------------------------------------------
"$PY" "$HELPER" login "$BASE" "$RESIDENT" "$PASSWORD" "$OUT/cookies/$RESIDENT"
"$PY" "$HELPER" login "$BASE" "$FACILITATOR" "$PASSWORD" "$OUT/cookies/$FACILITATOR"

# --- 3. the scans --------------------------------------------------------------------------------
# run NAME TOOL ROLE LIMIT OUTPUT -- COMMAND...: one bounded scanner run, with its log, exit
# status and duration under $OUT (the summary reads them back).
run() {
    local name=$1 tool=$2 role=$3 limit=$4 output=$5 start=$SECONDS rc=0
    shift 6
    printf '%s\0' "$@" >"$OUT/runs/$name.cmd"   # the exact argv, NUL-separated
    printf '%s\t%s\t%s\t%s\n' "$tool" "$role" "$name.log" "$output" >"$OUT/runs/$name.info"
    if [ $((DEADLINE - SECONDS)) -lt "$limit" ]; then limit=$((DEADLINE - SECONDS)); fi
    if [ "$limit" -lt 20 ]; then   # no time left before the deadline: recorded as not run
        echo 124 >"$OUT/runs/$name.exit"; echo 0 >"$OUT/runs/$name.seconds"
        say "$name: not started, the script's time is up"; return
    fi
    say "$name: started (at most ${limit} s)"
    # --foreground keeps the scanner in this job's process group, so the trap reaches it too.
    TERM=dumb timeout --foreground --signal=INT --kill-after=30 "$limit" "$@" \
        </dev/null >"$OUT/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$OUT/runs/$name.exit"
    echo $((SECONDS - start)) >"$OUT/runs/$name.seconds"
    say "$name: exit $rc after $((SECONDS - start)) s"
}

Q=${BASE//./\\.}   # the base URL as a regular expression
# sqlmap, common to every run: level 3 (more boundaries and payloads: at level 1 it can miss an
# injection whose pages differ by a few bytes), risk 1 (no heavy or destructive payloads),
# SQLite payloads (the database under test), no redirects followed, never the headers that the
# app does not read (User-Agent, Referer) nor the signed session cookie.
# Over HTTPS, Flask-WTF refuses a POST whose Referer is not this site (browsers send one), so
# every sqlmap and wapiti request carries the site's own address as its Referer.
SQLMAP_COMMON=(--referer "$BASE/" --batch --level 3 --risk 1 --dbms=SQLite --ignore-redirects
               --answers=fuzzy=N
               --skip=User-Agent,Referer,session --timeout 10 --retries 3 --csrf-retries 2
               --disable-coloring)
# Forms: the CSRF token is one per session (Flask-WTF), so /account, a small page whose size
# does not change while the scan posts comments, serves fresh tokens for every form.
sqlmap_forms() {  # NAME ROLE LIMIT START CRAWL SCOPE
    local cookie
    cookie=$(cat "$OUT/cookies/$2.cookie")
    run "$1" sqlmap "$2" "$3" "$1" -- "$SQLMAP" -u "$4" --forms --crawl="$5" \
        --scope "$6" --crawl-exclude '/logout|/static/|[?&]comments=' \
        --cookie "$cookie" --drop-set-cookie --csrf-token=csrf_token --csrf-url="$BASE/account" \
        "${SQLMAP_COMMON[@]}" --output-dir "$OUT/$1" --report-json "$OUT/$1.json"
}
sqlmap_ids() {  # NAME ROLE LIMIT: the GET pages whose id is in the path (URI injection, '*')
    local cookie
    cookie=$(cat "$OUT/cookies/$2.cookie")
    # ...and the one query parameter a page reads (?comments=all: the older comments).
    printf '%s\n' "$BASE/programs/1*" "$BASE/rounds/1*" "$BASE/api/v1/programs/1*" \
        "$BASE/programs/1*/history" "$BASE/programs/1?comments=all" >"$OUT/$1.targets"
    run "$1" sqlmap "$2" "$3" "$1" -- "$SQLMAP" -m "$OUT/$1.targets" \
        --scope "^$Q/" --cookie "$cookie" --drop-set-cookie \
        "${SQLMAP_COMMON[@]}" --output-dir "$OUT/$1" --report-json "$OUT/$1.json"
}
# The login form, without a session (sqlmap keeps the cookie /login sets, for the token). A
# wrong password is a 401 and, after 5 failures per name or 20 per address in 15 minutes, a
# 429 (throttling): sqlmap must not stop at those. It runs after the two logins above, since
# its failures block further logins from 127.0.0.1 for 15 minutes.
sqlmap_login() {
    run sqlmap-login sqlmap anonymous 300 sqlmap-login -- "$SQLMAP" -u "$BASE/login" --forms \
        --scope "^$Q/login" --csrf-token=csrf_token --csrf-url="$BASE/login" --ignore-code=401,429 \
        "${SQLMAP_COMMON[@]}" --output-dir "$OUT/sqlmap-login" --report-json "$OUT/sqlmap-login.json"
}

# wapiti: its default modules without ssrf and ssl (both reach outside hosts), plus csrf; the
# DNS and HTTP endpoints that some payloads name point at this machine; no crash reports sent.
wapiti_scan() {  # NAME ROLE LIMIT MAX_SCAN_TIME MAX_ATTACK_TIME EXTRA...
    local name=$1 role=$2 limit=$3 scan=$4 attack=$5
    shift 5
    # wapiti stops itself (and writes its report) before the deadline would cut it off.
    if [ $((DEADLINE - SECONDS - 45)) -lt "$scan" ]; then scan=$((DEADLINE - SECONDS - 45)); fi
    if [ "$scan" -lt 1 ]; then scan=1; fi
    run "$name" wapiti "$role" "$limit" "$name.json" -- "$WAPITI" -u "$BASE/" --scope folder \
        -m "common,-ssrf,-ssl,csrf" --dns-endpoint localhost --endpoint "$BASE/" --no-bugreport \
        -H "Referer: $BASE/" \
        -c "$OUT/cookies/$role.wapiti.json" \
        -s "$BASE/programs/1" -s "$BASE/rounds/1" -s "$BASE/api/v1/programs/1" \
        -s "$BASE/programs/1/tally" -s "$BASE/programs/1/history" -s "$BASE/account" \
        -s "$BASE/admin" -x "$BASE/logout" -x "$BASE/static/*" "$@" --skip csrf_token \
        --max-scan-time "$scan" --max-attack-time "$attack" -t 10 \
        --flush-session --store-session "$WORK/wapiti-session-$name" \
        --store-config "$WORK/wapiti-config" -f json -o "$OUT/$name.json" -v 1
}
# Two streams side by side, about equally long. The account forms check a password (argon2,
# slow on purpose) for every payload, which makes the resident's forms the longest run.
stream_a() {
    sqlmap_login
    # Everything a resident can post, crawled from the program page (depth 3 reaches
    # /account/password); never /logout, /static, nor the new-program forms of rounds 2 and 3
    # (the same view and form as round 1's).
    sqlmap_forms sqlmap-forms-resident "$RESIDENT" 1140 "$BASE/programs/1" 3 \
        "^$Q/(?!logout|static/|rounds/(?!1/)[0-9]+/programs/new)(?!.*[?&]comments=)"
}
stream_b() {
    wapiti_scan wapiti-resident "$RESIDENT" 540 480 210 \
        -x "$BASE/rounds/2/programs/new" -x "$BASE/rounds/3/programs/new"
    # What only the facilitator sees: the resident's scan already covers the account pages,
    # the language switch and the new-program form.
    wapiti_scan wapiti-facilitator "$FACILITATOR" 300 240 90 \
        -x "$BASE/account*" -x "$BASE/language" -x "$BASE/rounds/*/programs/new"
    sqlmap_ids sqlmap-ids-resident "$RESIDENT" 90
    # The facilitator's own forms: the steps on the program page (and the round boards),
    # crawled from the program page.
    sqlmap_forms sqlmap-forms-facilitator "$FACILITATOR" 300 "$BASE/programs/1" 2 \
        "^$Q/(programs/[0-9]+(/(?!logout)|$)|rounds/[0-9]+$)"
    sqlmap_ids sqlmap-ids-facilitator "$FACILITATOR" 90
}

stream_a & STREAM_PIDS+=($!)
stream_b & STREAM_PIDS+=($!)
for pid in "${STREAM_PIDS[@]}"; do wait "$pid" || true; done
STREAM_PIDS=()

# --- 4. the summary ----------------------------------------------------------------------------
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "base_url=$BASE"
    echo "sqlmap_version=$("$PY" -c "from importlib.metadata import version; print(version('sqlmap'))")"
    echo "wapiti_version=$("$PY" -c "from importlib.metadata import version; print(version('wapiti3'))")"
    echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
    echo "server=gunicorn $("$ROOT/.venv/bin/gunicorn" --version 2>&1 | tr -dc '0-9.') (2 workers x 4 threads, TLS), MUSYAWARAH_ENV=production"
    echo "elapsed=$((SECONDS - STARTED))"
    echo "out=$OUT"
    echo "work=$WORK"
} >"$OUT/meta.env"
rc=0
"$PY" "$HELPER" summarize "$OUT" ${SCAN_DOC:+"$SCAN_DOC"} || rc=$?
say "raw logs and reports: $OUT"
[ -n "$SCAN_DOC" ] && say "summary written to $SCAN_DOC"
say "done in $((SECONDS - STARTED)) s, exit $rc"
exit "$rc"
