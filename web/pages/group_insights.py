"""A group's insights, for its moderators (and the instance's admins) at /groups/{name}/insights: members
over time, activity, retention, moderation load and the activities, as SVG charts with tables and CSV."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from aiohttp import web
from markupsafe import Markup

from federation import audience
from federation.group_insights import PERIODS, GroupInsights, Preparing, group_insights, parse_days
from federation.groups.access import is_moderator
from models.actors import Actor
from web import request_keys as rk
from web.charts import Chart, Series, csv_response, render_svg
from web.i18n import N_
from web.pages.community_groups import group_header
from web.templating import gettext, render_page


async def insights_group(request: web.Request) -> Actor:
    """The local group named in the path, for its moderators and the admins; 404 for everyone else, exactly as
    for a group that does not exist."""
    group = await Actor.filter(type="Group", is_local=True, deleted_at=None,
                               group_name=request.match_info["name"].lower()).first()
    user = request.get(rk.USER)
    account = request.get(rk.ACCOUNT)
    allowed = group is not None and user is not None and (
        (account is not None and account.is_admin) or await is_moderator(group, user))
    if not allowed:
        raise web.HTTPNotFound(text=gettext(request, "There is no group by that name here."))
    assert group is not None
    return group


@dataclass(frozen=True)
class GapChart(Chart):
    """A chart whose table may hold gaps (NaN: "not over yet"): the SVG draws a gap as 0, the table as empty.
    Its rows are named by ISO dates; the SVG's row labels are short, so they show the month and day."""

    def svg(self) -> Markup:
        clean = [Series(s.name[5:] if len(s.name) == 10 else s.name, [0.0 if math.isnan(v) else v for v in s.values])
                 for s in self.series]
        return render_svg(replace(self, series=clean))


def _percent(share: float | None) -> float:
    return math.nan if share is None else round(share * 100, 1)


def group_charts(request: web.Request, data: GroupInsights) -> list[Chart]:
    _ = lambda text: gettext(request, text)  # noqa: E731
    days = [row.day.isoformat() for row in data.days]
    weeks = [load.week_start.isoformat() for load in data.moderation]
    charts = [
        Chart("members", _("Members"), _("Members at the end of each day."), days,
              [Series(_("Members"), [row.members for row in data.days])]),
        Chart("joins", _("Joins and leaves"),
              _("People who joined and who left (or were removed) each day, and the difference."), days,
              [Series(_("Joined"), [row.figures.joins for row in data.days]),
               Series(_("Left"), [row.figures.leaves for row in data.days]),
               Series(_("Net"), [row.net for row in data.days])], kind="bar"),
        Chart("active", _("Active members"),
              _("People who posted, replied, voted or checked in: that day, in the 7 days and in the 30 days "
                "up to it."), days,
              [Series(_("Day"), [row.figures.active for row in data.days]),
               Series(_("Week"), [row.figures.active_week for row in data.days]),
               Series(_("Month"), [row.figures.active_month for row in data.days])]),
        Chart("posts", _("Posts and replies"), _("New posts and replies in the group each day."), days,
              [Series(_("Posts"), [row.figures.posts for row in data.days]),
               Series(_("Replies"), [row.figures.replies for row in data.days])], kind="bar"),
        Chart("moderation", _("Moderation load"),
              _("Posts held for review, posts removed and reports made, per week from the period's first day."),
              weeks,
              [Series(_("Held"), [load.held for load in data.moderation]),
               Series(_("Removed"), [load.removed for load in data.moderation]),
               Series(_("Reported"), [load.reported for load in data.moderation])], kind="bar"),
        GapChart("retention", _("Retention"),
                 _("Of the people who joined in a week (Monday to Sunday), the percentage active in each of the "
                   "four weeks after it. Empty: that week is not over yet."),
                 [_("Week 1"), _("Week 2"), _("Week 3"), _("Week 4")],
                 [Series(cohort.week_start.isoformat(), [_percent(s) for s in cohort.shares])
                  for cohort in data.cohorts], kind="heatmap",
                 columns=[_("Joined in the week of"), _("Week 1"), _("Week 2"), _("Week 3"), _("Week 4")]),
        Chart("contributors", _("Top contributors"), _("The people with the most posts and replies."),
              [f"{c.actor.username}@{c.actor.domain}" for c in data.contributors],
              [Series(_("Posts"), [c.posts for c in data.contributors]),
               Series(_("Replies"), [c.replies for c in data.contributors])], kind="bar"),
        Chart("servers", _("Where members come from"), _("Members by the server their account is on."),
              [share.domain for share in data.servers],
              [Series(_("Members"), [share.members for share in data.servers])], kind="bar"),
        Chart("checkins", _("Check-in rate"), _("Check-ins each day, per 100 members."), days,
              [Series(_("Check-ins"), [row.figures.checkins for row in data.days]),
               Series(_("Per 100 members"), [round(row.checkin_rate * 100, 2) for row in data.days])]),
        Chart("polls", _("Poll participation"), _("Voters in each poll of the period, per 100 members."),
              [poll.title for poll in data.polls],
              [Series(_("Voters"), [poll.voters for poll in data.polls]),
               Series(_("Per 100 members"), [_percent(poll.participation) if poll.participation is not None
                                             else 0 for poll in data.polls])], kind="bar"),
        Chart("events", _("Event attendance"),
              _("Participants of each event starting in the period, and the share of its seats taken."),
              [event.title for event in data.events],
              [Series(_("Participants"), [event.participants for event in data.events]),
               Series(_("Seats"), [event.capacity or 0 for event in data.events]),
               Series(_("Seats taken (%)"), [_percent(event.attendance) if event.attendance is not None else 0
                                             for event in data.events])], kind="bar"),
    ]
    return charts


SUMMARY_NAMES = {
    "members": N_("Members"), "joins": N_("Joined"), "leaves": N_("Left"), "net": N_("Net growth"),
    "posts": N_("Posts"), "replies": N_("Replies"), "votes": N_("Poll votes"), "checkins": N_("Check-ins"),
    "held": N_("Held for review"), "removed": N_("Removed"), "reported": N_("Reported"),
    "active_daily": N_("Active per day (average)"), "active_week": N_("Active in the last 7 days"),
    "active_month": N_("Active in the last 30 days"),
}


async def group_insights_page(request: web.Request) -> web.StreamResponse:
    group = await insights_group(request)
    days = parse_days(request.query.get("days"))
    try:
        data = await group_insights(group, days)
    except Preparing:
        header = await group_header(request, group, audience.viewer_of(request.get(rk.USER)))
        return render_page(request, "insights/group.html", tab="insights", data=None, days=days, periods=PERIODS,
                           **header)
    charts = group_charts(request, data)
    wanted = request.query.get("csv")
    if wanted:
        chart = next((c for c in charts if c.id == wanted), None)
        if chart is None:
            raise web.HTTPNotFound(text=gettext(request, "There is no such table."))
        return csv_response(chart, f"{group.group_name}-{chart.id}-{days}d.csv")
    header = await group_header(request, group, audience.viewer_of(request.get(rk.USER)))
    return render_page(
        request, "insights/group.html", tab="insights", data=data, charts={c.id: c for c in charts},
        days=days, periods=PERIODS, summary_names=SUMMARY_NAMES, **header,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/groups/{name}/insights", group_insights_page, name="group_insights")
