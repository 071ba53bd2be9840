"""A process template drawn as a top-to-bottom flow that fits a phone screen.

Pure: no Flask, no I/O, no clock. :func:`layout` turns a
:class:`~workflow.machine.Template` into plain dataclasses whose coordinates
are SVG user units in a ``WIDTH``-wide viewBox; ``templates/partial/diagram.html``
draws them.

The shape, top to bottom:

* The **main path** (the longest run of steps from the initial state) is one
  column of boxes. A "trunk" arrow on their left joins each box to the next,
  and the names of those steps are written beside the trunk, one per line.
* Every **other edge** (going back, like ``return``, or leaving the main path,
  like ``reject`` / ``withdraw``) branches off the trunk just below its source:
  its name is written on a line of its own there (above the trunk's own
  names), and the line runs right underneath the name to a lane in the right
  margin, along the lane and into the right side of its target. One lane per
  target, so edges to the same state merge.
* States **off the main path** (rejected, withdrawn) are listed below it,
  slightly indented, with no trunk arrow into them.

Only words are left to the page (translated labels); every length here is
chosen so the longest Indonesian label fits at 13-14 user units, which stays
at least 12 px on a 360 px wide phone.
"""
from dataclasses import dataclass

WIDTH = 320             # viewBox width; the svg is drawn at 100% of its box
MARGIN = 8
NODE_X = MARGIN
NODE_W = 252            # room for "Tuntutan sudah disampaikan" in bold at 14
NODE_H = 36
SIDE_INDENT = 24        # states off the main path sit a little to the right
TRUNK_DX = 18           # the trunk runs this far inside a box's left edge
LABEL_DX = 10           # step names start this far right of the trunk
LINE = 18               # one line of step names beside the trunk
BRANCH_LINE = 26        # one name with its line underneath, and room below it
GAP_PAD = 8             # above and below the lines in a gap
MIN_GAP = 22            # a gap with no names still shows its arrow
SIDE_GAP = 26           # between the main path and the states off it
SIDE_STEP = 12          # between two states off the main path
LANE_STEP = 12          # between two lanes in the right margin
NODE_FONT = 14
LABEL_FONT = 13


@dataclass(frozen=True)
class Node:
    state: str
    x: int
    y: int
    w: int
    h: int
    main: bool          # on the main path (else listed below it)
    final: bool         # one of the template's final states

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def trunk_x(self) -> int:
        return self.x + TRUNK_DX


@dataclass(frozen=True)
class Label:
    """One transition name, written with its baseline at (x, y)."""
    name: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    """All transitions from ``source`` to ``target`` (one drawn line)."""
    source: str
    target: str
    names: tuple        # transition names in template order, no repeats
    points: tuple       # ((x, y), ...) polyline; the arrowhead is at the last point
    labels: tuple       # Label per name
    kind: str           # "forward" (down the trunk) or "branch" (via a lane)

    @property
    def path(self) -> str:
        """The points as an SVG path ``d``."""
        return "M" + " L".join(f"{x} {y}" for x, y in self.points)


@dataclass(frozen=True)
class Diagram:
    name: str
    width: int
    height: int
    nodes: tuple
    edges: tuple
    node_font: int = NODE_FONT
    label_font: int = LABEL_FONT

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    def node(self, state: str) -> Node:
        return next(n for n in self.nodes if n.state == state)

    def edges_from(self, state: str) -> list:
        return [e for e in self.edges if e.source == state]


def main_path(template) -> tuple:
    """The longest simple path of states from the initial state.

    Ties go to the path found first, walking transitions in template order, so
    the result is deterministic. Templates have about ten states: a plain
    depth-first search is enough.
    """
    successors: dict = {}
    for transition in template.transitions:
        targets = successors.setdefault(transition.source, [])
        if transition.target not in targets:
            targets.append(transition.target)
    best = (template.initial,)

    def walk(path):
        nonlocal best
        if len(path) > len(best):
            best = path
        for target in successors.get(path[-1], ()):
            if target not in path:
                walk(path + (target,))

    walk(best)
    return best


def _pairs(template) -> list:
    """(source, target, names) per distinct pair, in template order."""
    pairs: dict = {}
    for transition in template.transitions:
        names = pairs.setdefault((transition.source, transition.target), [])
        if transition.name not in names:
            names.append(transition.name)
    return [(source, target, tuple(names)) for (source, target), names in pairs.items()]


def layout(template) -> "Diagram":
    """Positions for every state and every (source, target) edge of ``template``."""
    path = main_path(template)
    order = path + tuple(s for s in template.states if s not in path)
    for transition in template.transitions:  # a state only named by a transition
        for state in (transition.source, transition.target):
            if state not in order:
                order += (state,)
    index = {state: i for i, state in enumerate(order)}

    def is_forward(source, target):
        i = index[source]
        return source in path and i + 1 < len(path) and path[i + 1] == target

    pairs = _pairs(template)
    forward = {s: (s, t, names) for s, t, names in pairs if is_forward(s, t)}
    branches = [(s, t, names) for s, t, names in pairs if not is_forward(s, t)]
    # One lane per branch target: the highest target gets the innermost lane.
    lane_targets = sorted({t for _s, t, _n in branches}, key=index.__getitem__)
    first_lane = NODE_X + NODE_W + LANE_STEP
    step = LANE_STEP
    if len(lane_targets) > 1:
        step = min(LANE_STEP, (WIDTH - MARGIN // 2 - first_lane) // (len(lane_targets) - 1))
    lane_x = {t: first_lane + k * step for k, t in enumerate(lane_targets)}

    def branch_order(branch):
        # Going back: inner lanes first; going down: outer lanes first. Either
        # way a line ends its lane before the next line has to cross it.
        source, target, _names = branch
        back = index[target] <= index[source]
        lane = lane_targets.index(target)
        return (0, lane) if back else (1, -lane)

    # Lines written in the gap below each state: one per branch, leaving right
    # under the state, then the forward names, just above the arrowhead they name.
    lines: dict = {state: [] for state in order}
    for source, target, names in sorted(branches, key=lambda b: (index[b[0]],) + branch_order(b)):
        lines[source] += [(target, name, BRANCH_LINE) for name in names]
    for source, target, names in forward.values():
        lines[source] += [(target, name, LINE) for name in names]

    nodes, baselines = {}, {}
    y = MARGIN
    for i, state in enumerate(order):
        main = state in path
        if not main and i > 0 and order[i - 1] in path:
            y += SIDE_GAP
        x = NODE_X if main else NODE_X + SIDE_INDENT
        node = Node(state, x, y, NODE_X + NODE_W - x, NODE_H, main, state in template.final)
        nodes[state] = node
        y = node.bottom
        top = y + GAP_PAD
        for target, name, height in lines[state]:
            baselines[(state, target, name)] = top + LINE - 5
            top += height
        if lines[state]:
            y = top + GAP_PAD
        elif i + 1 < len(order) and order[i + 1] in path:
            y += MIN_GAP
        elif i + 1 < len(order) and not main:
            y += SIDE_STEP

    edges = []
    for source, target, names in pairs:
        src, tgt = nodes[source], nodes[target]
        labels = tuple(Label(name, src.trunk_x + LABEL_DX, baselines[(source, target, name)])
                       for name in names)
        if (source, target, names) == forward.get(source):
            points = ((src.trunk_x, src.bottom), (src.trunk_x, tgt.y))
            kind = "forward"
        else:
            under = labels[-1].y + 5  # the line runs just under the (last) name
            lane = lane_x[target]
            points = ((src.trunk_x, src.bottom), (src.trunk_x, under), (lane, under),
                      (lane, tgt.cy), (tgt.right, tgt.cy))
            kind = "branch"
        edges.append(Edge(source, target, names, points, labels, kind))

    return Diagram(name=template.name, width=WIDTH, height=y + MARGIN,
                   nodes=tuple(nodes[s] for s in order), edges=tuple(edges))
