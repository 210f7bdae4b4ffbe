"""Add the guidance knowledge base: articles and their versions

Deploying: adds two tables only; safe while Beacon runs. Each force's copy of the shipped
articles is written as version 1 the first time anyone opens guidance.

Revision ID: 0009
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0003"
branch_labels = ("desk",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guidance_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("force_id", "slug"),
    )
    op.create_table(
        "guidance_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["guidance_articles.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("guidance_versions")
    op.drop_table("guidance_articles")
