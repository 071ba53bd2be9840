"""Dependencies point one way, checked on the source with ast:

* workflow/engine imports nothing of ours outside workflow/engine;
* workflow/core imports nothing of ours but engine and core (no feature, no web);
* no commands.py or queries.py imports a views module or workflow.web;
* no views module imports another feature's views (shared answers live in modules of their own).
"""
import ast
import os
from pathlib import Path

from tests import ROOT

WORKFLOW = os.path.join(ROOT, "workflow")
ALLOWED = set()


def modules():
    """(dotted name, is package, path) of every module under workflow/."""
    for folder, _, files in os.walk(WORKFLOW):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                package = name == "__init__.py"
                yield dotted.removesuffix(".__init__"), package, path


def imports_of(dotted, package, path):
    """The absolute names of our modules that ``path`` imports (relative ones resolved)."""
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = dotted.split(".")
                base = base if package else base[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "workflow" or name.startswith("workflow.")}


def existing(name, known):
    """The longest prefix of ``name`` that is one of our modules (an import of a function
    names the module it comes from)."""
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def edges():
    found = list(modules())
    known = {dotted for dotted, _, _ in found}
    for dotted, package, path in found:
        for target in imports_of(dotted, package, path):
            target = existing(target, known)
            if target != "workflow" and (dotted, target) not in ALLOWED:
                yield dotted, target


def within(name, *packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_engine_imports_nothing_of_ours_outside_it():
    bad = [(a, b) for a, b in edges()
           if within(a, "workflow.engine") and not within(b, "workflow.engine")]
    assert not bad


def test_core_imports_no_feature_and_no_web():
    bad = [(a, b) for a, b in edges() if within(a, "workflow.core")
           and not within(b, "workflow.core", "workflow.engine")]
    assert not bad


def test_commands_and_queries_never_import_views():
    bad = [(a, b) for a, b in edges()
           if a.rsplit(".", 1)[-1] in ("commands", "queries")
           and (b.rsplit(".", 1)[-1] == "views" or within(b, "workflow.web"))]
    assert not bad


def test_no_views_module_imports_another():
    bad = [(a, b) for a, b in edges()
           if a.rsplit(".", 1)[-1] == "views" and b.rsplit(".", 1)[-1] == "views" and a != b]
    assert not bad


def test_the_walk_sees_the_imports():
    """Load-bearing: the walk finds imports we know are there."""
    found = set(edges())
    assert ("workflow.programs.commands", "workflow.engine.machine") in found
    assert ("workflow.voting.views", "workflow.programs.respond") in found
