"""axe-core (npm, pinned in package.json), run in a page to find WCAG 2.1 A and AA violations.

The pages' CSP allows no script but the site's own, so axe is injected only into contexts
made with ``bypass_csp=True``, kept apart from those the flows run in under the real CSP.
"""
import os

from tests import ROOT

AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => ({
    target: n.target.join(" "), html: n.html.slice(0, 200), why: n.failureSummary}))}));
}"""


def axe_violations(page) -> list:
    """The WCAG 2.1 A and AA violations axe finds in the page as it is now."""
    page.add_script_tag(path=AXE)
    return page.evaluate(RUN_AXE, WCAG21_AA)


def report(violations) -> str:
    """The violations, one rule a paragraph, with the elements and what to fix."""
    return "\n".join(f"  {v['id']} ({v['help']}):\n" + "\n".join(
        f"    {n['target']}: {n['html']}\n      {n['why']}".replace("\n  Fix", " Fix")
        for n in v["nodes"]) for v in violations)
