"""/.well-known: WebFinger, host-meta and NodeInfo."""
from __future__ import annotations

from aiohttp import web

from federation import nodeinfo, webfinger
from models.actors import Actor
from web import app_keys as keys

JRD = "application/jrd+json"


async def webfinger_handler(request: web.Request) -> web.Response:
    fed = request.app[keys.FEDERATION]
    resource = request.query.get("resource", "").strip()
    if not resource:
        raise web.HTTPBadRequest(text="the resource parameter is required, e.g. ?resource=acct:name@" + fed.host)
    if resource.rstrip("/") == fed.base_url and fed.instance_actor is not None:
        doc = webfinger.render_instance_webfinger(fed.instance_actor, fed.host, fed.base_url)
        return web.json_response(doc, content_type=JRD)
    parsed = webfinger.parse_resource(resource, fed.host, fed.base_url)
    actors = await _actors_named(*parsed) if parsed else []
    if not actors:
        raise web.HTTPNotFound(text=f"no actor here for {resource}")
    response = web.json_response(webfinger.render_webfinger(actors, fed.base_url), content_type=JRD)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


async def _actors_named(name: str, kind: str | None) -> list[Actor]:
    """A user or page first, then a group of the same name (groups have their own namespace)."""
    query = Actor.filter(is_local=True, deleted_at=None).exclude(type="Application")
    person_or_page = await query.filter(local_name=name).first() if kind != "groups" else None
    group = await query.filter(group_name=name).first() if kind in (None, "groups") else None
    return [actor for actor in (person_or_page, group) if actor is not None]


async def host_meta(request: web.Request) -> web.Response:
    base_url = request.app[keys.FEDERATION].base_url
    return web.Response(text=webfinger.render_host_meta(base_url), content_type="application/xrd+xml")


async def nodeinfo_discovery(request: web.Request) -> web.Response:
    fed = request.app[keys.FEDERATION]
    instance_uri = fed.instance_actor.uri if fed.instance_actor else f"{fed.base_url}/actor"
    return web.json_response(nodeinfo.render_discovery(fed.base_url, instance_uri))


async def nodeinfo_document(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    if version not in nodeinfo.SCHEMAS:
        raise web.HTTPNotFound(text=f"NodeInfo {version} is not served; try 2.0 or 2.1")
    fed = request.app[keys.FEDERATION]
    info = await fed.instance_info.get()
    doc = nodeinfo.render_nodeinfo(version, fed.software_version, info.name, info.description, await nodeinfo.usage(),
                                   repository=request.app[keys.SETTINGS].source_url)
    profile = nodeinfo.SCHEMAS[version]
    response = web.json_response(doc, content_type="application/json")
    response.headers["Content-Type"] = f'application/json; profile="{profile}#"'
    return response
