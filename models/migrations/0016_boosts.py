from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_session3')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Interaction',
            name='status_id',
            field=fields.BigIntField(null=True, unique=True),
        ),
        ops.RemoveField(model_name='Interaction', name='home_position'),
    ]
