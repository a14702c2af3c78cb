"""Web accounts: browser sessions, invitations, registration requests, and uploaded media."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"

# Instance registration modes.
OPEN = "open"
APPROVAL = "approval"
INVITE = "invite"
REGISTRATION_MODES = (OPEN, APPROVAL, INVITE)


class WebSession(Model):
    """A signed-in browser. Only the token's SHA-256 is stored. Revoked sessions stay for the record."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="web_sessions", on_delete=fields.CASCADE
    )
    ip = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_session"


class Invite(Model):
    """An invitation link with an optional expiry and use count."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="invites", null=True, on_delete=fields.SET_NULL
    )
    expires_at = fields.DatetimeField(null=True)
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invite"


class RegistrationRequest(Model):
    """A sign-up waiting for an admin, in approval mode. The account is created on approval."""

    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64)
    email = fields.CharField(max_length=255, null=True)
    reason = fields.TextField(default="")
    password_hash = fields.TextField()
    state = fields.CharField(max_length=16, default=PENDING, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "registration_request"


class MediaFile(Model):
    """An uploaded image, stored under MOOT_DATA_DIR/media, EXIF stripped and resized."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="media", on_delete=fields.CASCADE
    )
    file_name = fields.CharField(max_length=128, unique=True)
    media_type = fields.CharField(max_length=64)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    description = fields.TextField(default="")  # the alt text
    # The capability in the file's URL (?k=): a post's media is served to anyone who has the post's URL for it,
    # which only the post's audience was given; without the key, only to viewers who may see the post.
    access_key = fields.CharField(max_length=32, null=True)
    post: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "models.Post", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media_file"
