"""Admin: the instance's settings (identity: name, accent colour, logo and favicon; sign-up; description and
rules; federation), the domain-policy CSV import and export, the public /about page that shows the rules, and
/theme.css, the accent colour as a stylesheet (web/theme.py)."""
from __future__ import annotations

from aiohttp import web

from federation.instance_settings import (
    KEEP, InstanceInfoError, get_setting, update_instance_identity, update_instance_info, valid_accent,
)
from federation.policy import admin as policy_admin
from federation.policy.admin import ImportResult, PolicyError
from federation.policy.domains import FEDERATION_MODE
from federation.vocab import APPLICATION
from models.accounts import PENDING, REGISTRATION_MODES, MediaFile, RegistrationRequest
from models.actors import Actor
from models.moderation import DomainPolicy
from web import app_keys as keys
from web.accounts import AccountError, registration_mode, set_registration_mode
from web.i18n import N_
from web.media import (
    FAVICON, LOGO, MediaError, discard, error_text, has_file, media_store, public_media_url, read_upload, store_image,
)
from web.pages.community_common import read_form as read_text_form
from web.pages.moderation_common import done, flash, reason_of
from web.pages.settings_account import REQUIRE_EMAIL_CONFIRMATION, save_email_confirmation
from web.sessions import require_admin_user
from web.templating import gettext, render_page
from web.theme import theme_stylesheet

ADMIN = "/admin"
FEDERATION_MODES = ("blocklist", "allowlist")
# The request body is capped at 2 MiB for the whole app; a blocklist is far smaller.
MAX_CSV_BYTES = 1024 * 1024
# The same words federation/instance_settings.py raises, marked here so that the page can translate them.
ACCENT_INVALID = N_("The accent colour must be written as # and six hexadecimal digits, like #2f54d1.")
IMAGES = (("logo", LOGO), ("favicon", FAVICON))


async def _settings_page(
    request: web.Request, *, error: str = "", status: int = 200, imported: ImportResult | None = None,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> web.Response:
    info = await request.app[keys.FEDERATION].instance_info.get()
    return render_page(
        request, "admin/settings.html", status=status, info=info, form=form or {},
        registration_mode=await registration_mode(), registration_modes=REGISTRATION_MODES,
        federation_mode=await get_setting(FEDERATION_MODE, "blocklist"), federation_modes=FEDERATION_MODES,
        policy_count=await DomainPolicy.all().count(),
        pending_registrations=await RegistrationRequest.filter(state=PENDING).count(),
        require_email_confirmation=bool(await get_setting(REQUIRE_EMAIL_CONFIRMATION, False)),
        imported=imported, flash=flash(request), error=error, errors=errors or {}, tab="settings",
    )


async def settings_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _settings_page(request)


async def save_settings(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    posted = await read_text_form(request)
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    fed = request.app[keys.FEDERATION]
    reason = reason_of(form)
    new_registration = form.get("registration_mode", "")
    new_federation = form.get("federation_mode", "")
    errors: dict[str, str] = {}
    stored: list[MediaFile] = []
    try:
        # Check every choice before changing anything, so a refused form changes nothing.
        if new_registration not in REGISTRATION_MODES or new_federation not in FEDERATION_MODES:
            raise AccountError("Choose a registration mode and a federation mode from the lists.")
        accent = form.get("accent") or (await fed.instance_info.get()).accent
        try:
            accent = valid_accent(accent)
        except InstanceInfoError:
            errors["accent"] = gettext(request, ACCENT_INVALID)
            raise
        images: dict[str, object] = {}
        for field, purpose in IMAGES:
            upload = posted.get(field)
            if has_file(upload):
                try:
                    media = await store_image(request.app[keys.SETTINGS], await _media_owner(admin),
                                              read_upload(upload, request.app[keys.SETTINGS].media_max_bytes),
                                              purpose=purpose, store=media_store(request.app))
                except MediaError as exc:
                    errors[field] = error_text(request, exc)
                    raise
                stored.append(media)
                images[field] = public_media_url(media_store(request.app), request.app[keys.SETTINGS].base_url,
                                                 media.file_name)
            elif form.get(f"remove_{field}"):
                images[field] = ""
        await update_instance_info(fed, admin, name=form.get("name", ""), description=form.get("description", ""),
                                   rules=form.get("rules", ""), reason=reason)
        await update_instance_identity(fed, admin, accent=accent, logo_url=images.get("logo", KEEP),
                                       favicon_url=images.get("favicon", KEEP), reason=reason)
        if new_registration != await registration_mode():
            await set_registration_mode(admin, new_registration, reason=reason)
        await save_email_confirmation(admin, bool(form.get("require_email_confirmation")), reason=reason)
        if new_federation != await get_setting(FEDERATION_MODE, "blocklist"):
            await policy_admin.set_federation_mode(fed, admin, new_federation, reason=reason)
    except (InstanceInfoError, AccountError, PolicyError, MediaError) as exc:
        await discard(media_store(request.app), stored)
        message = gettext(request, "Some settings need a change: see below.") if errors else gettext(request, str(exc))
        return await _settings_page(request, status=422, error=message, form=form, errors=errors)
    raise done(ADMIN, "saved")


async def _media_owner(admin: Actor) -> Actor:
    """The instance's pictures belong to the instance actor (they outlive any admin's account)."""
    return await Actor.filter(type=APPLICATION, is_local=True).first() or admin


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
    r.add_get("/theme.css", theme_stylesheet, name="theme_css")
