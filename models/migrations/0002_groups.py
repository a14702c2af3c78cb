from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupBan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='group_bans', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='bans_in_groups', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('activity_uri', fields.CharField(null=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_ban', 'app': 'models', 'unique_together': (('group', 'actor'),), 'pk_attr': 'id', 'table_description': 'A member banned from posting in a group, until expires_at (null: for good).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupMute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='group_mutes', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='mutes_in_groups', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_mute', 'app': 'models', 'unique_together': (('group', 'actor'),), 'pk_attr': 'id', 'table_description': 'A muted member still reads, but new posts are held for review until expires_at (null: until unmuted).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupProfile',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.OneToOneField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='group_profile', on_delete=OnDelete.CASCADE)),
                ('description', fields.TextField(default='', unique=False)),
                ('rules', fields.TextField(default='', unique=False)),
                ('is_private', fields.BooleanField(default=False)),
                ('posting_restricted_to_mods', fields.BooleanField(default=False)),
                ('non_member_posts', fields.CharField(default='accept', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_profile', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Settings of a local group (remote groups keep theirs at their origin).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupRole',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='group_roles', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='roles_in_groups', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(default='moderator', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_role', 'app': 'models', 'unique_together': (('group', 'actor'),), 'pk_attr': 'id', 'table_description': 'Owner and moderators of a group. For remote groups, a cache of their moderators collection.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HeldActivity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='held_activities', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='held_by_groups', on_delete=OnDelete.CASCADE)),
                ('activity_uri', fields.CharField(unique=True, max_length=2048)),
                ('activity', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.CharField(max_length=64)),
                ('state', fields.CharField(default='held', db_index=True, max_length=16)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'held_activity', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An activity for a group, held for a moderator: approving it resumes processing as if it had just arrived.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Actor',
            name='group_name',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='Actor',
            name='moderators_url',
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.AddField(
            model_name='Actor',
            name='posting_restricted_to_mods',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Follow',
            name='activity_type',
            field=fields.CharField(default='Follow', max_length=16, db_default='Follow'),
        ),
        ops.AddField(
            model_name='Post',
            name='group',
            field=fields.ForeignKeyField('models.Actor', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='group_posts', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Post',
            name='locked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Post',
            name='removed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Post',
            name='removed_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['group_id', 'published']),
        ),
    ]
