from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_audience')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Post',
            name='description',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Post',
            name='group_announce_uri',
            field=fields.CharField(null=True, max_length=2048),
        ),
    ]
