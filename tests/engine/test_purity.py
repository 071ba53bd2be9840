"""workflow/engine is pure: importing all of it reaches no Flask, Jinja, SQLAlchemy or
sqlmodel, and no module of it reads the clock (the time is always passed in)."""
import ast
import os
import subprocess
import sys
from pathlib import Path

from tests import ROOT

ENGINE = os.path.join(ROOT, "workflow", "engine")
FORBIDDEN = ("flask", "flask_babel", "flask_htmx", "flask_wtf", "jinja2", "sqlalchemy",
             "sqlmodel", "werkzeug", "alembic", "psycopg")
# Calls that read the clock: the engine is told the time, it never asks for it.
CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
         ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"),
         ("time", "localtime"), ("time", "gmtime")}

PROBE = """
import importlib, pkgutil, sys
forbidden = {forbidden!r}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in forbidden:
            raise ImportError("the engine reached " + name)
sys.meta_path.insert(0, Block())
import workflow.engine as engine
for info in pkgutil.walk_packages(engine.__path__, "workflow.engine."):
    importlib.import_module(info.name)
reached = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
ours = sorted(m for m in sys.modules if m.startswith("workflow") and m != "workflow"
              and not m.startswith("workflow.engine"))
print(reached, ours)
assert not reached and not ours, (reached, ours)
"""


def engine_files():
    for folder, _, files in os.walk(ENGINE):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def test_importing_the_engine_reaches_no_framework_and_nothing_of_ours_outside_it():
    result = subprocess.run([sys.executable, "-c", PROBE.format(forbidden=FORBIDDEN)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def test_no_engine_module_reads_the_clock():
    found = []
    for path in engine_files():
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and (node.func.value.id, node.func.attr) in CLOCK):
                found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}")
    assert not found, f"the engine reads the clock at {found}"


def test_the_probe_would_notice_a_framework():
    """The import blocker is load-bearing: it refuses flask when asked for it."""
    probe = PROBE.format(forbidden=FORBIDDEN).replace("import workflow.engine as engine",
                                                      "import flask\nimport workflow.engine as engine")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "the engine reached flask" in result.stderr
