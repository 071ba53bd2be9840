"""The process templates of workflow/engine/processes.py written out as Markdown.

Pure: reads the templates, returns text. docs/process-models.md carries this output
between two marker lines, remade with

    .venv/bin/python -m workflow.process_doc --write docs/process-models.md

and tests/system/test_setup.py fails when the document and the code disagree, so the tables
a newcomer reads are the machine the engine runs.
"""
import sys

from workflow.engine.machine import Template
from workflow.engine.processes import (
    ADMIN,
    AUTHOR,
    FACILITATOR,
    OFFICIAL,
    RESIDENT,
    STATE_LABELS,
    TEMPLATE_LABELS,
    TEMPLATES,
    TRANSITION_LABELS,
)

BEGIN = ("<!-- begin: made by `python -m workflow.process_doc` from workflow/processes.py;"
         " do not edit by hand -->")
END = "<!-- end: made by `python -m workflow.process_doc` -->"

# The people behind each role name, in the words the village uses.
ROLE_WORDS = {
    RESIDENT: "resident (warga)",
    FACILITATOR: "facilitator (pendamping)",
    OFFICIAL: "official (kepala desa)",
    ADMIN: "administrator",
    AUTHOR: "an author of the program",
}


def _cell(items, empty="–") -> str:
    return ", ".join(f"`{item}`" for item in items) or empty


def _guard_names(transition) -> list:
    return [guard.__name__ for guard in transition.guards]


def guards_used() -> list:
    """Every guard name any template uses, in order of first use."""
    seen = []
    for template in TEMPLATES.values():
        for transition in template.transitions:
            seen += [name for name in _guard_names(transition) if name not in seen]
    return seen


def states_table(template: Template) -> str:
    rows = []
    for state in template.states:
        kind = ("start" if state == template.initial
                else "end" if state in template.final else "")
        rows.append(f"| `{state}` | {STATE_LABELS[state]} | {kind} |")
    return "| state | shown as | |\n|---|---|---|\n" + "\n".join(rows)


def transitions_table(template: Template) -> str:
    rows = []
    for tr in template.transitions:
        who = ", ".join(ROLE_WORDS.get(role, role) for role in sorted(tr.roles))
        asks = (["reason"] if tr.needs_reason else []) + list(tr.asks)
        rows.append(f"| `{tr.name}` | {TRANSITION_LABELS[tr.name]} | `{tr.source}` | "
                    f"`{tr.target}` | {who} | {_cell(_guard_names(tr))} | {_cell(asks)} | "
                    f"{_cell(tr.effects)} |")
    return ("| step (`data-transition`) | shown as | from | to | who may fire it | guards "
            "| fields asked | effects |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))


def diagram(template: Template) -> str:
    """A Mermaid state diagram (GitHub draws it); one arrow per step record."""
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {template.initial}"]
    lines += [f"    {tr.source} --> {tr.target}: {tr.name}" for tr in template.transitions]
    lines += [f"    {state} --> [*]" for state in template.states if state in template.final]
    return "\n".join(lines + ["```"])


def section(template: Template) -> str:
    return "\n\n".join([
        f"### `{template.name}`: {TEMPLATE_LABELS[template.name]}",
        f"States (a program starts in `{template.initial}`; it ends in "
        f"{_cell(sorted(template.final))}):",
        states_table(template),
        "Steps, in the order the engine tries them (where two records share a name and a "
        "source, the first whose guards pass is the one that fires):",
        transitions_table(template),
        diagram(template),
    ])


def markdown() -> str:
    """The generated part of docs/process-models.md, markers included."""
    body = "\n\n".join(section(template) for template in TEMPLATES.values())
    return f"{BEGIN}\n\n{body}\n\n{END}\n"


def generated_part(document: str) -> str:
    """The text of ``document`` from the begin marker to the line after the end marker."""
    start, stop = document.index(BEGIN), document.index(END) + len(END)
    return document[start:stop] + "\n"


def rewrite(document: str) -> str:
    """``document`` with its generated part replaced by today's tables."""
    start, stop = document.index(BEGIN), document.index(END) + len(END) + 1
    return document[:start] + markdown() + document[stop:]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        path = sys.argv[2]
        with open(path, encoding="utf-8") as fh:
            text = rewrite(fh.read())
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(markdown(), end="")
