"""GET/POST /oauth/authorize: the web sign-in, then a consent page naming the app and its scopes in plain words.

Authorise sends the browser back to the app with a single-use code (or shows the code for the out-of-band
redirect); Deny sends `error=access_denied`. A person may grant the app their own account or a page they
administer (federation/local_actors.py can_act_as).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from federation.local_actors import can_act_as
from federation.vocab import SERVICE
from models.actors import Actor, PageRole
from models.oauth import OAuthApplication
from web import request_keys as rk
from web.api.scopes import parse_scopes
from web.oauth.consent import describe_all
from web.oauth.grants import CHALLENGE, OOB, OAuthError, application_for, check_scopes, issue_code, redirect_allowed
from web.oauth.params import read_params, text
from web.templating import gettext, render_page

# The consent page's form redirects to the app's own scheme (elk://, tusky://...): no form-action limit here.
CONSENT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
CARRIED = (
    "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "response_type", "lang",
)
MAX_STATE = 1000


@dataclass
class AuthRequest:
    application: OAuthApplication
    redirect_uri: str
    scopes: list[str]
    state: str
    code_challenge: str | None

    def hidden(self) -> dict[str, str]:
        fields = {"client_id": self.application.client_id, "redirect_uri": self.redirect_uri,
                  "scope": " ".join(self.scopes), "response_type": "code"}
        if self.state:
            fields["state"] = self.state
        if self.code_challenge:
            fields.update(code_challenge=self.code_challenge, code_challenge_method="S256")
        return fields


class Unredirectable(Exception):
    """The app or its redirect URI is wrong: the person sees an error page, nothing goes back to the app."""


def back_to_app(redirect_uri: str, **values: str) -> str:
    query = urlencode({key: value for key, value in values.items() if value})
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + query


async def read_request(params: dict[str, Any]) -> AuthRequest:
    """The checked authorisation request; OAuthError when the app should hear of the error."""
    application = await application_for(text(params, "client_id"))
    if application is None:
        raise Unredirectable("unknown_client")
    try:
        redirect_uri = redirect_allowed(application, text(params, "redirect_uri") or None)
    except OAuthError:
        raise Unredirectable("invalid_redirect_uri")
    state = text(params, "state")[:MAX_STATE]
    request = AuthRequest(application, redirect_uri, [], state, None)
    if text(params, "response_type") != "code":
        raise OAuthError("unsupported_response_type", "The authorization server does not support obtaining an "
                         "authorization code using this method.")
    request.scopes = check_scopes(text(params, "scope") or None, allowed=parse_scopes(application.scopes),
                                  default=application.scopes)
    challenge = text(params, "code_challenge")
    method = text(params, "code_challenge_method")
    if challenge or method:
        if method != "S256":
            raise OAuthError("invalid_request", "Code challenge method must be S256.")
        if not CHALLENGE.match(challenge):
            raise OAuthError("invalid_request", "The code challenge is malformed.")
        request.code_challenge = challenge
    return request


async def identities(user: Actor) -> list[Actor]:
    """Whom the person may grant: themselves, then the pages they own or co-administer."""
    page_ids = await PageRole.filter(user=user).values_list("page_id", flat=True)
    pages = await Actor.filter(id__in=list(page_ids), type=SERVICE, is_local=True, deleted_at=None).order_by(
        "local_name")
    return [user, *pages]


def _error_page(request: web.Request, reason: str) -> web.Response:
    messages = {
        "unknown_client": gettext(request, "This app is not registered on this server. Go back to the app and "
                                           "try again."),
        "invalid_redirect_uri": gettext(request, "This app asked to come back to an address it did not register. "
                                                 "Go back to the app and try again."),
    }
    return render_page(request, "oauth/error.html", message=messages.get(reason, reason), status=400)


def _refuse(request: web.Request, auth: AuthRequest, exc: OAuthError) -> web.StreamResponse:
    if auth.redirect_uri == OOB:
        return render_page(request, "oauth/error.html", message=gettext(
            request, "The app made a request this server cannot accept: %(reason)s", reason=exc.description),
            status=400)
    raise web.HTTPFound(back_to_app(auth.redirect_uri, error=exc.error, error_description=exc.description,
                                    state=auth.state))


def _login_redirect(request: web.Request, params: dict[str, Any]) -> web.HTTPSeeOther:
    kept = {key: text(params, key) for key in CARRIED if text(params, key)}
    target = "/oauth/authorize?" + urlencode(kept)
    return web.HTTPSeeOther("/login?" + urlencode({"next": target}))


async def authorize(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    try:
        auth = await read_request(params)
    except Unredirectable as exc:
        return _error_page(request, str(exc))
    except OAuthError as exc:
        application = await application_for(text(params, "client_id"))
        assert application is not None
        partial = AuthRequest(application, redirect_allowed(application, text(params, "redirect_uri") or None), [],
                              text(params, "state")[:MAX_STATE], None)
        return _refuse(request, partial, exc)
    user = request.get(rk.USER)
    if request.method == "GET":
        if user is None or text(params, "force_login").lower() in ("true", "1"):
            raise _login_redirect(request, params)
        return _consent_page(request, auth, user, await identities(user))
    if user is None:
        raise _login_redirect(request, params)
    if text(params, "decision") != "authorise":
        return _refuse(request, auth, OAuthError("access_denied", "The resource owner or authorization server "
                                                 "denied the request."))
    chosen = user
    if text(params, "as_actor") and text(params, "as_actor") != str(user.id):
        chosen = await _identity(user, text(params, "as_actor"))
    code = await issue_code(auth.application, user, chosen, auth.redirect_uri, auth.scopes, auth.code_challenge)
    if auth.redirect_uri == OOB:
        response = render_page(request, "oauth/code.html", application=auth.application, code=code)
        response.headers["Cache-Control"] = "no-store"
        return response
    raise web.HTTPFound(back_to_app(auth.redirect_uri, code=code, state=auth.state))


async def _identity(user: Actor, actor_id: str) -> Actor:
    actor = await Actor.filter(id=int(actor_id) if actor_id.isdigit() else 0, is_local=True, deleted_at=None).first()
    if actor is None or not await can_act_as(user, actor):
        raise web.HTTPForbidden(text="You cannot grant an app access to that account.")
    return actor


def _consent_page(request: web.Request, auth: AuthRequest, user: Actor, choices: list[Actor]) -> web.Response:
    response = render_page(
        request, "oauth/consent.html", application=auth.application, scopes=describe_all(request, auth.scopes),
        hidden=auth.hidden(), identities=choices, oob=auth.redirect_uri == OOB,
        website_host=urlsplit(auth.application.website).hostname if auth.application.website else None,
    )
    response.headers["Content-Security-Policy"] = CONSENT_CSP
    response.headers["Cache-Control"] = "no-store"
    return response
