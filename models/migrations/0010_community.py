from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EssentialSection',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='essential_sections', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('position', fields.IntField(default=0)),
                ('start_here', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'essential_section', 'app': 'models', 'indexes': [Index(fields=['group_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A named section of a group\'s essentials ("Start here", "Guides", "FAQ"), in the moderators\' order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EssentialItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('section', fields.ForeignKeyField('models.EssentialSection', source_field='section_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='essential_items', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='essential_items', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('added_by', fields.ForeignKeyField('models.Actor', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='essentials_added', on_delete=OnDelete.SET_NULL)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'essential_item', 'app': 'models', 'unique_together': (('group', 'post'),), 'indexes': [Index(fields=['section_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A thread in a section, at its place. A thread is in at most one section of its group.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupInvite',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='group_invites', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('created_by', fields.ForeignKeyField('models.Actor', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='group_invites_made', on_delete=OnDelete.SET_NULL)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('max_uses', fields.IntField(null=True)),
                ('uses', fields.IntField(default=0)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'group_invite', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An invitation link to one group: who holds it joins without waiting for approval.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JoinAnswer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='join_answers', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='join_answers_given', on_delete=OnDelete.CASCADE)),
                ('questions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('answers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('agreed_rules', fields.BooleanField(default=False)),
                ('source', fields.CharField(default='form', max_length=8)),
                ('question_uri', fields.CharField(null=True, db_index=True, max_length=2048)),
                ('reply_uri', fields.CharField(null=True, max_length=2048)),
                ('asked_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'join_answer', 'app': 'models', 'unique_together': (('group', 'actor'),), 'pk_attr': 'id', 'table_description': "A person's answers to a group's join questions, and the direct message that asked them (remote people)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JoinSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.OneToOneField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='join_settings', on_delete=OnDelete.CASCADE)),
                ('questions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('require_rules', fields.BooleanField(default=False)),
                ('welcome', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'join_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What a local group asks of people who join, and the welcome it gives them.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='member_tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_tag', 'app': 'models', 'unique_together': (('group', 'name'),), 'pk_attr': 'id', 'table_description': "A label defined by a group's moderators, shown beside the names of the members who carry it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberTagging',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tag', fields.ForeignKeyField('models.MemberTag', source_field='tag_id', db_constraint=True, to_field='id', related_name='taggings', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='member_taggings', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='tagged_in_groups', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_tagging', 'app': 'models', 'unique_together': (('tag', 'actor'),), 'indexes': [Index(fields=['group_id', 'actor_id'])], 'pk_attr': 'id', 'table_description': "A member carrying a tag in a group (group repeated from the tag so one query finds a page's tags)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberWelcome',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.Actor', source_field='group_id', db_constraint=True, to_field='id', related_name='member_welcomes', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='welcomes_to_see', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member_welcome', 'app': 'models', 'unique_together': (('group', 'actor'),), 'pk_attr': 'id', 'table_description': "A new local member has not seen the group's welcome yet: the group page shows it once, then deletes this."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='GroupProfile',
            name='parent',
            field=fields.ForeignKeyField('models.Actor', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='subgroup_profiles', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='GroupProfile',
            name='parent_members_only',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['in_reply_to_id', 'published']),
        ),
    ]
