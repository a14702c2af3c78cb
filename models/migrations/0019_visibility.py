from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_rollup')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LocalUser',
            name='default_language',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='LocalUser',
            name='default_sensitive',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='LocalUser',
            name='default_visibility',
            field=fields.CharField(default='public', max_length=16, db_default='public'),
        ),
    ]
