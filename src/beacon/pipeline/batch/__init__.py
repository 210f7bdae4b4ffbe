"""The batch write path: the ordered stages over a whole batch, in memory, written in one go.

`run.py` is the entry point (`run_batch`); `Pipeline.process_in` calls it first and falls back to
one message at a time only when it raises. See docs/architecture.md, "The batch write path".
"""
