"""The glossary page."""
from flask import Blueprint

from workflow.web.render import render

bp = Blueprint("glossary", __name__)


@bp.get("/glossary")
def page():
    """Every technical word with the word the pages use and a plain explanation; public."""
    return render("glossary/glossary.html")
