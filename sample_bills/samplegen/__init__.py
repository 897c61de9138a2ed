"""One module per sample carrier, plus the shared model and file writers."""
