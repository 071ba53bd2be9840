"""The README's architecture block is the tree as it is (scripts/architecture.py makes it)."""
import importlib.util
from pathlib import Path

from tests import ROOT as ROOT_DIR

ROOT = Path(ROOT_DIR)


def architecture():
    spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readmes_architecture_block_matches_the_tree():
    tool = architecture()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.with_block(readme) == readme, "run: .venv/bin/python scripts/architecture.py --write"


def test_the_block_names_every_feature_package():
    block = architecture().block()
    for package in (ROOT / "workflow").iterdir():
        if (package / "__init__.py").exists():
            assert f"  {package.name}/" in block, package.name
