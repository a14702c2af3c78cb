from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_update_order')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboundMail',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('to_address', fields.CharField(max_length=255)),
                ('subject', fields.CharField(max_length=255)),
                ('text', fields.TextField(unique=False)),
                ('html', fields.TextField(null=True, unique=False)),
                ('headers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('state', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbound_mail', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One message to one address. The body is kept until sent, then cleared (it may hold a reset link).'},
            bases=['Model'],
        ),
    ]
