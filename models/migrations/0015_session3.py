from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_streaming')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupServerCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='server_counts', on_delete=OnDelete.CASCADE)),
                ('domain', fields.CharField(max_length=255)),
                ('members', fields.IntField(default=0)),
                ('taken_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'group_server_count', 'app': 'models', 'unique_together': (('group', 'domain'),), 'pk_attr': 'id', 'table_description': "A snapshot of one local group's members per server (domain), taken by the nightly rollup. The insights"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalBlock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='personal_blocks', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Actor', source_field='target_id', db_constraint=True, to_field='id', related_name='personal_blocked_by', on_delete=OnDelete.CASCADE)),
                ('activity_uri', fields.CharField(null=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'personal_block', 'app': 'models', 'unique_together': (('actor', 'target'),), 'indexes': [Index(fields=['target_id', 'actor_id'])], 'pk_attr': 'id', 'table_description': 'An actor blocks another actor (a person, a page or a group).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalMute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='personal_mutes', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Actor', source_field='target_id', db_constraint=True, to_field='id', related_name='personal_muted_by', on_delete=OnDelete.CASCADE)),
                ('notifications', fields.BooleanField(default=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'personal_mute', 'app': 'models', 'unique_together': (('actor', 'target'),), 'pk_attr': 'id', 'table_description': 'A local person mutes an account: its posts leave their timelines, and its notifications too when asked.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ApiToken',
            name='refresh_token_hash',
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.AddField(
            model_name='GroupDailyStat',
            name='active_prior_month',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='GroupDailyStat',
            name='active_prior_week',
            field=fields.IntField(null=True),
        ),
        ops.RemoveIndex(
            model_name='Interaction',
            name=None,
            fields=['created_at'],
        ),
        ops.AddField(
            model_name='Interaction',
            name='home_position',
            field=fields.BigIntField(null=True),
        ),
        ops.AddIndex(
            model_name='Interaction',
            index=Index(fields=['created_at', 'post_id', 'kind']),
        ),
    ]
