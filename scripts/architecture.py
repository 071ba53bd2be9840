"""The README's architecture block, made from the tree: one line per module of
``workflow/`` (its docstring's first line), one per templates and tests folder.

    .venv/bin/python scripts/architecture.py            # print the block
    .venv/bin/python scripts/architecture.py --write    # put it in README.md

The block sits between two markers in README.md; a test fails when it no longer matches
the tree, so a new module or feature shows up in the README with it.
"""
import argparse
import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- architecture: made by scripts/architecture.py -->"
END = "<!-- end of architecture -->"
WIDTH = 34  # the column where the descriptions start


def summary(path: Path) -> str:
    """The first line of a module's docstring (empty when it has none)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def line(name: str, text: str, indent: int) -> str:
    left = " " * indent + name
    return (left.ljust(WIDTH) + text).rstrip() if len(left) < WIDTH else left + "  " + text


def package_lines(folder: Path, indent: int) -> list:
    lines = []
    init = folder / "__init__.py"
    lines.append(line(folder.name + "/", summary(init) if init.exists() else "", indent))
    for path in sorted(folder.glob("*.py")):
        if path.name != "__init__.py":
            lines.append(line(path.name, summary(path), indent + 2))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        lines.extend(package_lines(sub, indent + 2))
    return lines


def folders(top: Path, indent: int) -> list:
    """A folder and its subfolders (templates/, tests/), one line each, with what is in them."""
    lines = []
    for folder, subdirs, files in sorted(os.walk(top)):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "__")))
        here = Path(folder)
        depth = len(here.relative_to(top).parts)
        shown = sorted(f for f in files if f.endswith((".html", ".py")) and f != "__init__.py")
        name = (here.name if depth else top.name) + "/"
        lines.append(line(name, ", ".join(shown), indent + 2 * depth))
    return lines


def block() -> str:
    lines = ["```"]
    for path in sorted(ROOT.glob("*.py")):
        lines.append(line(path.name, summary(path), 0))
    lines.extend(package_lines(ROOT / "workflow", 0))
    lines.extend(folders(ROOT / "templates", 0))
    lines.extend(folders(ROOT / "tests", 0))
    lines.append("```")
    return "\n".join(lines)


def with_block(readme: str) -> str:
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + block() + "\n" + readme[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    if args.write:
        readme = ROOT / "README.md"
        readme.write_text(with_block(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(block())


if __name__ == "__main__":
    main()
