"""A built wheel holds every package under workflow/ (pyproject finds them; none is left out)."""
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

from setuptools import find_packages

from tests import ROOT


def packages_in_tree():
    found = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "workflow")):
        if "__init__.py" in files:
            found.add(os.path.relpath(folder, ROOT).replace(os.sep, "/"))
    return found


def test_pyproject_finds_every_subpackage():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        found = tomllib.load(fh)["tool"]["setuptools"]["packages"]["find"]
    listed = {name.replace(".", "/") for name in find_packages(ROOT, **found)}
    assert len(listed) > 10
    assert listed == packages_in_tree(), listed ^ packages_in_tree()


def test_the_wheel_holds_every_subpackage(tmp_path):
    # Built from a copy, so that the build leaves nothing in the checkout.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(os.path.join(ROOT, "workflow"), source / "workflow", ignore=skip)
    for name in ("pyproject.toml", "app.py", "README.md"):
        shutil.copy(os.path.join(ROOT, name), source / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                             "--no-build-isolation", "-q", "-w", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("musyawarah-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    in_wheel = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    assert len(packages_in_tree()) > 10
    assert packages_in_tree() <= in_wheel, packages_in_tree() - in_wheel
    assert "app.py" in names and "workflow/glossary/__main__.py" in names
