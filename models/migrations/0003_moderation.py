from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_groups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActorPolicy',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.OneToOneField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='policy', on_delete=OnDelete.CASCADE)),
                ('policy', fields.CharField(max_length=16)),
                ('reason', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'actor_policy', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A policy for one remote actor: suspended, limited, or trusted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContentRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='content_rules', on_delete=OnDelete.CASCADE)),
                ('pattern', fields.TextField(unique=False)),
                ('is_regex', fields.BooleanField(default=False)),
                ('action', fields.CharField(max_length=16)),
                ('targets', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'content_rule', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A keyword or regex rule, instance-wide (group null) or for one group.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainPolicy',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.CharField(unique=True, max_length=255)),
                ('policy', fields.CharField(max_length=16)),
                ('reject_media', fields.BooleanField(default=False)),
                ('public_reason', fields.TextField(default='', unique=False)),
                ('private_reason', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.Actor', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='domain_policies_set', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'domain_policy', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A policy for a remote domain and its subdomains, with an optional expiry.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InstanceSetting',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('value', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'instance_setting', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Instance settings an admin changes at run time (JSON values).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ModLogEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('moderator', fields.ForeignKeyField('models.Actor', source_field='moderator_id', null=True, db_constraint=True, to_field='id', related_name='modlog_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=2048)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='group_modlog', on_delete=OnDelete.SET_NULL)),
                ('reason', fields.TextField(default='', unique=False)),
                ('public', fields.BooleanField(default=True)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'modlog_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every moderation decision: who, what, when, why, and what it affected.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reporter', fields.ForeignKeyField('models.Actor', source_field='reporter_id', null=True, db_constraint=True, to_field='id', related_name='reports_made', on_delete=OnDelete.SET_NULL)),
                ('target_actor', fields.ForeignKeyField('models.Actor', source_field='target_actor_id', null=True, db_constraint=True, to_field='id', related_name='reports_about', on_delete=OnDelete.SET_NULL)),
                ('posts', fields.ManyToManyField('models.Post', unique=True, db_constraint=True, through='report_post', forward_key='post_id', backward_key='report_id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='group_reports', on_delete=OnDelete.SET_NULL)),
                ('comment', fields.TextField(default='', unique=False)),
                ('state', fields.CharField(default='open', db_index=True, max_length=16)),
                ('action_taken', fields.TextField(null=True, unique=False)),
                ('forwarded', fields.BooleanField(default=False)),
                ('activity_uri', fields.CharField(null=True, unique=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by', fields.ForeignKeyField('models.Actor', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='reports_resolved', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'report', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Actor',
            name='followers_count',
            field=fields.IntField(null=True),
        ),
        ops.AlterModelOptions(
            name='HeldActivity',
            options={'table': 'held_activity', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An activity held for a moderator (of a group, or of the instance when group is null).'},
        ),
        ops.AlterField(
            model_name='HeldActivity',
            name='group',
            field=fields.ForeignKeyField('models.Actor', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='held_activities', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='HeldActivity',
            name='detail',
            field=fields.TextField(default='', unique=False, db_default=''),
        ),
        ops.AddField(
            model_name='InboxItem',
            name='outcome',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Post',
            name='limited',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
