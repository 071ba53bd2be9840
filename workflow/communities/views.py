"""Setting up a community: creating it (site administrators), its details and its dusun."""
from flask import Blueprint, Response, abort, g, request, url_for
from flask_babel import format_decimal, gettext

from workflow.communities import commands, imports, members, queries
from workflow.communities.models import Community
from workflow.core.db import get_session
from workflow.engine.dates import ZONES
from workflow.engine.people import GENDERS, TAGS
from workflow.engine.reasons import N_, Refusal
from workflow.engine.text import is_number
from workflow.people import activation
from workflow.rounds import queries as rounds
from workflow.web.login import login_required
from workflow.web.qr import qr_code
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
               "dusun_errors": {}, "dusun_form": {}, "message": None,
               **rounds.community_part(get_session(), community.id), **extra}
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
    found = queries.members(get_session(), community.id)
    waiting = activation.live_codes(get_session(), [user.id for user, _m, _d in found], now())
    context = {"community": community, "members": found, "waiting": set(waiting),
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
    flash_done(gettext("%(name)s is added, with the login name %(username)s. Print their "
                       "slip: its code lets them choose a password.",
                       name=user.display_name, username=user.username))
    return go_to(url_for("communities.people", community_id=community_id,
                         _anchor=f"member-{user.username}"))


# --- one member: role, deactivation, a new activation code; the printed slips -----------

def _on_member(command, community_id: int, user_id: int, done: str, *args):
    """Run a command on one member; back to their row, with what was done or refused."""
    try:
        user = command(get_session(), g.user, community_id, user_id, *args, now())
    except Refusal as refusal:
        if refusal.kind in ("not_found", "forbidden"):
            return refused(refusal)
        flash_done(explain(refusal.reason))
        return go_to(url_for("communities.people", community_id=community_id))
    flash_done(gettext(done, name=user.display_name))
    return go_to(url_for("communities.people", community_id=community_id,
                         _anchor=f"member-{user.username}"))


@bp.post("/<id:community_id>/people/<id:user_id>/role")
@login_required
def change_role(community_id: int, user_id: int):
    """An administrator gives a member another role."""
    return _on_member(members.change_role, community_id, user_id,
                      N_("%(name)s has a new role."), request.form.get("role", ""))


@bp.post("/<id:community_id>/people/<id:user_id>/deactivate")
@login_required
def deactivate(community_id: int, user_id: int):
    """An administrator switches a member off (their records stay)."""
    return _on_member(members.deactivate, community_id, user_id,
                      N_("%(name)s is deactivated: no login, no vote, not in the quorum."))


@bp.post("/<id:community_id>/people/<id:user_id>/reactivate")
@login_required
def reactivate(community_id: int, user_id: int):
    """An administrator switches a deactivated member on again."""
    return _on_member(members.reactivate, community_id, user_id,
                      N_("%(name)s is active again."))


@bp.post("/<id:community_id>/people/<id:user_id>/code")
@login_required
def new_code(community_id: int, user_id: int):
    """An administrator gives a member a new activation code (the old one stops working)."""
    return _on_member(members.new_code, community_id, user_id,
                      N_("%(name)s has a new activation code. Print their slip."))


@bp.get("/<id:community_id>/people/slips")
@login_required
def slips(community_id: int):
    """Printable slips, one per person with a live activation code (or one person's)."""
    try:
        community = commands.may_manage(get_session(), g.user, community_id)
    except Refusal as refusal:
        return refused(refusal)
    only = request.args.get("user", "")
    found = queries.slips(get_session(), community.id, now(),
                          int(only) if is_number(only, 9) else None)
    address = url_for("auth.activate", _external=True)
    return render("communities/slips.html", community=community, address=address,
                  slips=[(user, code, qr_code(url_for("auth.activate", username=user.username,
                                                      _external=True)))
                         for user, code in found])


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
