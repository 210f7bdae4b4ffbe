"""Staff accounts: call handlers, supervisors and admins, each in one force."""
