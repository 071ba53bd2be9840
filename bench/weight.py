"""What the main pages weigh on the wire: each page and the files it loads, gzipped.

Run with `make bench` (or `.venv/bin/python bench/weight.py`). Uses the village of
bench/pages.py (300 programs, 200 comments on program 1) and the Flask test client, asking
for gzip as a browser does. Prints response bodies only; the browser test
(tests/browser/test_thin_links.py) measures the same loads in Chromium, headers included,
against the 40 KB budget.
"""
import os
import re
import sys
import tempfile

from pages import build, demo

ASSET = re.compile(r'(?:href|src)="(/static/[^"#]+)')
GZIP = {"Accept-Encoding": "gzip"}
PAGES = ["/login", "/", "/rounds/1", "/rounds/3", "/rounds/1/programs/new", "/programs/1",
         "/programs/1?comments=all", "/programs/1/history", "/account"]


def weigh(client, url: str) -> tuple:
    """(raw bytes, gzip bytes) of one response body."""
    zipped = client.get(url, headers=GZIP)
    plain = client.get(url)
    assert zipped.status_code == 200, (url, zipped.status_code)
    return len(plain.data), len(zipped.data)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = build(f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}")
        client = app.test_client()
        print(f"{'page':28} {'page raw':>9} {'page gz':>8} {'files gz':>9} {'first load':>11}")
        for url in PAGES:
            if url == "/":  # the pages after the login page are seen by the facilitator
                token = re.search(r'name="csrf_token" value="([^"]+)"',
                                  client.get("/login").get_data(as_text=True)).group(1)
                client.post("/login", data={"username": "pendamping",
                                            "password": demo.PASSWORD, "csrf_token": token})
            raw, zipped = weigh(client, url)
            files = sorted(set(ASSET.findall(client.get(url).get_data(as_text=True))))
            assets = sum(weigh(client, path.replace("&amp;", "&"))[1] for path in files)
            print(f"{url:28} {raw:>9} {zipped:>8} {assets:>9} {zipped + assets:>11}")
        print("(bytes; 'files' are the stylesheet, scripts and icon sprite the page loads)")


if __name__ == "__main__":
    sys.exit(main())
