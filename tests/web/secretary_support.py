"""What the secretary's page tests share: the values of a valid notice, a batch sheet,
and waiting for a batch to finish."""

from __future__ import annotations

import csv
import io
import threading
import time

from tests.web.conftest import Visitor

NOTICE = {
    "field.title": "关于做好春季开学工作的通知",
    "field.recipients": "各区（县）教育局",
    "field.body": "一、总体要求\n各校要做好开学准备。",
}


def notice_form(**changes: str) -> dict[str, str]:
    """A notice for the secretary's department, without a PDF (no LibreOffice: fast)."""
    form = {"dept": "BGS", "lang": "zh", "classification": "internal", **NOTICE}
    form.update(changes)
    return form


def notice_sheet(*titles: str, header: tuple[str, ...] = ("title", "recipients", "body")) -> bytes:
    """A CSV batch of notices, one per title (an empty title makes a failing row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for title in titles:
        writer.writerow([title, "各区（县）教育局", "正文。"])
    return out.getvalue().encode("utf-8")


def wait_for(visitor: Visitor, job_path: str, timeout: float = 120.0) -> dict:
    """The batch's status once it has stopped running (its thread has ended too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = visitor.get(job_path + "/status").json()
        if status["state"] != "running":
            for thread in threading.enumerate():
                if thread.name.startswith("bureau-batch-"):
                    thread.join(timeout)
            return status
        time.sleep(0.1)
    raise AssertionError(f"{job_path} still running after {timeout} s")
