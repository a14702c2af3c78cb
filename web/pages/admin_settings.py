"""Admin: the instance's settings (name, description, rules, registration and federation modes), the
domain-policy CSV import and export, and the public /about page that shows the rules."""
from __future__ import annotations

from aiohttp import web

from federation.instance_settings import InstanceInfoError, get_setting, update_instance_info
from federation.policy import admin as policy_admin
from federation.policy.admin import ImportResult, PolicyError
from federation.policy.domains import FEDERATION_MODE
from models.accounts import PENDING, REGISTRATION_MODES, RegistrationRequest
from models.moderation import DomainPolicy
from web import app_keys as keys
from web.accounts import AccountError, registration_mode, set_registration_mode
from web.pages.moderation_common import done, flash, read_form, reason_of
from web.sessions import require_admin_user
from web.templating import gettext, render_page

ADMIN = "/admin"
FEDERATION_MODES = ("blocklist", "allowlist")
# The request body is capped at 2 MiB for the whole app; a blocklist is far smaller.
MAX_CSV_BYTES = 1024 * 1024


async def _settings_page(
    request: web.Request, *, error: str = "", status: int = 200, imported: ImportResult | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    info = await request.app[keys.FEDERATION].instance_info.get()
    return render_page(
        request, "admin/settings.html", status=status, info=info, form=form or {},
        registration_mode=await registration_mode(), registration_modes=REGISTRATION_MODES,
        federation_mode=await get_setting(FEDERATION_MODE, "blocklist"), federation_modes=FEDERATION_MODES,
        policy_count=await DomainPolicy.all().count(),
        pending_registrations=await RegistrationRequest.filter(state=PENDING).count(),
        imported=imported, flash=flash(request), error=error, tab="settings",
    )


async def settings_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _settings_page(request)


async def save_settings(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    fed = request.app[keys.FEDERATION]
    reason = reason_of(form)
    new_registration = form.get("registration_mode", "")
    new_federation = form.get("federation_mode", "")
    try:
        # Check every choice before changing anything, so a refused form changes nothing.
        if new_registration not in REGISTRATION_MODES or new_federation not in FEDERATION_MODES:
            raise AccountError("Choose a registration mode and a federation mode from the lists.")
        await update_instance_info(fed, admin, name=form.get("name", ""), description=form.get("description", ""),
                                   rules=form.get("rules", ""), reason=reason)
        if new_registration != await registration_mode():
            await set_registration_mode(admin, new_registration, reason=reason)
        if new_federation != await get_setting(FEDERATION_MODE, "blocklist"):
            await policy_admin.set_federation_mode(fed, admin, new_federation, reason=reason)
    except (InstanceInfoError, AccountError, PolicyError) as exc:
        return await _settings_page(request, status=422, error=gettext(request, str(exc)), form=form)
    raise done(ADMIN, "saved")


async def import_domains(request: web.Request) -> web.StreamResponse:
    """A blocklist in Mastodon's CSV format, uploaded as a file; the page then lists what was imported."""
    admin = require_admin_user(request)
    upload = (await request.post()).get("file")
    if not isinstance(upload, web.FileField):
        return await _settings_page(request, status=422, error=gettext(request, "Choose a CSV file to import."))
    raw = upload.file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        return await _settings_page(request, status=413, error=gettext(request, "That file is larger than 1 MiB."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return await _settings_page(request, status=422, error=gettext(request, "That file is not UTF-8 text."))
    result = await policy_admin.import_csv(request.app[keys.FEDERATION], admin, text)
    return await _settings_page(request, imported=result)


async def export_domains(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    text = policy_admin.export_csv(await DomainPolicy.all().order_by("domain"))
    return web.Response(text=text, content_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'})


async def about(request: web.Request) -> web.StreamResponse:
    """Who runs this server and its rules: public, and linked from every page's footer."""
    return render_page(request, "admin/about.html", registration_mode=await registration_mode())


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(ADMIN, settings_page, name="admin")
    r.add_post(ADMIN + "/settings", save_settings, name="admin_settings_save")
    r.add_post(ADMIN + "/domain-policies/import", import_domains, name="admin_domains_upload")
    r.add_get(ADMIN + "/domain-policies.csv", export_domains, name="admin_domains_download")
    r.add_get("/about", about, name="about")
