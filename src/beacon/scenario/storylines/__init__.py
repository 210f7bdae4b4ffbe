"""One module per storyline of the night; each exposes functions `Scene -> list[Draft]`."""
