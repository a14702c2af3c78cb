"""Who may see what: the one place that decides the audience of posts, of groups' content and of modlog entries.

Every read path asks here (HTML pages, the JSON APIs, ActivityPub objects and collections, search, tags, trending,
feeds, the modlog, media), so a new page cannot leak by forgetting a filter. The rule exists once, as a query
filter (`visible_posts`); the predicate (`may_see_post`) runs that same filter for one post.

The rules (docs/federation.md, "Audience"):
1. A deleted post: nobody (ActivityPub answers with a Tombstone).
2. A post a moderator removed: its author and the moderators of its group.
3. A post written into a group (Post.audience_group) belongs to that group's audience, whatever its addressing:
   - held, not yet admitted (Post.group unset): its author and the group's moderators;
   - in a private group: the group's members and moderators only;
   - in a public group: the group's members and moderators, and whoever its addressing allows (4).
4. Any other post, by its addressing:
   - public and unlisted: everyone;
   - followers-only: its author, the actors it addresses or mentions (PostAddressee), the author's accepted followers;
   - direct: its author and the actors it addresses or mentions.
5. Viewers are anonymous, a local account, a remote actor (a signed fetch), or a remote server's instance actor
   (Application), which sees what the people of its server may see: a member, follower or addressee there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tortoise.expressions import Q, Subquery

from federation.groups.access import is_moderator, unexpired
from federation.vocab import APPLICATION
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupBan, GroupRole
from models.moderation import ModLogEntry
from models.posts import Post, PostAddressee

PUBLIC_VISIBILITIES = ("public", "unlisted")


@dataclass(frozen=True)
class Viewer:
    """Who is looking. `actor` is None for an anonymous visitor."""

    actor: Actor | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.actor is None

    @property
    def server(self) -> str | None:
        """The domain a remote instance actor speaks for, else None."""
        actor = self.actor
        if actor is not None and actor.type == APPLICATION and not actor.is_local:
            return actor.domain
        return None

    def _people(self, field: str) -> Q:
        """Rows whose `field` (an actor relation) is this viewer, or anyone on the server it speaks for."""
        assert self.actor is not None
        if self.server is not None:
            return Q(**{f"{field}__domain": self.server})
        return Q(**{f"{field}_id": self.actor.id})


ANONYMOUS = Viewer()


def viewer_of(actor: Actor | None) -> Viewer:
    return Viewer(actor) if actor is not None else ANONYMOUS


# --- the parts of the rule ----------------------------------------------------------------------


def _active_bans(viewer: Viewer) -> Subquery:
    return Subquery(GroupBan.filter(viewer._people("actor")).filter(unexpired()).values("group_id"))


def _member_groups(viewer: Viewer) -> tuple[Subquery, Subquery]:
    """The groups the viewer belongs to (accepted follows, unless banned there) and those it moderates."""
    follows = Follow.filter(viewer._people("follower"), state=ACCEPTED).exclude(target_id__in=_active_bans(viewer))
    roles = GroupRole.filter(viewer._people("actor")).values("group_id")
    return Subquery(follows.values("target_id")), Subquery(roles)


def _public_groups() -> Subquery:
    return Subquery(Actor.filter(type="Group", manually_approves=False).values("id"))


def _admitted_in(groups: Subquery) -> Q:
    return Q(group_id__in=groups)


def _held_in(groups: Subquery) -> Q:
    return Q(audience_group_id__in=groups, group_id=None)


NO_GROUP = Q(audience_group_id=None, group_id=None)
ADDRESSED_TO_ALL = Q(visibility__in=PUBLIC_VISIBILITIES)


def _by_addressing(viewer: Viewer) -> Q:
    """Rule 4: what a post's own addressing lets this viewer see."""
    if viewer.actor is None:
        return ADDRESSED_TO_ALL
    followed = Subquery(Follow.filter(viewer._people("follower"), state=ACCEPTED).values("target_id"))
    addressed = Subquery(PostAddressee.filter(viewer._people("actor")).values("post_id"))
    return (
        ADDRESSED_TO_ALL
        | viewer._people("author")
        | Q(id__in=addressed)
        | Q(visibility="private", author_id__in=followed)
    )


def _audience(viewer: Viewer) -> Q:
    """Rules 3 and 4: the posts whose audience includes the viewer, deleted and removed ones included."""
    if viewer.actor is None:
        return ADDRESSED_TO_ALL & (NO_GROUP | _admitted_in(_public_groups()))
    followed_groups, moderated = _member_groups(viewer)
    addressing = _by_addressing(viewer)
    return (
        (NO_GROUP & addressing)
        | _admitted_in(followed_groups)
        | _admitted_in(moderated)
        | (_admitted_in(_public_groups()) & addressing)
        | _held_in(moderated)
        | (Q(audience_group_id__not_isnull=True, group_id=None) & viewer._people("author"))
    )


def visible_posts(viewer: Viewer) -> Q:
    """The filter of the posts this viewer may see: use it on every Post query that serves a read."""
    if viewer.actor is None:
        return Q(deleted_at=None, removed_at=None) & _audience(viewer)
    _, moderated = _member_groups(viewer)
    not_removed = Q(removed_at=None) | viewer._people("author") | Q(group_id__in=moderated)
    return Q(deleted_at=None) & not_removed & _audience(viewer)


def in_thread_of(root: Post) -> Q:
    """Which replies belong under a root: in a group's thread, only those written into that group (admitted,
    or held for its moderators), so a reply from outside never shows inside a group."""
    group_id = root.audience_group_id or root.group_id
    return Q(audience_group_id=group_id) if group_id is not None else Q()


def listed_posts(viewer: Viewer) -> Q:
    """What may appear in shared listings (tags, trending, explore, feeds): visible, and not limited or direct."""
    return visible_posts(viewer) & Q(limited=False) & ~Q(visibility="direct")


async def may_see_post(post: Post, viewer: Viewer) -> bool:
    """May this viewer see this post? The same rule as visible_posts, for one post."""
    return await Post.filter(visible_posts(viewer), id=post.id).exists()


def known_posts(viewer: Viewer) -> Q:
    """The posts this viewer may see, and the deleted ones that were for it (shown as "deleted" in a thread,
    so that the replies under them keep their place; never their content)."""
    return visible_posts(viewer) | (Q(deleted_at__not_isnull=True) & _audience(viewer))


async def may_know_gone(post: Post, viewer: Viewer) -> bool:
    """For a deleted or removed post: was it for this viewer? Then it may learn that it is gone (a Tombstone)."""
    return await Post.filter(_audience(viewer), id=post.id).exists()


async def visible_ids(post_ids: Iterable[int], viewer: Viewer) -> set[int]:
    """Which of these posts the viewer may see, in one query."""
    ids = list(set(post_ids))
    if not ids:
        return set()
    return set(await Post.filter(visible_posts(viewer), id__in=ids).values_list("id", flat=True))


async def only_visible(posts: list[Post], viewer: Viewer) -> list[Post]:
    """The posts of a list the viewer may see, in their order."""
    allowed = await visible_ids([post.id for post in posts], viewer)
    return [post for post in posts if post.id in allowed]


# --- groups, their collections, and the modlog --------------------------------------------------


async def may_see_group_content(group: Actor, viewer: Viewer) -> bool:
    """May the viewer read a group's posts, members and collections? A public group: anyone. A private
    group: its members and moderators (and a server's instance actor where a member lives)."""
    if not group.manually_approves:
        return True
    if viewer.actor is None:
        return False
    followed, moderated = _member_groups(viewer)
    return await Actor.filter(Q(id__in=followed) | Q(id__in=moderated), id=group.id).exists()


async def is_group_moderator(group: Actor, viewer: Viewer) -> bool:
    """A person (never a server speaking for its people) who moderates the group."""
    return viewer.actor is not None and viewer.server is None and await is_moderator(group, viewer.actor)


def visible_modlog(viewer: Viewer) -> Q:
    """Modlog entries the viewer may read: public entries about no group, a public group, or a private group
    the viewer belongs to. Private entries (admins' reasons) are never in this filter."""
    public_entries = Q(public=True)
    if viewer.actor is None:
        return public_entries & (Q(group_id=None) | Q(group_id__in=_public_groups()))
    followed_groups, moderated = _member_groups(viewer)
    return public_entries & (
        Q(group_id=None) | Q(group_id__in=_public_groups()) | Q(group_id__in=followed_groups)
        | Q(group_id__in=moderated)
    )


async def modlog_target_hidden(entry: ModLogEntry, viewer: Viewer) -> bool:
    """An entry about a post the viewer may not see names no target (its uri would reveal the post)."""
    if not entry.target:
        return False
    post = await Post.filter(uri=entry.target).first()
    return post is not None and not await may_see_post(post, viewer)
