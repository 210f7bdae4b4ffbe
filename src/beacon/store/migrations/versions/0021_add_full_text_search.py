"""Full-text search with each database's own engine: SQLite FTS5 tables kept in step by
triggers, PostgreSQL GIN indexes over to_tsvector expressions (kept in step by the database)

What is indexed: a message's text, a case's title, a person's name, an identity's handle and
name. References, phone numbers and addresses are found through the indexes that already exist
(cases by reference, quoted references, identity keys), not through these.

Triggers, not the application's write path: the batch pipeline writes with Core executemany,
the benches and imports insert rows in bulk, and a trigger sees every one of them.

Deploying: on SQLite it builds the four FTS5 tables from the existing rows ('rebuild') while
the migration holds the write lock (seconds per 100,000 messages). On PostgreSQL it builds four
GIN indexes, which holds writes to those tables meanwhile; on a very large store build them
first by hand with CREATE INDEX CONCURRENTLY (the same expressions, which cannot run inside
Alembic's transaction), and this migration then finds them there (IF NOT EXISTS).

A later migration that *recreates* messages, cases, persons or identities on SQLite (batch mode
copies the table) drops these triggers with it and must create them again;
tests/search/test_search_store.py writes through every table after all migrations to catch that.

Names start with search_ (tables) and ix_search_ (indexes): beacon.store.schema leaves them out
of the comparison with the models, as they are the engine's structures, not models.

Revision ID: 0021
Revises: 0020 (team figures and factor replacement); after the channels, scale, desk and noise heads too
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
# After every branch's head: noise's 0007 recreates `messages` on SQLite (batch mode), which
# would drop the triggers made here if it ran later.
depends_on = ("0004", "0006", "0011", "0012")

# table, its key, the indexed columns, the SQLite tokenizer, the PostgreSQL configuration.
# Words of messages and titles are stemmed (stabbing finds stabbed); names and handles are not.
# beacon_english is PostgreSQL's english without its stop words, as FTS5's porter has none: a
# search for "the" means the same on both stores, and "not" stays a word ("not breathing").
INDEXED = (
    ("messages", ("text",), "porter unicode61 remove_diacritics 2", "beacon_english"),
    ("cases", ("title",), "porter unicode61 remove_diacritics 2", "beacon_english"),
    ("persons", ("display_name",), "unicode61 remove_diacritics 2", "simple"),
    ("identities", ("handle", "display_name"), "unicode61 remove_diacritics 2", "simple"),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE TEXT SEARCH DICTIONARY beacon_english_stem (TEMPLATE = snowball, Language = english)")
        op.execute("CREATE TEXT SEARCH CONFIGURATION beacon_english (COPY = pg_catalog.english)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION beacon_english ALTER MAPPING FOR asciiword, asciihword, "
                   "hword_asciipart, word, hword, hword_part WITH beacon_english_stem")
    for table, columns, tokenizer, config in INDEXED:
        if postgres:
            op.execute(f"CREATE INDEX IF NOT EXISTS ix_search_{table} ON {table} "
                       f"USING gin ({pg_vector(columns, config)})")
        else:
            sqlite_index(table, columns, tokenizer)


def pg_vector(columns: tuple[str, ...], config: str) -> str:
    """The indexed expression; the search module's queries repeat it exactly, so the planner
    uses the index (beacon.search.fulltext)."""
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"to_tsvector('{config}'::regconfig, {joined})"


def sqlite_index(table: str, columns: tuple[str, ...], tokenizer: str) -> None:
    fts, cols = f"search_{table}", ", ".join(columns)
    new, old = ", ".join(f"new.{c}" for c in columns), ", ".join(f"old.{c}" for c in columns)
    # External content: the words live once, in the table itself; the index holds only tokens.
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
               f"tokenize='{tokenizer}')")
    forget = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {learn} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END")
    # Only when an indexed column changes: the pipeline updates every message's state and case.
    op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {forget} {learn} END")
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _columns, _tokenizer, _config in INDEXED:
        if postgres:
            op.execute(f"DROP INDEX IF EXISTS ix_search_{table}")
            continue
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
        op.execute(f"DROP TABLE IF EXISTS search_{table}")
    if postgres:
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS beacon_english")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS beacon_english_stem")
