"""The web interface (`bureau serve`): pages for secretaries, archivists, auditors and
administrators, over the same service layer as the command line."""
