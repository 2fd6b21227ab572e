"""Domain tables: people and roles, groups, sessions, check-ins, coping library,
escalations and their audit, reminder deliveries, processed updates, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:16:33.330764
"""
from alembic import op
import sqlalchemy as sa
import bot.storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('invite_code', sa.String(length=32), nullable=False),
    sa.Column('ground_rules', sa.Text(), nullable=True),
    sa.Column('bot_status', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("bot_status IN ('unknown', 'member', 'administrator', 'left', 'kicked')", name=op.f('ck_groups_bot_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('invite_code', name=op.f('uq_groups_invite_code')),
    sa.UniqueConstraint('telegram_chat_id', name=op.f('uq_groups_telegram_chat_id'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('display_name', sa.String(length=64), nullable=True),
    sa.Column('pseudonym', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('consented_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminders_opt_out', sa.Boolean(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('caseload_cap', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('forgotten_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('pseudonym', name=op.f('uq_people_pseudonym')),
    sa.UniqueConstraint('telegram_user_id', name=op.f('uq_people_telegram_user_id'))
    )
    op.create_table('processed_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'done', 'failed')", name=op.f('ck_processed_updates_status_valid')),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_processed_updates'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=True),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_audit_log_actor_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('coping_strategies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('moods', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('suggested_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('approved', 'pending', 'rejected')", name=op.f('ck_coping_strategies_status_valid')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['people.id'], name=op.f('fk_coping_strategies_reviewed_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggested_by_id'], ['people.id'], name=op.f('fk_coping_strategies_suggested_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coping_strategies')),
    sa.UniqueConstraint('slug', name=op.f('uq_coping_strategies_slug'))
    )
    op.create_table('duty_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('started_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_duty_periods_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_periods'))
    )
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_periods_person_id'), ['person_id'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('trigger_text', sa.Text(), nullable=True),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('chain_level', sa.Integer(), nullable=False),
    sa.Column('next_page_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('crisis', 'request', 'followup')", name=op.f('ck_escalations_kind_valid')),
    sa.CheckConstraint("priority IN ('urgent', 'normal', 'low')", name=op.f('ck_escalations_priority_valid')),
    sa.CheckConstraint("status IN ('open', 'claimed', 'closed')", name=op.f('ck_escalations_status_valid')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['people.id'], name=op.f('fk_escalations_claimed_by_id_people')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_escalations_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_escalations_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_queue', ['status', 'priority', 'created_at'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_memberships_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('person_id', 'group_id', name=op.f('uq_memberships_person_id'))
    )
    op.create_table('person_roles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('granted_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.CheckConstraint("role IN ('psw', 'coordinator')", name=op.f('ck_person_roles_role_valid')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['people.id'], name=op.f('fk_person_roles_granted_by_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_roles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'role', name=op.f('pk_person_roles'))
    )
    op.create_table('role_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('psw', 'coordinator')", name=op.f('ck_role_invites_role_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_role_invites_created_by_id_people')),
    sa.ForeignKeyConstraint(['used_by_id'], ['people.id'], name=op.f('fk_role_invites_used_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_invites')),
    sa.UniqueConstraint('code', name=op.f('uq_role_invites_code'))
    )
    op.create_table('session_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rrule', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('online_link', sa.Text(), nullable=True),
    sa.Column('accessibility_notes', sa.Text(), nullable=True),
    sa.Column('agenda', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('reminder_offsets_minutes', sa.JSON(), nullable=True),
    sa.Column('auto_facilitate', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_session_series_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_series')),
    sa.UniqueConstraint('key', name=op.f('uq_session_series_key'))
    )
    op.create_table('coping_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('offered_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('rated_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_coping_offers_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['strategy_id'], ['coping_strategies.id'], name=op.f('fk_coping_offers_strategy_id_coping_strategies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coping_offers'))
    )
    with op.batch_alter_table('coping_offers', schema=None) as batch_op:
        batch_op.create_index('ix_coping_offers_person_offered', ['person_id', 'offered_at'], unique=False)

    op.create_table('escalation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_escalation_events_actor_id_people')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_events_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_events'))
    )
    with op.batch_alter_table('escalation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_events_escalation_id'), ['escalation_id'], unique=False)

    op.create_table('occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('original_starts_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('starts_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.Column('changed_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled', 'completed')", name=op.f('ck_occurrences_status_valid')),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_occurrences_series_id_session_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrences')),
    sa.UniqueConstraint('series_id', 'original_starts_at', name=op.f('uq_occurrences_series_id'))
    )
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index('ix_occurrences_starts_at', ['starts_at'], unique=False)

    op.create_table('series_facilitators',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_series_facilitators_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_series_facilitators_series_id_session_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'person_id', name=op.f('pk_series_facilitators'))
    )
    op.create_table('attendance',
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['people.id'], name=op.f('fk_attendance_marked_by_id_people')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_attendance_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attendance_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('occurrence_id', 'person_id', name=op.f('pk_attendance'))
    )
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('mood', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('private', 'round_in', 'round_out')", name=op.f('ck_checkins_source_valid')),
    sa.CheckConstraint('mood IS NULL OR (mood >= 1 AND mood <= 5)', name=op.f('ck_checkins_mood_range')),
    sa.CheckConstraint('passed OR mood IS NOT NULL', name=op.f('ck_checkins_mood_or_pass')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_checkins_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_checkins_occurrence_id_occurrences'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_checkins_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_person_created', ['person_id', 'created_at'], unique=False)

    op.create_table('reminder_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=False),
    sa.Column('due_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempted_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', bot.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'skipped', 'failed')", name=op.f('ck_reminder_deliveries_status_valid')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_reminder_deliveries_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reminder_deliveries_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries')),
    sa.UniqueConstraint('occurrence_id', 'person_id', 'offset_minutes', name=op.f('uq_reminder_deliveries_occurrence_id'))
    )
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_deliveries_due', ['status', 'due_at'], unique=False)

    op.create_table('rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('responded_at', bot.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('yes', 'no', 'maybe', 'waitlist')", name=op.f('ck_rsvps_status_valid')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_rsvps_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_rsvps_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvps')),
    sa.UniqueConstraint('occurrence_id', 'person_id', name=op.f('uq_rsvps_occurrence_id'))
    )


def downgrade() -> None:
    op.drop_table('rsvps')
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_deliveries_due')

    op.drop_table('reminder_deliveries')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_person_created')

    op.drop_table('checkins')
    op.drop_table('attendance')
    op.drop_table('series_facilitators')
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_starts_at')

    op.drop_table('occurrences')
    with op.batch_alter_table('escalation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_events_escalation_id'))

    op.drop_table('escalation_events')
    with op.batch_alter_table('coping_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_coping_offers_person_offered')

    op.drop_table('coping_offers')
    op.drop_table('session_series')
    op.drop_table('role_invites')
    op.drop_table('person_roles')
    op.drop_table('memberships')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_queue')

    op.drop_table('escalations')
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_periods_person_id'))

    op.drop_table('duty_periods')
    op.drop_table('coping_strategies')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('processed_updates')
    op.drop_table('people')
    op.drop_table('groups')
