"""Instance insights for the admins at /admin/insights: growth of accounts, groups and pages, federation
health per remote server, hosts in backoff and the queue depths now."""
from __future__ import annotations

from aiohttp import web

from federation.group_insights import PERIODS, parse_days
from federation.instance_insights import InstanceInsights, instance_insights
from web.charts import Chart, Series, csv_response
from web.i18n import N_
from web.sessions import require_admin_user
from web.templating import gettext, render_page

QUEUE_NAMES = {
    "inbox": N_("Incoming activities"), "fanout": N_("Fan-outs to expand"), "delivery": N_("Deliveries to send"),
    "jobs": N_("Scheduled jobs"), "mail": N_("Mail to send"),
}


def instance_charts(request: web.Request, data: InstanceInsights) -> list[Chart]:
    _ = lambda text: gettext(request, text)  # noqa: E731
    days = [row.day.isoformat() for row in data.growth]
    return [
        Chart("growth", _("Accounts, groups and pages"), _("Totals on this server at the end of each day."), days,
              [Series(_("Accounts"), [row.accounts for row in data.growth]),
               Series(_("Groups"), [row.groups for row in data.growth]),
               Series(_("Pages"), [row.pages for row in data.growth])]),
        Chart("deliveries", _("Deliveries per server"),
              _("Activities sent to each remote server in the period: delivered, given up and still waiting."),
              [host.host for host in data.hosts],
              [Series(_("Delivered"), [host.done for host in data.hosts]),
               Series(_("Failed"), [host.failed for host in data.hosts]),
               Series(_("Waiting"), [host.waiting for host in data.hosts])], kind="bar"),
        Chart("queues", _("Queues now"), _("Work waiting in each queue at this moment."),
              [_(QUEUE_NAMES[name]) for name in data.queues],
              [Series(_("Waiting"), list(data.queues.values()))], kind="bar"),
    ]


async def instance_insights_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    days = parse_days(request.query.get("days"))
    data = await instance_insights(days)
    charts = instance_charts(request, data)
    wanted = request.query.get("csv")
    if wanted:
        chart = next((c for c in charts if c.id == wanted), None)
        if chart is None:
            raise web.HTTPNotFound(text=gettext(request, "There is no such table."))
        return csv_response(chart, f"instance-{chart.id}-{days}d.csv")
    return render_page(request, "insights/instance.html", tab="insights", data=data,
                       charts={c.id: c for c in charts}, days=days, periods=PERIODS)


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/insights", instance_insights_page, name="instance_insights")
