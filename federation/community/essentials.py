"""A group's essentials, managed by its moderators: sections (create, rename, reorder, delete) and the threads
in them (add, remove, reorder). Every change is in the moderation log.

Nothing is sent when the essentials change: the group actor links its essentials collection
(federation/community/essentials_read.py renders it), and other servers fetch it when they want it
(docs/federation.md, "Essentials").
"""
from __future__ import annotations

from tortoise.transactions import in_transaction

from federation import modlog
from federation.actions.statuses import ActionError
from federation.groups.access import is_moderator
from models.actors import Actor
from models.essentials import SECTION_NAME_LENGTH, EssentialItem, EssentialSection
from models.posts import Post

MAX_SECTIONS = 20
MAX_ITEMS = 200  # in all the sections of one group


async def require_moderator(group: Actor, actor: Actor) -> None:
    if not await is_moderator(group, actor):
        raise ActionError("only the group's moderators manage its essentials", status=403)


def clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ActionError("give the section a name")
    if len(cleaned) > SECTION_NAME_LENGTH:
        raise ActionError(f"a section's name has at most {SECTION_NAME_LENGTH} characters")
    return cleaned


async def _name_taken(group: Actor, name: str, but: int | None = None) -> bool:
    names = await EssentialSection.filter(group=group).exclude(id=but or 0).values_list("name", flat=True)
    return name.casefold() in {str(other).casefold() for other in names}


async def _only_start_here(section: EssentialSection) -> None:
    await EssentialSection.filter(group_id=section.group_id, start_here=True).exclude(id=section.id) \
        .update(start_here=False)


async def create_section(moderator: Actor, group: Actor, name: str, *, start_here: bool = False) -> EssentialSection:
    await require_moderator(group, moderator)
    name = clean_name(name)
    if await EssentialSection.filter(group=group).count() >= MAX_SECTIONS:
        raise ActionError(f"a group has at most {MAX_SECTIONS} sections of essentials")
    if await _name_taken(group, name):
        raise ActionError("the group already has a section with this name", status=409)
    last = await EssentialSection.filter(group=group).order_by("-position").first()
    async with in_transaction():
        section = await EssentialSection.create(group=group, name=name, start_here=start_here,
                                                position=(last.position + 1) if last else 0)
        if start_here:
            await _only_start_here(section)
        await modlog.record("essentials.section_created", moderator=moderator, target=name, group=group)
    return section


async def edit_section(moderator: Actor, section: EssentialSection, name: str, *, start_here: bool) -> None:
    """Rename a section and/or make it the one newcomers see first."""
    group = await Actor.get(id=section.group_id)
    await require_moderator(group, moderator)
    name = clean_name(name)
    if await _name_taken(group, name, but=section.id):
        raise ActionError("the group already has a section with this name", status=409)
    old = section.name
    async with in_transaction():
        await EssentialSection.filter(id=section.id).update(name=name, start_here=start_here)
        if start_here:
            await _only_start_here(section)
        if name != old:
            await modlog.record("essentials.section_renamed", moderator=moderator, target=name, group=group,
                                old_name=old)
    section.name, section.start_here = name, start_here


async def delete_section(moderator: Actor, section: EssentialSection) -> None:
    """Delete a section and take its threads out of the essentials (the threads stay as they are)."""
    group = await Actor.get(id=section.group_id)
    await require_moderator(group, moderator)
    async with in_transaction():
        await EssentialSection.filter(id=section.id).delete()
        await modlog.record("essentials.section_deleted", moderator=moderator, target=section.name, group=group)


def _moved(ids: list[int], moving: int, offset: int) -> list[int]:
    index = ids.index(moving)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return ids


async def reorder_sections(moderator: Actor, group: Actor, order: list[int]) -> None:
    """Put the group's sections in this order (every section's id, once)."""
    await require_moderator(group, moderator)
    ids = list(await EssentialSection.filter(group=group).order_by("position", "id").values_list("id", flat=True))
    if sorted(order) != sorted(ids):
        raise ActionError("give the order of every section of the group, each once")
    async with in_transaction():
        for position, section_id in enumerate(order):
            await EssentialSection.filter(id=section_id).update(position=position)
        if order != ids:
            await modlog.record("essentials.sections_reordered", moderator=moderator, group=group)


async def move_section(moderator: Actor, section: EssentialSection, offset: int) -> None:
    group = await Actor.get(id=section.group_id)
    ids = list(await EssentialSection.filter(group=group).order_by("position", "id").values_list("id", flat=True))
    await reorder_sections(moderator, group, _moved(ids, section.id, offset))


# --- the threads in a section ---------------------------------------------------------------------------


async def add_thread(moderator: Actor, post: Post, section: EssentialSection) -> EssentialItem:
    """Put a thread of the group in a section (moving it there when it is in another section)."""
    group = await Actor.get(id=section.group_id)
    await require_moderator(group, moderator)
    if post.group_id != group.id or post.in_reply_to_uri or post.removed_at or post.deleted_at:
        raise ActionError("only the group's own threads can be essentials")
    existing = await EssentialItem.filter(group=group, post=post).first()
    if existing is None and await EssentialItem.filter(group=group).count() >= MAX_ITEMS:
        raise ActionError(f"a group has at most {MAX_ITEMS} essential threads")
    if existing is not None and existing.section_id == section.id:
        return existing
    last = await EssentialItem.filter(section=section).order_by("-position").first()
    position = (last.position + 1) if last else 0
    async with in_transaction():
        if existing is not None:
            await EssentialItem.filter(id=existing.id).update(section_id=section.id, position=position)
            item = await EssentialItem.get(id=existing.id)
        else:
            item = await EssentialItem.create(section=section, group=group, post=post, position=position,
                                              added_by=moderator)
        await modlog.record("essentials.added", moderator=moderator, target=post.uri, group=group,
                            section=section.name)
    return item


async def remove_thread(moderator: Actor, item: EssentialItem) -> None:
    group = await Actor.get(id=item.group_id)
    await require_moderator(group, moderator)
    post = await Post.get(id=item.post_id)
    section = await EssentialSection.get(id=item.section_id)
    async with in_transaction():
        await EssentialItem.filter(id=item.id).delete()
        await modlog.record("essentials.removed", moderator=moderator, target=post.uri, group=group,
                            section=section.name)


async def reorder_threads(moderator: Actor, section: EssentialSection, order: list[int]) -> None:
    """Put a section's threads in this order (every item's id, once)."""
    group = await Actor.get(id=section.group_id)
    await require_moderator(group, moderator)
    ids = list(await EssentialItem.filter(section=section).order_by("position", "id").values_list("id", flat=True))
    if sorted(order) != sorted(ids):
        raise ActionError("give the order of every thread of the section, each once")
    async with in_transaction():
        for position, item_id in enumerate(order):
            await EssentialItem.filter(id=item_id).update(position=position)
        if order != ids:
            await modlog.record("essentials.reordered", moderator=moderator, target=section.name, group=group)


async def move_thread(moderator: Actor, item: EssentialItem, offset: int) -> None:
    section = await EssentialSection.get(id=item.section_id)
    ids = list(await EssentialItem.filter(section=section).order_by("position", "id").values_list("id", flat=True))
    await reorder_threads(moderator, section, _moved(ids, item.id, offset))
