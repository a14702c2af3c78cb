from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_web_preferences')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CheckinSeries',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='checkin_series', on_delete=OnDelete.CASCADE)),
                ('prompt', fields.CharField(max_length=200)),
                ('time_zone', fields.CharField(default='UTC', max_length=64)),
                ('weekdays', fields.CharField(default='0123456', max_length=7)),
                ('created_by', fields.ForeignKeyField('models.Actor', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='checkins_run', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'checkin_series', 'app': 'models', 'pk_attr': 'id', 'table_description': "A check-in a group's moderators run: the prompt, its time zone and its days."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Checkin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.ForeignKeyField('models.CheckinSeries', source_field='series_id', db_constraint=True, to_field='id', related_name='checkins', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='checkins', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('note', fields.TextField(null=True, unique=False)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='checkins', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'checkin', 'app': 'models', 'unique_together': (('series', 'actor', 'day'),), 'indexes': [Index(fields=['series_id', 'day'])], 'pk_attr': 'id', 'table_description': "A member's check-in for a day: at most one per member and day."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CheckinDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.ForeignKeyField('models.CheckinSeries', source_field='series_id', db_constraint=True, to_field='id', related_name='days', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('thread', fields.ForeignKeyField('models.Post', source_field='thread_id', null=True, db_constraint=True, to_field='id', related_name='checkin_day', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'checkin_day', 'app': 'models', 'unique_together': (('series', 'day'),), 'pk_attr': 'id', 'table_description': 'One day of a series, with the thread posted for it (replies to it are check-ins).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Draw',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('host', fields.ForeignKeyField('models.Actor', source_field='host_id', db_constraint=True, to_field='id', related_name='draws', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('models.Actor', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='draws_created', on_delete=OnDelete.SET_NULL)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='draws', on_delete=OnDelete.SET_NULL)),
                ('result_post', fields.ForeignKeyField('models.Post', source_field='result_post_id', null=True, db_constraint=True, to_field='id', related_name='draw_results', on_delete=OnDelete.SET_NULL)),
                ('prize', fields.TextField(unique=False)),
                ('winners_count', fields.IntField(default=1)),
                ('deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('eligibility', fields.CharField(default='engaged', max_length=16)),
                ('eligibility_params', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('seed_hex', fields.CharField(max_length=64)),
                ('commitment', fields.CharField(max_length=64)),
                ('state', fields.CharField(default='open', max_length=16)),
                ('eligible', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('winners', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('drawn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_reason', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'draw', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A draw in a group (run by its moderators) or on a page (run by its admins).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.OneToOneField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='event', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('time_zone', fields.CharField(default='UTC', max_length=64)),
                ('place_name', fields.TextField(null=True, unique=False)),
                ('place_address', fields.TextField(null=True, unique=False)),
                ('online_url', fields.CharField(null=True, max_length=2048)),
                ('capacity', fields.IntField(null=True)),
                ('join_mode', fields.CharField(default='free', max_length=16)),
                ('status', fields.CharField(default='CONFIRMED', max_length=16)),
                ('cancel_reason', fields.TextField(null=True, unique=False)),
                ('participant_count', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'event', 'app': 'models', 'indexes': [Index(fields=['starts_at'])], 'pk_attr': 'id', 'table_description': 'The event of an Event post, local or remote.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventParticipant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='participants', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='event_participations', on_delete=OnDelete.CASCADE)),
                ('state', fields.CharField(max_length=16)),
                ('join_uri', fields.CharField(null=True, db_index=True, max_length=2048)),
                ('message', fields.TextField(null=True, unique=False)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'event_participant', 'app': 'models', 'unique_together': (('event', 'actor'),), 'indexes': [Index(fields=['event_id', 'state', 'queued_at'])], 'pk_attr': 'id', 'table_description': "One person's registration for an event: the waiting list moves up in `queued_at` order."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Poll',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.OneToOneField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='poll', on_delete=OnDelete.CASCADE)),
                ('options', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('multiple', fields.BooleanField(default=False)),
                ('hide_totals', fields.BooleanField(default=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('voters_count', fields.IntField(default=0)),
                ('results_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'poll', 'app': 'models', 'pk_attr': 'id', 'table_description': "The poll of a Question post, local or remote. For a remote poll the counts are its author's (read from"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PollVote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('poll', fields.ForeignKeyField('models.Poll', source_field='poll_id', db_constraint=True, to_field='id', related_name='votes', on_delete=OnDelete.CASCADE)),
                ('voter', fields.ForeignKeyField('models.Actor', source_field='voter_id', db_constraint=True, to_field='id', related_name='poll_votes', on_delete=OnDelete.CASCADE)),
                ('choice', fields.IntField()),
                ('activity_uri', fields.CharField(unique=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'poll_vote', 'app': 'models', 'unique_together': (('poll', 'voter', 'choice'),), 'pk_attr': 'id', 'table_description': "One voter's choice: one row per chosen option (a multiple-choice voter has several)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledJob',
            fields=[
                ('state', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('key', fields.CharField(unique=True, max_length=255)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'scheduled_job', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': "Work due at a time: a poll's batched results and its closing, a check-in day's thread, a draw's reveal."},
            bases=['QueueRow'],
        ),
        ops.AddField(
            model_name='Post',
            name='accepted_answer',
            field=fields.ForeignKeyField('models.Post', source_field='accepted_answer_id', null=True, db_constraint=True, to_field='id', related_name='accepted_for', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Post',
            name='is_question',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
