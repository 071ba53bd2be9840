"""A newcomer's set-up: the documents the README points to are in the repository and agree
with the code, `make run` installs only what serving needs, and a production start without
SECRET_KEY ends in one clear line instead of a traceback."""
import json
import os
import re
import socket
import subprocess
import sys
import tomllib

import pytest

from app import MISSING_SECRET_KEY, ConfigurationError, check_environment, create_app
from tests import ROOT
from workflow import demo, process_doc
from workflow.engine.processes import TEMPLATES


def read(*parts) -> str:
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SECRET_KEY in production -------------------------------------------------------------

def production_env(tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "FLASK_APP", "FLASK_DEBUG")}
    env.update(MUSYAWARAH_ENV="production", PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}")
    return env


@pytest.mark.parametrize("command", [["migrate"], ["run", "--host", "127.0.0.1", "--port"]])
def test_flask_without_a_secret_key_in_production_says_one_line(tmp_path, command):
    if command[-1] == "--port":
        command = command + [str(free_port())]
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *command],
                            cwd=ROOT, env=production_env(tmp_path), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"Error: {MISSING_SECRET_KEY}"], result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "production.sqlite3").exists()  # nothing was migrated


def gunicorn(tmp_path, *options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", *options, "--no-control-socket",
         "--bind", f"127.0.0.1:{free_port()}", "app:create_app()"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=60)


def test_gunicorn_without_a_secret_key_in_production_says_one_line(tmp_path):
    """The README's command, several workers, from the repository (gunicorn.conf.py)."""
    result = gunicorn(tmp_path, "--workers", "3")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count(MISSING_SECRET_KEY) == 1, result.stderr
    assert "Booting worker" not in result.stderr  # stopped in the master, before any fork
    assert not (tmp_path / "production.sqlite3").exists()


def test_a_gunicorn_worker_without_the_config_file_says_it_too(tmp_path):
    """Started with another config file, the worker's own failure is one line as well."""
    empty = tmp_path / "gunicorn.conf.py"
    empty.write_text("")
    result = gunicorn(tmp_path, "--config", str(empty), "--workers", "1")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count(MISSING_SECRET_KEY) == 1, result.stderr


def test_the_message_says_what_to_do():
    assert MISSING_SECRET_KEY.startswith("SECRET_KEY must be set in production: export "
                                         "SECRET_KEY=")
    assert "secrets.token_hex(32)" in MISSING_SECRET_KEY and "\n" not in MISSING_SECRET_KEY
    with pytest.raises(ConfigurationError, match="^SECRET_KEY must be set in production"):
        create_app({"DATABASE_URL": "sqlite://", "MUSYAWARAH_ENV": "production",
                    "SECRET_KEY": None})
    with pytest.raises(ConfigurationError):
        check_environment({"MUSYAWARAH_ENV": "production", "SECRET_KEY": ""})
    check_environment({"MUSYAWARAH_ENV": "production", "SECRET_KEY": "k" * 64})
    check_environment({})  # development needs no key


# --- installing: `make run` takes only what serving needs ----------------------------------

def dry_run(*target) -> list:
    """The commands `make` would run from scratch (-B: as if nothing were installed)."""
    # Not the flags of a `make test` that may be running this very test.
    env = {key: value for key, value in os.environ.items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "--no-print-directory", "-n", "-B", *target], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.splitlines()


def installs(lines) -> list:
    return [line for line in lines if re.search(r"pip install|npm (ci|install)", line)]


def test_make_run_installs_only_the_runtime():
    steps = installs(dry_run("run", "PORT=5999"))
    assert any(re.search(r"pip install .*-e \.$", line) for line in steps), steps
    assert not any("[test]" in line for line in steps), steps
    npm = [line for line in steps if line.startswith("npm")]
    assert npm and all("--omit=dev" in line for line in npm), steps


def test_make_test_installs_the_test_tools():
    steps = installs(dry_run("test"))
    assert any('-e ".[test]"' in line for line in steps), steps
    assert any(line.startswith("npm ci") and "--omit" not in line for line in steps), steps


def test_test_tools_are_test_dependencies_only():
    project = tomllib.loads(read("pyproject.toml"))["project"]
    runtime = {re.split(r"[=<>\[ ]", dep)[0].lower() for dep in project["dependencies"]}
    tests = {re.split(r"[=<>\[ ]", dep)[0].lower()
             for dep in project["optional-dependencies"]["test"]}
    assert {"pytest", "hypothesis", "playwright"} <= tests
    assert not runtime & {"pytest", "hypothesis", "playwright"}
    package = json.loads(read("package.json"))
    assert set(package["dependencies"]) == {"htmx.org"}  # all that serving takes from npm
    assert {"axe-core", "vnu-jar"} <= set(package["devDependencies"])
    lock = json.loads(read("package-lock.json"))
    root = lock["packages"][""]
    assert root.get("dependencies") == package["dependencies"]
    assert root.get("devDependencies") == package["devDependencies"]
    for kind, dev in (("dependencies", False), ("devDependencies", True)):
        for name, version in package[kind].items():
            locked = lock["packages"][f"node_modules/{name}"]
            assert locked["version"] == version, name
            assert locked.get("dev", False) is dev, name


# --- the documents ------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_names_no_path_outside_the_repository():
    readme = read("README.md")
    for outside in ("DESIGN.md", "seed/", "intervensi-komunitas", "../"):
        assert outside not in readme, outside
    for doc in ("docs/domain.md", "docs/process-models.md", "docs/contract.md"):
        assert f"]({doc})" in readme, doc


@pytest.mark.parametrize("document", ["README.md", "docs/domain.md", "docs/process-models.md",
                                      "docs/contract.md"])
def test_every_link_of_the_documents_leads_into_the_repository(document):
    folder = os.path.dirname(os.path.join(ROOT, document))
    for target in LINK.findall(read(document)):
        if re.match(r"[a-z]+:", target):
            continue  # a web address, not a file
        path = os.path.normpath(os.path.join(folder, target))
        assert path.startswith(ROOT + os.sep) and os.path.exists(path), (document, target)


def test_the_process_tables_agree_with_the_templates():
    document = read("docs", "process-models.md")
    assert process_doc.generated_part(document) == process_doc.markdown(), (
        "docs/process-models.md is stale: run .venv/bin/python -m workflow.process_doc "
        "--write docs/process-models.md")
    for template in TEMPLATES.values():
        for transition in template.transitions:
            row = (f"| `{transition.name}` | {process_doc.TRANSITION_LABELS[transition.name]} | "
                   f"`{transition.source}` | `{transition.target}` |")
            assert row in document


def test_every_guard_is_explained_outside_the_tables():
    document = read("docs", "process-models.md")
    prose = document[:document.index(process_doc.BEGIN)]
    missing = [name for name in process_doc.guards_used() if f"| `{name}` |" not in prose]
    assert missing == [], f"explain these guards in docs/process-models.md: {missing}"


def contract_section(title: str) -> str:
    document = read("docs", "contract.md")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", document, re.S | re.M)
    assert match, f"no '## {title}' in docs/contract.md"
    return match.group(1)


def test_the_contract_lists_exactly_the_routes_of_today():
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(path, method)
              for methods, path in re.findall(r"^\| ([A-Z, ]+) \| `([^`]+)` \|",
                                              contract_section("Routes today"), re.M)
              for method in methods.split(", ")}
    missing, gone = sorted(served - listed), sorted(listed - served)
    assert missing == [], f"add these routes to docs/contract.md, Routes today: {missing}"
    assert gone == [], f"docs/contract.md lists routes the app does not serve: {gone}"


def test_the_contract_names_every_command_and_demo_account():
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    commands = contract_section("Commands")
    for name in app.cli.list_commands(None):
        assert f"flask --app app {name}" in commands, name
    accounts = contract_section("Demo accounts")
    for username, _, role in demo.STAFF:
        assert f"`{username}`" in accounts and role in accounts
    assert f"`{demo.PASSWORD}`" in accounts


def test_every_hook_the_contract_promises_today_is_in_the_templates():
    templates = ""
    for folder, _, files in os.walk(os.path.join(ROOT, "templates")):
        templates += "".join(read(folder, name) for name in files if name.endswith(".html"))
    today = contract_section("Hooks and fields today")
    hooks = set(re.findall(r"`(data-[a-z-]+)", today))
    assert len(hooks) > 10
    assert sorted(hook for hook in hooks if hook not in templates) == []
    actions = set(re.findall(r'data-action="([a-z-]+)"', today))
    assert len(actions) > 5
    assert sorted(a for a in actions if f'data-action="{a}"' not in templates) == []
