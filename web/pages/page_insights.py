"""A page's insights at /pages/{name}/insights, for its admins: follower growth, reach, engagement, audience
and when to post, as SVG charts each with its table and CSV (?csv=<chart id>), over 7, 30 or 90 days."""
from __future__ import annotations

import math
from datetime import datetime, time, timezone

from aiohttp import web

from federation.insights.jobs import ensure_scheduled
from federation.insights.report import PERIODS, PageReport, page_report
from federation.insights.views import record_view
from federation.local_actors import can_act_as
from federation.vocab import SERVICE
from models.actors import Actor
from models.insights import LOST_REASONS
from models.posts import Post
from web import request_keys as rk
from web.charts import Chart, Series, csv_response
from web.i18n import N_
from web.templating import gettext, render_page
from web.timezones import viewer_zone

DEFAULT_DAYS = 30
REASON_NAMES = {
    "undo": N_("Unfollowed"), "removed": N_("Removed by the page"), "block": N_("Blocked the page"),
    "gone": N_("Account gone (410)"), "deleted": N_("Account deleted"), "suspended": N_("Server or account suspended"),
}
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
FIGURE_NAMES = {
    "followers": N_("Followers"), "gained": N_("Gained"), "lost": N_("Lost"), "net": N_("Net change"),
    "posts": N_("Posts"), "followers_reached": N_("Followers reached"), "interactions": N_("Interactions"),
    "engagement_rate": N_("Engagement rate"), "views": N_("Local views"),
}


async def managed_page(request: web.Request) -> Actor:
    """The page named in the path, for its admins; 404 for everyone else, exactly like a missing page."""
    user = request.get(rk.USER)
    page = await Actor.filter(local_name=request.match_info["name"].lower(), type=SERVICE, is_local=True,
                              deleted_at=None).first()
    if page is None or user is None or user.id == page.id or not await can_act_as(user, page):
        raise web.HTTPNotFound(text=gettext(request, "There is no such page here."))
    return page


def parse_period(request: web.Request) -> int:
    raw = request.query.get("days", str(DEFAULT_DAYS))
    return int(raw) if raw in {str(n) for n in PERIODS} else DEFAULT_DAYS


def _software_name(request: web.Request, name: str) -> str:
    return name.capitalize() if name else gettext(request, "Unknown")


def _host_name(request: web.Request, host: str) -> str:
    return host or gettext(request, "This server")


def _language_name(request: web.Request, code: str) -> str:
    return code or gettext(request, "Not declared")


def page_charts(request: web.Request, report: PageReport) -> list[Chart]:
    _ = lambda text: gettext(request, text)  # noqa: E731
    days = [d.day.isoformat() for d in report.daily]
    posts = list(reversed(report.posts))  # oldest first, left to right
    post_labels = [f"{p.published.date().isoformat() if p.published else ''} {p.title}".strip() for p in posts]
    return [
        Chart("followers", _("Followers"), _("Followers at the end of each day."), days,
              [Series(_("Followers"), [d.followers for d in report.daily])]),
        Chart("growth", _("Gained and lost followers"),
              _("Followers gained and lost each day, and the difference."), days,
              [Series(_("Gained"), [d.gained for d in report.daily], "ok"),
               Series(_("Lost"), [d.lost for d in report.daily], "danger"),
               Series(_("Net"), [d.net for d in report.daily], "accent")], kind="bar"),
        Chart("reach", _("Reach per post"),
              _("For each post of the period: the servers it was delivered to, the followers on them and here when "
                "it was sent, and how often it was opened on this server."), post_labels,
              [Series(_("Servers"), [p.servers for p in posts]),
               Series(_("Followers reached"), [p.followers_reached for p in posts]),
               Series(_("Local views"), [p.views for p in posts])], kind="bar"),
        Chart("engagement", _("Engagement per post"),
              _("Likes, boosts and replies each post of the period got."), post_labels,
              [Series(_("Likes"), [p.likes for p in posts]), Series(_("Boosts"), [p.boosts for p in posts]),
               Series(_("Replies"), [p.replies for p in posts])], kind="bar"),
        Chart("rate", _("Engagement rate per post"),
              _("Interactions per 100 followers reached, for each post of the period."), post_labels,
              [Series(_("Interactions per 100 followers reached"), [round(p.rate * 100, 2) for p in posts])], kind="bar"),
        Chart("interactions", _("Interactions per day"), _("Likes, boosts and replies made each day."), days,
              [Series(_("Likes"), [d.likes for d in report.daily]), Series(_("Boosts"), [d.boosts for d in report.daily]),
               Series(_("Replies"), [d.replies for d in report.daily]), Series(_("Local views"), [d.views for d in report.daily])],
              kind="bar"),
        Chart("servers", _("Followers by server"),
              _("The servers with the most followers of the page; the rest are summed up last."),
              [_host_name(request, s.name) for s in report.servers] + ([_("Other servers")] if report.other_servers else []),
              [Series(_("Followers"), [s.count for s in report.servers] + ([report.other_servers] if report.other_servers else []))],
              kind="bar"),
        Chart("software", _("Followers by server software"),
              _("Followers counted by the software their server runs, as its NodeInfo says."),
              [_software_name(request, s.name) for s in report.software],
              [Series(_("Followers"), [s.count for s in report.software])], kind="bar"),
        Chart("languages", _("Posts by language"),
              _("The period's posts by the language they declare, with the followers they reached and the "
                "interactions they got."), [_language_name(request, row.language) for row in report.languages],
              [Series(_("Posts"), [row.posts for row in report.languages]),
               Series(_("Followers reached"), [row.followers_reached for row in report.languages]),
               Series(_("Interactions"), [row.interactions for row in report.languages])], kind="bar"),
        Chart("when", _("When people interact"),
              _("Likes, boosts and replies in the period by weekday and hour, in your time zone."),
              [f"{hour:02d}" for hour in range(24)],
              [Series(_(WEEKDAYS[n]), [float(v) for v in report.heatmap[n]]) for n in range(7)], kind="heatmap",
              columns=[_("Day")] + [f"{hour:02d}:00" for hour in range(24)]),
    ]


def figure_rows(request: web.Request, report: PageReport) -> list[dict[str, object]]:
    rows = []
    for key, figure in report.figures.items():
        is_rate = key == "engagement_rate"
        shown = (lambda v: f"{v * 100:.1f} %") if is_rate else (lambda v: f"{int(v):,}".replace(",", "\u202f"))
        change = figure.change
        if is_rate:
            change_text = f"{change * 100:+.1f}".replace("+0.0", "±0.0")
        else:
            change_text = f"{int(change):+d}" if change else "±0"
        rows.append({"key": key, "label": gettext(request, FIGURE_NAMES[key]), "value": shown(figure.value),
                     "previous": shown(figure.previous), "change": change_text,
                     "direction": "up" if change > 0 else "down" if change < 0 else "",
                     "percent": figure.change_percent})
    return rows


async def insights_page(request: web.Request) -> web.StreamResponse:
    page = await managed_page(request)
    days = parse_period(request)
    await ensure_scheduled()
    report = await page_report(page, days, viewer_zone(request))
    charts = page_charts(request, report)
    wanted = request.query.get("csv")
    if wanted is not None:
        chart = next((c for c in charts if c.id == wanted), None)
        if chart is None:
            raise web.HTTPNotFound(text=gettext(request, "There is no such chart."))
        return csv_response(chart, f"{page.local_name}-{chart.id}-{days}d.csv")
    promotions = await _promotions(page, report)
    reasons = [(gettext(request, REASON_NAMES[r]), report.lost_reasons.get(r, 0)) for r in LOST_REASONS
               if report.lost_reasons.get(r)]
    return render_page(
        request, "insights/page.html", page=page, report=report, charts={c.id: c for c in charts},
        figures=figure_rows(request, report), days=days, periods=PERIODS, reasons=reasons,
        path=f"/pages/{page.local_name}/insights", promotions=promotions, state_names=_state_names(),
        percent=lambda v: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.1f} %",
    )


async def _promotions(page: Actor, report: PageReport) -> list | None:
    """The promotion figures of the period (federation/promotions/stats.py), or None without promotions."""
    try:
        from federation.promotions.stats import promotion_stats
    except ImportError:  # pragma: no cover - promotions are optional
        return None
    since = datetime.combine(report.first, time(), tzinfo=timezone.utc)
    return await promotion_stats(page, since, None)


def _state_names() -> dict[str, str]:
    try:
        from web.pages.promotions import STATE_NAMES
    except ImportError:  # pragma: no cover
        return {}
    return STATE_NAMES


async def count_post_view(request: web.Request) -> None:
    """A post's page was shown (to a local person or an anonymous visitor): one more local view of a page's post."""
    raw = request.match_info.get("post_id", "")
    if not raw.isdigit() or len(raw) > 18:
        return
    row = await Post.filter(id=int(raw), author__type=SERVICE, author__is_local=True).values_list("author_id", flat=True)
    if row:
        await record_view(int(raw), row[0])


def setup(app: web.Application) -> None:
    app.router.add_get("/pages/{name}/insights", insights_page, name="page_insights_page")
