from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
import json


def _addresses(row) -> set:
    found = set()
    for key in ("to", "cc", "tags"):
        value = row[key]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                found.add(item)
            elif isinstance(item, dict) and item.get("type") == "Mention" and isinstance(item.get("href"), str):
                found.add(item["href"])
    return found


async def backfill(apps, schema_editor) -> None:
    """Posts written into a group have that group as their audience; addressed local actors get their rows."""
    client = schema_editor.client
    await client.execute_script("UPDATE post SET audience_group_id = group_id WHERE group_id IS NOT NULL")
    _, actors = await client.execute_query("SELECT id, uri FROM actor WHERE is_local")
    local = {row["uri"]: int(row["id"]) for row in actors}
    if not local:
        return
    _, posts = await client.execute_query(
        "SELECT id, \"to\", cc, tags FROM post WHERE visibility IN ('private', 'direct')")
    pairs = sorted({(int(row["id"]), local[uri]) for row in posts for uri in _addresses(row) if uri in local})
    for start in range(0, len(pairs), 500):
        values = ", ".join(f"({post_id}, {actor_id})" for post_id, actor_id in pairs[start:start + 500])
        await client.execute_script(f"INSERT INTO post_addressee (post_id, actor_id) VALUES {values}")


class Migration(migrations.Migration):
    dependencies = [('models', '0004_web_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PostAddressee',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='addressees', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='addressed_posts', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'post_addressee', 'app': 'models', 'unique_together': (('post', 'actor'),), 'indexes': [Index(fields=['actor_id', 'post_id'])], 'pk_attr': 'id', 'table_description': 'A local actor a post is addressed to or mentions: who may read a followers-only or direct post'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Post',
            name='audience_group',
            field=fields.ForeignKeyField('models.Actor', source_field='audience_group_id', null=True, db_constraint=True, to_field='id', related_name='audience_posts', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='MediaFile',
            name='access_key',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.RunPython(backfill, ops.RunPython.noop),
    ]
