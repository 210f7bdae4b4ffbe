"""The stages a message passes through, and the transports that carry it between them."""
