"""Getting into a group: join questions and rules, answers, welcome messages, and group invitation links."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor

MAX_QUESTIONS = 3

# Where a person's answers came from.
FORM = "form"
DIRECT_MESSAGE = "dm"
API = "api"


class JoinSettings(Model):
    """What a local group asks of people who join, and the welcome it gives them."""

    id = fields.BigIntField(primary_key=True)
    group: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="join_settings", on_delete=fields.CASCADE
    )
    # Up to three questions, as a list of strings (asked by groups that approve members by hand).
    questions = fields.JSONField(default=list)
    require_rules = fields.BooleanField(default=False)
    welcome = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "join_settings"


class JoinAnswer(Model):
    """A person's answers to a group's join questions, and the direct message that asked them (remote people).

    The questions are copied as asked, so later edits do not change what the person answered.
    """

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="join_answers", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="join_answers_given", on_delete=fields.CASCADE
    )
    questions = fields.JSONField(default=list)
    answers = fields.JSONField(default=list)
    agreed_rules = fields.BooleanField(default=False)
    source = fields.CharField(max_length=8, default=FORM)
    # The id of the Create{Note} that asked (a reply inReplyTo it is the answer), for remote people.
    question_uri = fields.CharField(max_length=URL_LENGTH, null=True, db_index=True)
    reply_uri = fields.CharField(max_length=URL_LENGTH, null=True)
    asked_at = fields.DatetimeField(auto_now_add=True)
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "join_answer"
        unique_together = (("group", "actor"),)


class GroupInvite(Model):
    """An invitation link to one group: who holds it joins without waiting for approval."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_invites", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_invites_made", null=True, on_delete=fields.SET_NULL
    )
    expires_at = fields.DatetimeField(null=True)
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_invite"


class MemberWelcome(Model):
    """A new local member has not seen the group's welcome yet: the group page shows it once, then deletes this."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="member_welcomes", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="welcomes_to_see", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_welcome"
        unique_together = (("group", "actor"),)
