from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_post_description_announce')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupVisit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.Actor', source_field='user_id', db_constraint=True, to_field='id', related_name='group_visits', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.CASCADE)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('previous_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'group_visit', 'app': 'models', 'unique_together': (('user', 'group'),), 'pk_attr': 'id', 'table_description': "When a local person last opened a group's page: posts newer than the visit before are marked unread."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='LocalUser',
            name='time_zone',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
