"""The routes of each area of the interface: account (sign-in, language, password),
secretary, archivist, keeping (retention, disposal, backups), auditor and admin (see
bureau/web/app.py's AREAS)."""
