"""member units (R5): profile, contacts, needs, resources, projects, deeds, reports, reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 02:15:23.148487
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_contact_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_unit_contact_unit_date', ['unit_id', 'held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_contact_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('held_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_reminder_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_reminder_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('attachment', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('attachment_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attachment_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'year')
    )
    with op.batch_alter_table('unit_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_report_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_report_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_report_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('availability', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_resource_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_resource_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('suggestion_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['unit_contact.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestion.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_need_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_need_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_need_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['need_id'], ['unit_need.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_project_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_project_need_id'), ['need_id'], unique=False)

    op.create_table('unit_deed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('beneficiaries', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('thanks', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['unit_project.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'unit_id')
    )
    with op.batch_alter_table('unit_deed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_deed_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_unit_deed_list', ['community_id', 'done_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_deed_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_project_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['unit_project.id'], ),
    sa.ForeignKeyConstraint(['resource_id'], ['unit_resource.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['member_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'unit_id')
    )
    with op.batch_alter_table('unit_project_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_project_unit_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_project_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_deed_thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deed_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deed_id'], ['unit_deed.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('deed_id', 'user_id')
    )
    with op.batch_alter_table('unit_deed_thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_deed_thanks_deed_id'), ['deed_id'], unique=False)

    # Existing units get empty profile fields; the secretary fills them in.
    with op.batch_alter_table('member_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_org', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('higher_org', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('party_head', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reported_on', sa.Date(), nullable=True))

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deed_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photo_deed_id'), ['deed_id'], unique=False)
        batch_op.create_foreign_key('fk_photo_deed_id_unit_deed', 'unit_deed', ['deed_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint('fk_photo_deed_id_unit_deed', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photo_deed_id'))
        batch_op.drop_column('deed_id')

    with op.batch_alter_table('member_unit', schema=None) as batch_op:
        batch_op.drop_column('reported_on')
        batch_op.drop_column('party_head')
        batch_op.drop_column('address')
        batch_op.drop_column('higher_org')
        batch_op.drop_column('party_org')

    with op.batch_alter_table('unit_deed_thanks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_deed_thanks_deed_id'))

    op.drop_table('unit_deed_thanks')
    with op.batch_alter_table('unit_project_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_project_unit_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_project_unit_project_id'))

    op.drop_table('unit_project_unit')
    with op.batch_alter_table('unit_deed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_deed_unit_id'))
        batch_op.drop_index('ix_unit_deed_list')
        batch_op.drop_index(batch_op.f('ix_unit_deed_community_id'))

    op.drop_table('unit_deed')
    with op.batch_alter_table('unit_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_project_need_id'))
        batch_op.drop_index(batch_op.f('ix_unit_project_community_id'))

    op.drop_table('unit_project')
    with op.batch_alter_table('unit_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_need_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_need_status'))
        batch_op.drop_index(batch_op.f('ix_unit_need_community_id'))

    op.drop_table('unit_need')
    with op.batch_alter_table('unit_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_resource_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_resource_community_id'))

    op.drop_table('unit_resource')
    with op.batch_alter_table('unit_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_report_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_report_member_id'))
        batch_op.drop_index(batch_op.f('ix_unit_report_community_id'))

    op.drop_table('unit_report')
    with op.batch_alter_table('unit_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_reminder_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_reminder_community_id'))

    op.drop_table('unit_reminder')
    with op.batch_alter_table('unit_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_contact_unit_id'))
        batch_op.drop_index('ix_unit_contact_unit_date')
        batch_op.drop_index(batch_op.f('ix_unit_contact_community_id'))

    op.drop_table('unit_contact')
