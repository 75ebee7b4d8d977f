"""Approving a disposal list from a front end open to a network: the second person of the
two-person rule signs with their own password again.

A signed-in session proves who opened it, not who is at the keyboard now; destroying
records needs the approver themself. So the approver's permission is asked first, then
their password is checked again (a wrong one is recorded in the audit trail as a failed
sign-in), and then the archive approves — refusing the list's own proposer.
"""

from __future__ import annotations

from archive.retention.disposal import DisposalList
from archive.service import Archive
from bureau.services import retention, signin


def approve_confirmed(archive: Archive, list_id: str, password: str) -> DisposalList:
    """Approve `list_id` as the signed-in user once `password` is theirs: Forbidden for a
    role that may not approve, SignInFailed for a wrong password, BadInput for the list's
    proposer or a list not proposed."""
    archive.require("approve", "approve disposal lists")
    signin.confirm(archive, password)
    return retention.approve(archive, list_id)
