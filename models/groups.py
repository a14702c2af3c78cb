"""Groups: settings of local groups, roles, bans, mutes, and activities held for review."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

OWNER = "owner"
MODERATOR = "moderator"

# What happens to a post from someone who is not a member.
ACCEPT = "accept"
HOLD = "hold"
REJECT = "reject"
NON_MEMBER_POLICIES = (ACCEPT, HOLD, REJECT)

HELD = "held"
APPROVED = "approved"
REJECTED = "rejected"
EXPIRED = "expired"


class GroupProfile(Model):
    """Settings of a local group (remote groups keep theirs at their origin)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="group_profile", on_delete=fields.CASCADE
    )
    description = fields.TextField(default="")
    rules = fields.TextField(default="")
    is_private = fields.BooleanField(default=False)
    posting_restricted_to_mods = fields.BooleanField(default=False)
    non_member_posts = fields.CharField(max_length=16, default=ACCEPT)
    # Sub-groups (federation/community/subgroups.py): the parent group (null for a top-level group), whose
    # moderators moderate this one too, and whether only the parent's members may join.
    parent: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="subgroup_profiles", null=True, on_delete=fields.SET_NULL
    )
    parent_members_only = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_profile"


class GroupRole(Model):
    """Owner and moderators of a group. For remote groups, a cache of their moderators collection."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_roles", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="roles_in_groups", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=16, default=MODERATOR)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_role"
        unique_together = (("group", "actor"),)


class GroupBan(Model):
    """A member banned from posting in a group, until expires_at (null: for good)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_bans", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="bans_in_groups", on_delete=fields.CASCADE
    )
    reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    activity_uri = fields.CharField(max_length=2048, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_ban"
        unique_together = (("group", "actor"),)


class GroupMute(Model):
    """A muted member still reads, but new posts are held for review until expires_at (null: until unmuted)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_mutes", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="mutes_in_groups", on_delete=fields.CASCADE
    )
    reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_mute"
        unique_together = (("group", "actor"),)


class HeldActivity(Model):
    """An activity held for a moderator (of a group, or of the instance when group is null).

    Approving it resumes processing exactly as if it had just arrived.
    """

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="held_activities", null=True, on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="held_by_groups", on_delete=fields.CASCADE
    )
    activity_uri = fields.CharField(max_length=2048, unique=True)
    activity = fields.JSONField()
    reason = fields.CharField(max_length=64)
    # What held it, in words a moderator reads: the rule, the domain policy, the mute...
    detail = fields.TextField(default="", db_default="")
    state = fields.CharField(max_length=16, default=HELD, db_index=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "held_activity"


class GroupVisit(Model):
    """When a local person last opened a group's page: posts newer than the visit before are marked unread."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_visits", on_delete=fields.CASCADE
    )
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="visits", on_delete=fields.CASCADE
    )
    last_seen_at = fields.DatetimeField()
    # The visit before last_seen_at (what "new since your last visit" compares with), kept across the
    # page loads of one visit: see web/visits.py.
    previous_seen_at = fields.DatetimeField(null=True)

    class Meta:
        table = "group_visit"
        unique_together = (("user", "group"),)
