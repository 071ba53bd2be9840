"""Helper for scripts/security-scan.sh: log in, and summarise what sqlmap and wapiti found.

Standard library only, so that it runs with any Python 3.11 (the project's .venv or the
scanners' .venv-scan). Sub-commands:

    free-port                      print a free TCP port on 127.0.0.1
    wait-up URL [SECONDS]          wait until URL answers (any HTTP status)
    login BASE USER PASSWORD PREFIX
                                   log in through the real form (GET /login for the CSRF token,
                                   POST /login), load one page so that the session holds its
                                   CSRF secret, and write PREFIX.cookie (a Cookie header value for
                                   sqlmap) and PREFIX.wapiti.json (wapiti's JSON cookie file)
    summarize OUT_DIR [DOC]        parse the scanners' outputs under OUT_DIR, print a summary,
                                   write OUT_DIR/summary.md and (when DOC is given) put it between
                                   the markers of DOC; exit 0 when nothing was found, 1 when
                                   something was, 2 when a scan did not run to completion

Every URL it is handed must be on 127.0.0.1: the scan never leaves the machine.
"""
from __future__ import annotations

import csv
import glob
import http.cookiejar
import json
import os
import re
import shlex
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BEGIN = "<!-- BEGIN last-run: written by scripts/security-scan.sh; edits here are overwritten -->"
END = "<!-- END last-run -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def loopback_only(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        raise SystemExit(f"refusing {url!r}: the scan only ever targets 127.0.0.1")
    return url


# --- set-up ---------------------------------------------------------------------------------

def free_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        print(sock.getsockname()[1])


def tls() -> urllib.request.HTTPSHandler:
    """HTTPS that trusts the certificate the scan made for 127.0.0.1 (SCAN_CA), nothing else."""
    context = ssl.create_default_context(cafile=os.environ.get("SCAN_CA"))
    return urllib.request.HTTPSHandler(context=context)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # report redirects instead of following them
        return None


def wait_up(url: str, seconds: float = 30.0) -> None:
    loopback_only(url)
    opener = urllib.request.build_opener(tls(), NoRedirect)
    deadline = time.monotonic() + seconds
    while True:
        try:
            opener.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.3)


def login(base: str, user: str, password: str, prefix: str) -> None:
    base = loopback_only(base.rstrip("/"))
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(tls(), urllib.request.HTTPCookieProcessor(jar),
                                         NoRedirect)

    page = opener.open(f"{base}/login", timeout=10).read().decode()
    token = CSRF_FIELD.search(page)
    if not token:
        raise SystemExit("no csrf_token field on /login")
    form = urllib.parse.urlencode({"username": user, "password": password,
                                   "csrf_token": token.group(1)}).encode()
    try:
        # Over HTTPS, Flask-WTF wants the Referer a browser would send.
        opener.open(urllib.request.Request(f"{base}/login", form,
                                           headers={"Referer": f"{base}/login"}), timeout=10)
        raise SystemExit(f"logging in as {user} did not redirect: wrong password or throttled?")
    except urllib.error.HTTPError as answer:
        if answer.code != 302 or "/login" in answer.headers.get("Location", "/login"):
            raise SystemExit(f"logging in as {user} failed: HTTP {answer.code}") from None
    # The login clears the session (and its CSRF secret); the next page with a form puts a
    # new secret in the session cookie. From then on the cookie is stable and every token
    # that any page of this session shows is valid (WTF_CSRF_TIME_LIMIT is None).
    for _ in range(2):
        page = opener.open(f"{base}/account", timeout=10).read().decode()
    if "/logout" not in page or not CSRF_FIELD.search(page):
        raise SystemExit(f"the session of {user} does not open /account")
    cookies = [c for c in jar if c.name == "session"]
    if len(cookies) != 1:
        raise SystemExit(f"expected one session cookie, got {[c.name for c in jar]}")
    cookie = cookies[0]
    with open(f"{prefix}.cookie", "w", encoding="utf-8") as fh:
        fh.write(f"{cookie.name}={cookie.value}")
    # wapiti's JsonCookie format: {domain: {path: {name: attributes}}}; an IP is its own key.
    wapiti = {"127.0.0.1": {cookie.path or "/": {cookie.name: {
        "value": cookie.value, "expires": cookie.expires, "secure": bool(cookie.secure),
        "port": None, "version": 0}}}}
    with open(f"{prefix}.wapiti.json", "w", encoding="utf-8") as fh:
        json.dump(wapiti, fh)
    print(f"logged in as {user}")


# --- summary --------------------------------------------------------------------------------

def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", text)


def sqlmap_run(log_path: str, out_dir: str, report_json: str) -> dict:
    """What one sqlmap run tested and found: its console log, CSV of results and JSON report."""
    log = strip_ansi(read(log_path))
    tested, notes, problems, targets, excerpts, codes = [], [], [], [], [], []
    found: dict[tuple, str] = {}
    target = None
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\[\d+/\d+\] (Form|URL):", line) and i + 1 < len(lines):
            target = lines[i + 1].strip()
            targets.append(target)
        elif m := re.search(r"\[INFO\] testing URL '([^']+)'", line):
            target = f"GET {m.group(1)}"
            if target not in targets:
                targets.append(target)
        if m := re.search(r"\[WARNING\] (.*?parameter '([^']+)') does not seem to be injectable",
                          line):
            tested.append(f"{target}: {m.group(1)}")
        if re.search(r"might be vulnerable to|appears to be .*injectable|is vulnerable",
                     line) and "does not seem" not in line:
            notes.append(line.strip())
        if "HTTP error codes detected during run" in line and i + 1 < len(lines):
            codes.append(f"{target}: {lines[i + 1].strip()}")
        if ("[CRITICAL]" in line and "heavily dynamic" not in line) or (
                "[ERROR]" in line and "do not appear to be injectable" not in line):
            problems.append(line.strip())
    # The injection points as sqlmap prints them ("Parameter: x (POST)" blocks between ---).
    for block in re.findall(r"sqlmap identified the following injection point\(s\).*?\n---\n"
                            r"(.*?)\n---", log, re.S):
        excerpts.append(block.strip())
        for m in re.finditer(r"^Parameter: (\S+) \((\w+)\)", block, re.M):
            found.setdefault(("?", m.group(2).upper(), m.group(1)), "console")
    # The CSV of results (multiple-targets mode): one row per injectable parameter.
    for path in sorted(glob.glob(os.path.join(out_dir, "results-*.csv"))):
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            for row in csv.DictReader(fh):
                if row.get("Parameter"):
                    found[(row.get("Target URL", "?"), (row.get("Place") or "?").upper(),
                           row["Parameter"])] = " | ".join(f"{k}: {v}" for k, v in row.items())
    # --report-json: the TECHNIQUES entries (type 1) list the injections, as the REST API does.
    try:
        with open(report_json, encoding="utf-8") as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        report = {}
    for item in report.get("data") or []:
        if isinstance(item, dict) and item.get("type") == 1:
            for injection in item.get("value") or []:
                if isinstance(injection, dict) and injection.get("parameter"):
                    key = ("?", str(injection.get("place", "?")).upper(), injection["parameter"])
                    found.setdefault(key, json.dumps(injection)[:1500])
    # The same parameter may come from the CSV (with its URL) and the console (without): count
    # each (place, parameter) once per URL, and a URL-less one only when no row names it.
    named = {(place, param) for (url, place, param) in found if url != "?"}
    findings = {k: v for k, v in found.items() if k[0] != "?" or (k[1], k[2]) not in named}
    # A run that ended without testing a single parameter (an error page, a lost session…)
    # did not do its job, whatever its exit status.
    # So did one that skipped a target because of an error (CSRF token not found, 401…).
    skipped = [p for p in problems if "skipping to the next target" in p]
    finished = "[*] ending @" in log and bool(tested or findings) and not skipped
    return {"targets": targets, "tested": tested, "findings": findings, "excerpts": excerpts,
            "notes": notes, "problems": problems, "finished": finished, "codes": codes}


def wapiti_run(report_path: str, log_path: str) -> dict:
    try:
        with open(report_path, encoding="utf-8") as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        report = None
    log = strip_ansi(read(log_path))
    result = {"finished": report is not None, "vulnerabilities": {}, "anomalies": {},
              "additionals": {}, "crawled": 0, "problems": [], "stopped": []}
    for line in log.splitlines():
        if "Max attack time was reached" in line or "Max scan time was reached" in line:
            result["stopped"].append(line.strip())
        elif re.search(r"Traceback|\[!\]|error", line, re.I):
            result["problems"].append(line.strip())
    if report is None:
        result["problems"].append(f"no JSON report at {report_path}")
        return result
    for kind in ("vulnerabilities", "anomalies", "additionals"):
        for category, items in (report.get(kind) or {}).items():
            if items:
                result[kind][category] = items
    result["crawled"] = (report.get("infos") or {}).get("crawled_pages_nbr", 0)
    return result


def server_errors(out_dir: str) -> tuple[dict, dict]:
    """5xx answers in gunicorn's access log, and the exceptions in its error log."""
    answers: dict[str, int] = {}
    for line in read(os.path.join(out_dir, "server-access.log")).splitlines():
        m = re.search(r'"(\w+) ([^ ?"]+)[^"]*" (5\d\d) ', line)
        if m:
            key = f"{m.group(3)} {m.group(1)} {m.group(2)}"
            answers[key] = answers.get(key, 0) + 1
    exceptions: dict[str, int] = {}
    for tb in re.findall(r"Traceback \(most recent call last\):\n(.*?\n)(?=\S)(.*?)$",
                         read(os.path.join(out_dir, "server-error.log")), re.S | re.M):
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', tb[0])
        ours = [f for f in frames if "/site-packages/" not in f[0]]
        where = (f"{os.path.relpath(ours[-1][0], ROOT)}:{ours[-1][1]} in {ours[-1][2]}"
                 if ours else "(no frame of the app)")
        key = f"{tb[1].strip()}  <- {where}"
        exceptions[key] = exceptions.get(key, 0) + 1
    return answers, exceptions


def fence(text: str, limit: int = 4000) -> str:
    text = text.strip() or "(none)"
    if len(text) > limit:
        text = text[:limit] + "\n… (cut)"
    return "```\n" + text.replace("```", "\'\'\'") + "\n```"


def load_runs(out_dir: str) -> list[dict]:
    runs = []
    for info in sorted(glob.glob(os.path.join(out_dir, "runs", "*.info")),
                       key=os.path.getmtime):
        name = os.path.basename(info)[:-5]
        tool, role, log, output = read(info).strip().split("\t")
        base = os.path.join(out_dir, "runs", name)
        runs.append({"name": name, "tool": tool, "role": role, "log": log, "output": output,
                     "command": " ".join(shlex.quote(arg) for arg in
                                         read(base + ".cmd").split("\0") if arg),
                     "exit": read(base + ".exit").strip() or "?",
                     "seconds": read(base + ".seconds").strip() or "?"})
    return runs


def redact(text: str, out_dir: str, work: str = "") -> str:
    """Session cookies out, and the folders as $OUT and $WORK, so commands can be shown."""
    for path in glob.glob(os.path.join(out_dir, "cookies", "*.cookie")):
        value = read(path).strip()
        if value:
            user = os.path.basename(path)[:-7]
            text = text.replace(re.sub(r"([=;])", r"\\\1", value), f"\"$(cat $OUT/cookies/{user}.cookie)\"")
            text = text.replace(value, f"\"$(cat $OUT/cookies/{user}.cookie)\"")
    if work:
        text = text.replace(work, "$WORK")
    return text.replace(out_dir, "$OUT").replace(ROOT + "/", "")


def summarize(out_dir: str, doc: str | None) -> int:
    meta = dict(line.split("=", 1) for line in read(os.path.join(out_dir, "meta.env"))
                .splitlines() if "=" in line)
    md = [BEGIN, "", f"### Last run: {meta.get('date', '?')}", "",
          f"- Target: `{meta.get('base_url', '?')}`: a temporary SQLite database with the demo "
          f"village (`seed-demo`), served by {meta.get('server', '?')}; stopped at the end",
          f"- Tools: sqlmap {meta.get('sqlmap_version', '?')}, wapiti3 "
          f"{meta.get('wapiti_version', '?')} (in `.venv-scan`, Python "
          f"{meta.get('python', '?')})",
          f"- Wall time of the whole script: {meta.get('elapsed', '?')} s "
          f"(the two tools run side by side)",
          "- Raw logs and reports: in `$SCAN_OUT`, a temporary folder (not kept in the "
          "repository)", ""]
    totals = {"sqlmap": 0, "wapiti": 0}
    incomplete, details = [], []
    table = ["| run | session | finished | exit | seconds | tested | findings |",
             "|---|---|---|---|---|---|---|"]
    for run in load_runs(out_dir):
        name = run["name"]
        command = redact(run["command"], out_dir, meta.get("work", ""))
        part = [f"#### {name} ({run['tool']}, {run['role']})", "", fence(command), ""]
        if run["tool"] == "sqlmap":
            res = sqlmap_run(os.path.join(out_dir, run["log"]),
                             os.path.join(out_dir, run["output"]),
                             os.path.join(out_dir, run["output"] + ".json"))
            count = len(res["findings"])
            tested = f"{len(res['targets'])} targets, {len(res['tested'])} parameters"
            found = f"**{count}** injectable"
            part += ["Targets:", "", fence("\n".join(res["targets"])), "",
                     "Parameters sqlmap tested and reported 'does not seem to be injectable':",
                     "", fence("\n".join(res["tested"])), ""]
            if res["findings"]:
                part += ["**Injectable:**", "", fence("\n".join(
                    f"{url} {place} {param}: {detail}" for (url, place, param), detail
                    in res["findings"].items())), ""]
            if res["excerpts"]:
                part += ["sqlmap's own words:", "", fence("\n\n".join(res["excerpts"])), ""]
            if res["codes"]:
                part += ["HTTP error codes sqlmap saw (per target):", "",
                         fence("\n".join(res["codes"])), ""]
            if res["notes"]:
                part += ["Other notes from sqlmap:", "",
                         fence("\n".join(dict.fromkeys(res["notes"]))), ""]
            if res["problems"]:
                part += ["Problems:", "", fence("\n".join(dict.fromkeys(res["problems"]))), ""]
        else:
            res = wapiti_run(os.path.join(out_dir, run["output"]),
                             os.path.join(out_dir, run["log"]))
            counts = {f"{'vulnerability' if kind == 'vulnerabilities' else 'anomaly'}: {cat}":
                      len(items) for kind in ("vulnerabilities", "anomalies")
                      for cat, items in res[kind].items()}
            count = sum(counts.values())
            tested = f"{res['crawled']} URLs and forms"
            found = f"**{count}**" + (" (" + ", ".join(f"{k} {v}" for k, v in counts.items())
                                      + ")" if counts else "")
            for kind in ("vulnerabilities", "anomalies", "additionals"):
                label = {"vulnerabilities": "Vulnerability", "anomalies": "Anomaly",
                         "additionals": "Additional (information, not counted)"}[kind]
                for cat, items in res[kind].items():
                    lines = []
                    for item in items[:6]:
                        lines.append(f"{item.get('method', '')} {item.get('path', '')} "
                                     f"parameter={item.get('parameter') or '-'} "
                                     f"module={item.get('module', '')}: {item.get('info', '')}")
                        if item.get("curl_command"):
                            lines.append("  " + redact(item["curl_command"], out_dir)[:400])
                    if len(items) > 6:
                        lines.append(f"… and {len(items) - 6} more")
                    part += [f"{label} **{cat}** ({len(items)}):", "",
                             fence("\n".join(lines)), ""]
            if res["stopped"]:
                part += ["Time limits reached:", "", fence("\n".join(res["stopped"])), ""]
            if res["problems"]:
                part += ["Errors in wapiti's log:", "",
                         fence("\n".join(dict.fromkeys(res["problems"])), 2000), ""]
        totals[run["tool"]] += count
        finished = res["finished"] and run["exit"] == "0"
        if not finished:
            incomplete.append(name)
        status = "yes" if finished else ("**no: time limit**" if run["exit"] in ("124", "137")
                                         else "**no**")
        if finished and res.get("stopped"):
            modules = [m.group(1) for m in (re.search(r"module (\w+)", line)
                                            for line in res["stopped"]) if m]
            status += f" (time limit of module {', '.join(modules) or '?'})"
        table.append(f"| {name} | {run['role']} | {status} | "
                     f"{run['exit']} | {run['seconds']} | {tested} | {found} |")
        details += part
    md += table + ["", f"**Findings: sqlmap {totals['sqlmap']} injectable parameter(s); wapiti "
                   f"{totals['wapiti']} (vulnerabilities + anomalies).**"]
    if incomplete:
        md += ["", f"**Did not run to completion: {', '.join(incomplete)}** (see their logs)."]
    answers, exceptions = server_errors(out_dir)
    md += ["", "Server side during the scan (gunicorn's logs; not counted, evidence for the "
           "findings above):", "",
           fence("5xx answers:\n" + ("\n".join(f"  {n} x {k}" for k, n in answers.items())
                                      or "  none")
                 + "\nexceptions:\n" + ("\n".join(f"  {n} x {k}" for k, n in exceptions.items())
                                         or "  none")), ""]
    md += details + [END]
    text = "\n".join(md) + "\n"
    with open(os.path.join(out_dir, "summary.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    if doc:
        current = read(doc)
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            new = head + text.rstrip("\n") + rest.split(END, 1)[1]
        else:
            new = (current.rstrip("\n") + "\n\n" if current else "") + text
        os.makedirs(os.path.dirname(os.path.abspath(doc)), exist_ok=True)
        with open(doc, "w", encoding="utf-8") as fh:
            fh.write(new)
    print("\n".join(table))
    print(f"\nsqlmap: {totals['sqlmap']} injectable parameter(s); wapiti: {totals['wapiti']} "
          "vulnerabilities + anomalies" + (f"; did not finish: {', '.join(incomplete)}"
                                           if incomplete else ""))
    if totals["sqlmap"] or totals["wapiti"]:
        return 1
    return 2 if incomplete else 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == "free-port":
        free_port()
    elif command == "wait-up":
        wait_up(args[0], float(args[1]) if len(args) > 1 else 30.0)
    elif command == "login":
        login(*args)
    elif command == "summarize":
        return summarize(args[0], args[1] if len(args) > 1 else None)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
