"""Where a triaged message goes: close, share, monitor or case."""
