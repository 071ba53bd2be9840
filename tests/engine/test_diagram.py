"""The process diagram: the pure layout (workflow/engine/diagram.py) and its SVG partial.

The layout tests need no Flask; the render tests build a bare app (no seeded
database is needed to render a partial) and parse the output as XML.
"""
import os
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from flask import render_template_string

from tests import ROOT
from workflow.engine.diagram import LINE, Diagram, layout, main_path
from workflow.engine.processes import ACTION, LOCALITY, PLANNING, TEMPLATES

SVG = "{http://www.w3.org/2000/svg}"
ALL = pytest.mark.parametrize("template", [LOCALITY, PLANNING, ACTION], ids=lambda t: t.name)
# A 360 px phone less the page's and a card's padding leaves about 300 px for the svg.
PHONE_SVG_WIDTH = 300


def pairs(template) -> set:
    return {(t.source, t.target) for t in template.transitions}


def overlap(a, b) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


# The layout ---------------------------------------------------------------------

@ALL
def test_every_state_is_one_node(template):
    states = [node.state for node in layout(template).nodes]
    assert sorted(states) == sorted(template.states)
    assert len(states) == len(set(states))


@ALL
def test_every_source_target_pair_is_one_edge_named_by_its_transitions(template):
    diagram = layout(template)
    assert [(e.source, e.target) for e in diagram.edges] == list(dict.fromkeys(
        (t.source, t.target) for t in template.transitions))
    assert {(e.source, e.target) for e in diagram.edges} == pairs(template)
    for edge in diagram.edges:
        expected = {t.name for t in template.transitions
                    if (t.source, t.target) == (edge.source, edge.target)}
        assert set(edge.names) == expected and len(edge.names) == len(expected)
        assert [label.name for label in edge.labels] == list(edge.names)


@ALL
def test_nodes_do_not_overlap(template):
    for a, b in combinations(layout(template).nodes, 2):
        assert not overlap(a, b), (a.state, b.state)


@ALL
def test_everything_is_inside_the_view_box(template):
    diagram = layout(template)
    assert diagram.view_box == f"0 0 {diagram.width} {diagram.height}"
    for node in diagram.nodes:
        assert node.x >= 0 and node.right <= diagram.width, node
        assert node.y >= 0 and node.bottom <= diagram.height, node
        assert node.w > 0 and node.h > 0
    for edge in diagram.edges:
        for x, y in edge.points:
            assert 0 <= x <= diagram.width and 0 <= y <= diagram.height, edge
        for label in edge.labels:
            assert 0 <= label.x < diagram.width
            assert diagram.label_font <= label.y <= diagram.height, label


@ALL
def test_edges_leave_their_source_and_end_on_their_target(template):
    diagram = layout(template)
    for edge in diagram.edges:
        src, tgt = diagram.node(edge.source), diagram.node(edge.target)
        (x0, y0), (x1, y1) = edge.points[0], edge.points[-1]
        assert src.x < x0 < src.right and y0 == src.bottom
        on_top = y1 == tgt.y and tgt.x < x1 < tgt.right
        on_right = x1 == tgt.right and tgt.y < y1 < tgt.bottom
        assert on_top or on_right, edge
        # Lines only run up, down, left or right.
        for (ax, ay), (bx, by) in zip(edge.points, edge.points[1:]):
            assert ax == bx or ay == by, edge


@ALL
def test_step_names_have_their_own_lines_outside_the_boxes(template):
    diagram = layout(template)
    labels = [label for edge in diagram.edges for label in edge.labels]
    baselines = sorted(label.y for label in labels)
    assert all(b - a >= LINE for a, b in zip(baselines, baselines[1:]))
    for label in labels:
        top, bottom = label.y - diagram.label_font, label.y + 4
        for node in diagram.nodes:
            assert bottom <= node.y or top >= node.bottom, (label, node.state)


@ALL
def test_the_main_path_is_a_column_in_template_order_and_the_ends_below_it(template):
    diagram = layout(template)
    path = main_path(template)
    assert path[0] == template.initial and path[-1] == "evaluated"
    assert list(path) == [s for s in template.states if s in path]
    main = [n for n in diagram.nodes if n.main]
    assert [n.state for n in main] == list(path)
    assert len({n.x for n in main}) == 1
    assert all(a.bottom < b.y for a, b in zip(main, main[1:]))
    side = [n for n in diagram.nodes if not n.main]
    assert {n.state for n in side} == set(template.states) - set(path)
    assert {n.state for n in side} <= {"rejected", "withdrawn"}
    assert all(n.y > main[-1].bottom for n in side)
    forward = {(e.source, e.target) for e in diagram.edges if e.kind == "forward"}
    assert forward == set(zip(path, path[1:]))


def test_the_layout_is_deterministic_and_sized_for_a_phone():
    for template in TEMPLATES.values():
        assert layout(template) == layout(template)
        diagram = layout(template)
        assert isinstance(diagram, Diagram) and diagram.name == template.name
        smallest = min(diagram.label_font, diagram.node_font)
        assert smallest * PHONE_SVG_WIDTH / diagram.width >= 12


# The partial --------------------------------------------------------------------

@pytest.fixture
def diagram_app(tmp_path):
    from app import create_app
    return create_app({"TESTING": True, "SECRET_KEY": "t",
                       "DATABASE_URL": "sqlite:///" + str(tmp_path / "x.sqlite3")})


def render(app, template, current, **extra) -> str:
    with app.test_request_context():
        return render_template_string('{% include "partial/diagram.html" %}',
                                      diagram=layout(template), current=current, **extra)


def groups(svg, attribute) -> dict:
    return {g.get(attribute): g for g in svg.iter(SVG + "g") if g.get(attribute)}


def test_the_current_state_and_its_next_steps_are_marked(diagram_app):
    out = render(diagram_app, LOCALITY, "discussion")
    assert "style=" not in out
    svg = ET.fromstring(out.strip())  # well-formed XML
    assert svg.tag == SVG + "svg"
    assert svg.get("role") == "img" and svg.get("width") == "100%"
    assert svg.get("viewBox") == layout(LOCALITY).view_box
    title = svg.find(SVG + "title")
    assert title is not None and title.get("id") == svg.get("aria-labelledby")
    assert title.text.strip()

    nodes = groups(svg, "data-diagram-state")
    assert sorted(nodes) == sorted(LOCALITY.states)
    assert [s for s, g in nodes.items() if g.get("data-current") == "true"] == ["discussion"]
    here = nodes["discussion"]
    assert "\u25b6" in "".join(here.find(SVG + "text").itertext())  # a text marker, not colour alone
    assert float(here.find(SVG + "rect").get("stroke-width")) > float(
        nodes["voting"].find(SVG + "rect").get("stroke-width"))
    for g in nodes.values():
        assert g.find(SVG + "rect") is not None and g.find(SVG + "text") is not None

    edges = groups(svg, "data-diagram-edge")
    assert set(edges) == {f"{s} {t}" for s, t in pairs(LOCALITY)}
    next_names = {name for g in edges.values() if g.get("data-next") == "true"
                  for name in g.get("data-diagram-transitions").split()}
    assert next_names == {"open_voting", "open_majority_vote", "reject", "withdraw"}
    for key, g in edges.items():
        path = g.find(SVG + "path")
        nxt = key.startswith("discussion ")
        assert (g.get("data-next") == "true") == nxt, key
        assert (path.get("stroke-dasharray") is None) == nxt, key  # solid versus dashed
        marker = path.get("marker-end")[len("url(#"):-1]
        assert svg.find(f"{SVG}defs/{SVG}marker[@id='{marker}']") is not None
    # data-transition is the contract of real step controls; the picture never uses it.
    assert "data-transition=" not in out


@pytest.mark.parametrize("template", [LOCALITY, PLANNING, ACTION], ids=lambda t: t.name)
def test_a_round_page_draws_the_process_without_a_current_state(diagram_app, template):
    out = render(diagram_app, template, None)
    svg = ET.fromstring(out.strip())
    assert "style=" not in out and "data-current" not in out and "data-next" not in out
    assert all(p.get("stroke-dasharray") is None for p in svg.iter(SVG + "path"))
    assert len(groups(svg, "data-diagram-state")) == len(template.states)
    texts = list(svg.iter(SVG + "text"))
    assert all(float(t.get("font-size")) * PHONE_SVG_WIDTH / layout(template).width >= 12
               for t in texts)


def test_labels_are_escaped(diagram_app):
    out = render(diagram_app, PLANNING, "agreed", diagram_id="d1",
                 state_label=lambda s: f"<b>{s}</b> & co",
                 transition_label=lambda t: f'"{t}" <i>')
    svg = ET.fromstring(out.strip())
    words = ["".join(t.itertext()) for t in svg.iter(SVG + "text")]
    assert "\u25b6\ufe0e <b>agreed</b> & co" in words and '"approve" <i>' in words
    assert svg.find(SVG + "title").get("id") == "d1-title"
    assert svg.find(SVG + "b") is None and svg.find(SVG + "i") is None


def test_the_partial_uses_no_inline_style_and_no_safe_filter():
    with open(os.path.join(ROOT, "templates", "partial", "diagram.html"), encoding="utf-8") as fh:
        source = fh.read()
    assert "style=" not in source and "|safe" not in source.replace(" ", "")
