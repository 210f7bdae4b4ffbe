"""Channel intake: one module per provider, each with `verify`, `parse` and reply builders.

Every module is pure (no database, no web framework): the web routes, the mail commands and the
outbox sender call them. See docs/channels.md for the shared interface and how to add a channel.
"""
