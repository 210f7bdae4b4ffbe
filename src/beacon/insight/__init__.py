"""The control room's figures, computed from the store: demand by hour, priority, channel,
category and beat; queues, SLA breaches and staff load; trends against last week; surges.

- `beats`: the force-editable beats file, a message's beat, the SVG map shapes.
- `surge`: is volume far above normal for this hour? (a robust baseline, explained)
- `figures`: every figure on the control room screen, by SQL over the store.
"""
