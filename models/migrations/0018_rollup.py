from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_boosts_data')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveryDayStat',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('host', fields.CharField(max_length=255)),
                ('done', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('waiting', fields.IntField(default=0)),
                ('pruned_done', fields.IntField(default=0)),
                ('pruned_failed', fields.IntField(default=0)),
            ],
            options={'table': 'delivery_day_stat', 'app': 'models', 'unique_together': (('day', 'host'),), 'indexes': [Index(fields=['waiting', 'day'])], 'pk_attr': 'id', 'table_description': 'The deliveries created on one day to one remote host, by state when they were counted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryPeriodStat',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('today', fields.DateField()),
                ('days', fields.IntField()),
                ('host', fields.CharField(max_length=255)),
                ('done', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
            ],
            options={'table': 'delivery_period_stat', 'app': 'models', 'unique_together': (('today', 'days', 'host'),), 'pk_attr': 'id', 'table_description': "Per host, the sums of the final day rows of a period's closed days (today excluded), for the period"},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Delivery',
            index=Index(fields=['created_at', 'host', 'state']),
        ),
    ]
