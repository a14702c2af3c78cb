"""Instance moderation: domain and actor policies, content rules, reports, instance settings, the modlog."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

# Domain policies.
SUSPEND = "suspend"
LIMIT = "limit"
REJECT_MEDIA = "reject-media"
ALLOW = "allow"  # listed in allowlist mode
DOMAIN_POLICIES = (SUSPEND, LIMIT, REJECT_MEDIA, ALLOW)

# Actor policies.
TRUSTED = "trusted"  # approved and trusted by a moderator: skips the new-account heuristics
ACTOR_POLICIES = (SUSPEND, LIMIT, TRUSTED)

# Content rule actions and what they look at.
RULE_REJECT = "reject"
RULE_HOLD = "hold"
RULE_SENSITIVE = "mark-sensitive"
RULE_ACTIONS = (RULE_REJECT, RULE_HOLD, RULE_SENSITIVE)
RULE_TARGETS = ("text", "content_warning", "link_domains", "hashtags")

# Report states.
OPEN = "open"
RESOLVED = "resolved"
DISMISSED = "dismissed"


class DomainPolicy(Model):
    """A policy for a remote domain and its subdomains, with an optional expiry."""

    id = fields.BigIntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    policy = fields.CharField(max_length=16)
    reject_media = fields.BooleanField(default=False)
    public_reason = fields.TextField(default="")
    private_reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="domain_policies_set", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_policy"


class ActorPolicy(Model):
    """A policy for one remote actor: suspended, limited, or trusted."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="policy", on_delete=fields.CASCADE
    )
    policy = fields.CharField(max_length=16)
    reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "actor_policy"


class ContentRule(Model):
    """A keyword or regex rule, instance-wide (group null) or for one group."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="content_rules", null=True, on_delete=fields.CASCADE
    )
    pattern = fields.TextField()
    is_regex = fields.BooleanField(default=False)
    action = fields.CharField(max_length=16)
    targets = fields.JSONField(default=list)
    note = fields.TextField(default="")
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "content_rule"


class InstanceSetting(Model):
    """Instance settings an admin changes at run time (JSON values)."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    value = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "instance_setting"


class Report(Model):
    id = fields.BigIntField(primary_key=True)
    # The reporter: a local user, or a remote actor (often an instance actor, as Mastodon forwards reports).
    reporter: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_made", null=True, on_delete=fields.SET_NULL
    )
    target_actor: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_about", null=True, on_delete=fields.SET_NULL
    )
    posts = fields.ManyToManyField("models.Post", related_name="reports", through="report_post")
    # Set when the report is about content in a group: its moderators handle it.
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_reports", null=True, on_delete=fields.SET_NULL
    )
    comment = fields.TextField(default="")
    state = fields.CharField(max_length=16, default=OPEN, db_index=True)
    action_taken = fields.TextField(null=True)
    forwarded = fields.BooleanField(default=False)
    activity_uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_resolved", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "report"


class ModLogEntry(Model):
    """Every moderation decision: who, what, when, why, and what it affected."""

    id = fields.BigIntField(primary_key=True)
    moderator: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="modlog_entries", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=2048, default="")
    group: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_modlog", null=True, on_delete=fields.SET_NULL
    )
    reason = fields.TextField(default="")
    # Shown in the public modlog; private entries (domain policies with private reasons) are admins-only.
    public = fields.BooleanField(default=True)
    details = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "modlog_entry"

