"""Cases: the unit of police work a message becomes part of."""
