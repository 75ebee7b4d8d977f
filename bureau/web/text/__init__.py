"""The interface's words, one module per area (see bureau/web/i18n.py)."""
