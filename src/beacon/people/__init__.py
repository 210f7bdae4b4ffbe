"""Who sent a message: channel identities and the persons they belong to."""
