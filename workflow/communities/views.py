"""Setting up a community: creating it (site administrators), its details and its dusun."""
from flask import Blueprint, Response, abort, g, request, url_for
from flask_babel import format_decimal, gettext

from workflow.communities import commands, imports, queries
from workflow.communities.models import Community
from workflow.core.db import get_session
from workflow.engine.dates import ZONES
from workflow.engine.people import GENDERS, TAGS
from workflow.engine.reasons import Refusal
from workflow.web.login import login_required
from workflow.web.render import explain, field_errors, flash_done, go_to, now, refused, render

bp = Blueprint("communities", __name__, url_prefix="/communities")


def _form_page(status=200, form=None, errors=None, message=None):
    return render("communities/new.html", "communities/partial/new.html", status,
                  form=form or {}, errors=errors or {}, message=message,
                  kinds=commands.KINDS, zones=ZONES, community=None)


@bp.get("/new")
@login_required
def new():
    """The form for a new community (the same one /admin shows)."""
    if not g.user.site_admin:
        abort(403)
    return _form_page()


@bp.post("")
@login_required
def create():
    """A site administrator creates a community; its page comes next."""
    try:
        community = commands.create_community(get_session(), g.user, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _form_page(422, request.form, field_errors(refusal), explain(refusal.reason))
    flash_done(gettext("%(name)s is set up. Add its dusun and its people next.",
                       name=community.name))
    return go_to(url_for("communities.show", community_id=community.id))


def _page(community: Community, status=200, **extra):
    context = {"community": community, "dusun": queries.dusun_of(get_session(), community.id),
               "kinds": commands.KINDS, "zones": ZONES, "errors": {}, "form": {},
               "dusun_errors": {}, "dusun_form": {}, "message": None, **extra}
    return render("communities/community.html", status=status, **context)


@bp.get("/<id:community_id>")
@login_required
def show(community_id: int):
    """A community's set-up: its details, its dusun, and the way to its people and rounds."""
    try:
        community = commands.may_manage(get_session(), g.user, community_id)
    except Refusal as refusal:
        return refused(refusal)
    return _page(community)


@bp.post("/<id:community_id>")
@login_required
def update(community_id: int):
    """An administrator changes the community's details."""
    try:
        commands.update_community(get_session(), g.user, community_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _page(get_session().get(Community, community_id), 422, form=request.form,
                     errors=field_errors(refusal), message=explain(refusal.reason))
    flash_done(gettext("The community's details are saved."))
    return go_to(url_for("communities.show", community_id=community_id))


@bp.post("/<id:community_id>/dusun")
@login_required
def add_dusun(community_id: int):
    """An administrator adds a dusun to the community."""
    try:
        dusun = commands.add_dusun(get_session(), g.user, community_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _page(get_session().get(Community, community_id), 422, dusun_form=request.form,
                     dusun_errors=field_errors(refusal))
    flash_done(gettext("Dusun %(name)s is added.", name=dusun.name))
    return go_to(url_for("communities.show", community_id=community_id, _anchor="dusun"))


def _people_page(community: Community, status=200, **extra):
    context = {"community": community, "members": queries.members(get_session(), community.id),
               "dusun": queries.dusun_of(get_session(), community.id), "roles": commands.ROLES,
               "genders": GENDERS, "tags": TAGS, "errors": {}, "form": {}, "message": None,
               **extra}
    return render("communities/people.html", status=status, **context)


@bp.get("/<id:community_id>/people")
@login_required
def people(community_id: int):
    """The community's members, and the form that adds one."""
    try:
        community = commands.may_manage(get_session(), g.user, community_id)
    except Refusal as refusal:
        return refused(refusal)
    return _people_page(community)


@bp.post("/<id:community_id>/people")
@login_required
def add_person(community_id: int):
    """An administrator adds a person to the community."""
    try:
        user = commands.add_person(get_session(), g.user, community_id, request.form, now())
    except Refusal as refusal:
        if refusal.kind != "invalid":
            return refused(refusal)
        return _people_page(get_session().get(Community, community_id), 422, form=request.form,
                            errors=field_errors(refusal), message=explain(refusal.reason))
    flash_done(gettext("%(name)s is added, with the login name %(username)s. Give them a "
                       "temporary password on the Administration page.",
                       name=user.display_name, username=user.username))
    return go_to(url_for("communities.people", community_id=community_id,
                         _anchor=f"member-{user.username}"))


# --- many people at once: a CSV file, previewed, then imported --------------------------

def _import_page(community_id: int, status=200, preview=None, data=b"", message=None,
                 errors=None):
    ready = preview is not None and preview.count(imports.NEW) and not preview.count(
        imports.PROBLEM)
    return render("communities/import.html", status=status,
                  community=queries.community(get_session(), community_id), preview=preview,
                  content=imports.pack(data) if ready else "", message=message,
                  import_errors=errors or {}, roles=commands.ROLES, genders=GENDERS, tags=TAGS,
                  dusun=queries.dusun_of(get_session(), community_id))


def _import_refused(refusal: Refusal, community_id: int, data=None):
    """A refused import: the file's problem beside its field, or each row's problems."""
    if refusal.kind != "invalid":
        return refused(refusal)
    preview = None
    if data and "file" not in refusal.errors:
        try:
            preview = imports.preview_import(get_session(), g.user, community_id, data)
        except Refusal:
            preview = None
    return _import_page(community_id, 422, preview, message=explain(refusal.reason),
                        errors=field_errors(refusal))


@bp.post("/<id:community_id>/people/import")
@login_required
def import_preview(community_id: int):
    """The rows of an uploaded CSV file, each new, already a member or with its problems."""
    upload = request.files.get("file")
    # At most one byte over the limit is read: enough to refuse a larger file.
    data = upload.read(imports.MAX_BYTES + 1) if upload and upload.filename else None
    try:
        preview = imports.preview_import(get_session(), g.user, community_id, data)
    except Refusal as refusal:
        return _import_refused(refusal, community_id)
    return _import_page(community_id, preview=preview, data=data)


@bp.post("/<id:community_id>/people/import/confirm")
@login_required
def import_confirm(community_id: int):
    """An administrator imports the previewed file (carried back by the form): every new
    row, or none."""
    data = imports.unpack(request.form.get("content"))
    try:
        users = imports.import_people(get_session(), g.user, community_id, data, now())
    except Refusal as refusal:
        return _import_refused(refusal, community_id, data)
    if users:
        flash_done(gettext("People added: %(n)s. Each has an activation code for their "
                           "slip.", n=format_decimal(len(users))))
    else:
        flash_done(gettext("Nobody was added: everyone in the file is already a member."))
    return go_to(url_for("communities.people", community_id=community_id))


@bp.get("/<id:community_id>/people/template.csv")
@login_required
def import_template(community_id: int):
    """A CSV file to fill in: the header and two example rows."""
    try:
        community = commands.may_manage(get_session(), g.user, community_id)
    except Refusal as refusal:
        return refused(refusal)
    names = [place.name for place in queries.dusun_of(get_session(), community.id)]
    # With the BOM, a spreadsheet opens the file as UTF-8 (names with accents stay whole).
    return Response("\ufeff" + imports.template_csv(names), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{community.slug}-people.csv"'})
