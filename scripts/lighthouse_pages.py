"""Helper for scripts/lighthouse.sh: the Cookie header, and the scores into docs/lighthouse.md.

Standard library only. Logging in, the free port and the wait for the server are
scripts/security_scan.py's (``login`` writes PREFIX.cookie, the Cookie header value).
Sub-commands:

    headers COOKIE_FILE            print the JSON for Lighthouse's --extra-headers
    summarize OUT_DIR DOC          read OUT_DIR/NAME.RUN.json (Lighthouse's reports, several
                                   runs per page; OUT_DIR/NAME.cmd, its command), keep each page's
                                   median run, check every request stayed on 127.0.0.1, print the
                                   scores and the audits that lost points and write them between
                                   the markers of DOC; exit 0 when every target is met, 1 when
                                   one is missed, 2 when a page has no report
"""
from __future__ import annotations

import datetime
import glob
import json
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

BEGIN = "<!-- BEGIN last-run: written by scripts/lighthouse.sh; edits here are overwritten -->"
END = "<!-- END last-run -->"
# The targets, as Lighthouse scores (0-100).
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
TITLES = {"performance": "performance", "accessibility": "accessibility",
          "best-practices": "best practices"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def headers(cookie_file: str) -> None:
    with open(cookie_file, encoding="utf-8") as fh:
        print(json.dumps({"Cookie": fh.read().strip()}))


def outside_requests(report: dict) -> list:
    """The URLs the page requested that are not on 127.0.0.1 (none is expected)."""
    items = (report["audits"].get("network-requests", {}).get("details") or {}).get("items", [])
    outside = []
    for item in items:
        url = urllib.parse.urlsplit(item.get("url", ""))
        if url.scheme not in LOCAL_SCHEMES and url.hostname != "127.0.0.1":
            outside.append(item["url"])
    return outside


def lost_points(report: dict, category: str) -> list:
    """The category's weighted audits that scored below 1: (id, title, score, shown value)."""
    lost = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
            lost.append((ref["id"], audit["title"], audit["score"],
                         audit.get("displayValue", "")))
    return lost


def browser_version() -> str:
    """The Chromium Lighthouse drove, as it names itself (the report's user agent is reduced)."""
    try:
        answer = subprocess.run([os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
                                 "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    found = re.match(r"\S+ [0-9.]+", answer.stdout.strip())
    return found.group(0) if found else ""


def performance(report: dict) -> int:
    score = report["categories"]["performance"]["score"]
    return -1 if score is None else round(score * 100)


def reports(out: str, name: str) -> list:
    """The page's readable reports (NAME.1.json, NAME.2.json...), lowest performance first."""
    found = []
    for path in sorted(glob.glob(os.path.join(out, f"{glob.escape(name)}.*.json"))):
        try:
            with open(path, encoding="utf-8") as fh:
                found.append(json.load(fh))
        except (OSError, ValueError):
            print(f"{name}: unreadable report {path}")
    return sorted(found, key=performance)


def summarize(out: str, doc: str) -> int:
    names = [line.split("\t") for line in Path(out, "pages.tsv").read_text(encoding="utf-8").splitlines()]
    rows, notes, agents, status = [], [], [], 0
    for name, url in names:
        with open(os.path.join(out, f"{name}.cmd"), encoding="utf-8") as fh:
            command = fh.read().strip()
        runs = reports(out, name)
        if not runs:
            print(f"{name}: no report (see the logs in {out})")
            rows.append(f"| {name} | no report | | | | | |")
            status = max(status, 2)
            continue
        report = runs[(len(runs) - 1) // 2]  # the median run by performance score
        every = ", ".join(str(performance(r)) for r in runs)
        for run in runs:
            if run.get("runtimeError"):
                notes.append(f"- {name}: Lighthouse error {run['runtimeError'].get('code')}")
                status = max(status, 2)
        scores = {}
        for category, target in TARGETS.items():
            score = report["categories"][category]["score"]
            scores[category] = None if score is None else round(score * 100)
            if scores[category] is None or scores[category] < target:
                status = max(status, 1)
                for audit, title, value, shown in lost_points(report, category):
                    notes.append(f"- {name}, {TITLES[category]}: `{audit}` ({title}) "
                                 f"scored {value:.2f}{' — ' + shown if shown else ''}")
        # A lost session would redirect to /login and measure the wrong page.
        for run in runs:
            if run.get("finalDisplayedUrl") != url:
                notes.append(f"- {name}: ended on {run.get('finalDisplayedUrl')}, not {url}")
                status = max(status, 2)
        for url_outside in sorted({url for run in runs for url in outside_requests(run)}):
            notes.append(f"- {name}: request outside 127.0.0.1: {url_outside}")
            status = max(status, 1)
        agents.append(report["environment"]["hostUserAgent"])
        date = report["fetchTime"][:16].replace("T", " ") + " UTC"
        cells = [f"{scores[c]}" if scores[c] is not None else "–" for c in TARGETS]
        if len(runs) > 1:
            cells[0] += f" ({every})"
        rows.append(f"| {name} (`{urllib.parse.urlsplit(url).path}`) | {' | '.join(cells)} "
                    f"| {date} | {report['lighthouseVersion']} | `{command}` |")
    header = ("| page | performance | accessibility | best practices | date | Lighthouse "
              "| command |\n|---|---|---|---|---|---|---|")
    targets = ", ".join(f"{TITLES[c]} ≥ {t}" for c, t in TARGETS.items())
    verdict = {0: "every target met", 1: "a target missed",
               2: "a run failed"}[status]
    chromium = browser_version() or (re.findall(r"Chrome/[0-9.]+", " ".join(agents)) or
                                     ["Chromium"])[0]
    section = "\n".join([
        BEGIN, "", f"Targets: {targets}. Result: **{verdict}** "
        f"(written {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{chromium}, mobile, simulated throttling).", "",
        header, *rows, "",
        "`$BASE` is the demo's address on 127.0.0.1; every run also has the script's "
        "`--chrome-flags`, `--max-wait-for-load` and `--output` options. Performance: the "
        "median run, every run's score in brackets.", "",
        "Below a target, failed or outside 127.0.0.1:" if notes else
        "No page is below a target, and every request stayed on 127.0.0.1.",
        *notes, "", END])
    print(section)
    with open(doc, encoding="utf-8") as fh:
        text = fh.read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    with open(doc, "w", encoding="utf-8") as fh:
        fh.write(text[:start] + section + text[end:])
    return status


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "headers":
        headers(*args)
    elif command == "summarize":
        sys.exit(summarize(*args))
    else:
        sys.exit(__doc__)
