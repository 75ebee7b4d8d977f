"""Generating one document: the templates, a template's form, its preview, and the
document made, with its sealed PDF and DOCX to download."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from archive.access import Forbidden
from archive.errors import BadInput, BureauError, NotFound
from bureau.services import batch_sheets, documents, drafting
from bureau.services.drafting import Choices, FieldError, FieldErrors
from bureau.web import pages
from bureau.web.i18n import catalog, translator
from bureau.web.routes import field_form

router = APIRouter()
RENDITIONS = ("pdf", "docx")
WORDS = catalog()


@router.get("/generate")
def templates(request: Request) -> Response:
    with pages.acting(request) as archive:
        usable = drafting.usable(archive)
    about = {c.template.name for c in usable if f"gen.about.{c.template.name}" in WORDS}
    return pages.render(request, "generate.html", title="gen.title", usable=usable, about=about)


@router.get("/generate/items/{item_id}")
def generated(request: Request, item_id: str) -> Response:
    with pages.acting(request) as archive:
        item, _ = documents.show(archive, item_id)
    return pages.render(request, "generate_done.html", title="gen.done_title", item=item)


@router.get("/generate/items/{item_id}/{rendition}")
def download(request: Request, item_id: str, rendition: str) -> Response:
    """A rendition of a generated item, retrieved (and recorded) as `bureau get` does."""
    if rendition not in RENDITIONS:
        raise NotFound(f"no {rendition!r} rendition")
    with pages.acting(request) as archive:
        _, stored, content = documents.fetch(archive, item_id, rendition)
    return Response(
        content,
        media_type=stored.media_type or "application/octet-stream",
        headers={"Content-Disposition": attachment(stored.name)},
    )


@router.get("/generate/{name}/example.csv")
def example_sheet(request: Request, name: str) -> Response:
    """A sheet to start a batch of `name` from: its columns and a row of examples."""
    with pages.acting(request) as archive:
        found = drafting.choices_for(archive, name)
    return Response(
        batch_sheets.example_sheet(found.template),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"{name}.csv")},
    )


@router.get("/generate/{name}")
def form_page(request: Request, name: str) -> Response:
    with pages.acting(request) as archive:
        found = drafting.choices_for(archive, name)
    chosen = {
        "dept": found.departments[0].code,
        "lang": found.language,
        "level": found.level,
        "pdf": True,
        "seal": found.may_seal,
    }
    return _form(request, found, chosen)


@router.post("/generate/{name}")
def form_posted(request: Request, name: str, form: pages.Posted) -> Response:
    """Preview (the PDF, inline, nothing filed) or generate (then the result page)."""
    preview = pages.text(form, "action") == "preview"
    with pages.acting(request) as archive:
        found = drafting.choices_for(archive, name)
        posted = field_form.read(found.template, form)
        chosen = _chosen(form, found)
        try:
            if preview:
                pdf = drafting.preview(
                    archive,
                    found.template,
                    posted.data,
                    chosen["dept"],
                    chosen["lang"],
                    chosen["level"],
                )
            else:
                result = drafting.issue(
                    archive,
                    name,
                    posted.data,
                    chosen["dept"],
                    chosen["lang"],
                    chosen["level"],
                    chosen["pdf"],
                    chosen["seal"],
                )
        except (Forbidden, NotFound):
            raise
        except FieldErrors as exc:
            return _form(request, found, chosen, posted.values, exc.errors)
        except FieldError as exc:
            return _form(request, found, chosen, posted.values, [exc])
        except BadInput as exc:
            return _form(request, found, chosen, posted.values, message=str(exc))
        except BureauError as exc:  # LibreOffice missing or failing: the values are kept
            return _form(request, found, chosen, posted.values, message=str(exc), status=500)
    if preview:
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="preview.pdf"'},
        )
    if result.duplicate_of:
        pages.flash(request, "gen.duplicate")
    else:
        pages.flash(request, "gen.generated")
    return pages.redirect(f"/generate/items/{quote(result.item.id, safe='')}")


def _chosen(form: FormData, found: Choices) -> dict:
    """The form's choices as posted (the service checks them again)."""
    return {
        "dept": pages.text(form, "dept") or found.departments[0].code,
        "lang": pages.text(form, "lang") or found.language,
        "level": pages.text(form, "classification") or found.level,
        "pdf": pages.text(form, "pdf") == "on",
        "seal": pages.text(form, "seal") == "on",
    }


def _form(
    request: Request,
    found: Choices,
    chosen: dict,
    values: dict | None = None,
    problems: list[FieldError] | None = None,
    message: str = "",
    status: int | None = None,
) -> Response:
    t = translator(pages.session(request).lang)
    errors, general = field_form.errors_by_input(problems or [], t)
    failed = bool(problems or message)
    return pages.render(
        request,
        "generate_form.html",
        status or (400 if failed else 200),
        title="gen.form_title",
        found=found,
        chosen=chosen,
        inputs=field_form.inputs(found.template, t, values, errors),
        general=general,
        message=message,
        failed=failed,
    )


def attachment(name: str) -> str:
    """A Content-Disposition for a download named `name` (any script, safely quoted)."""
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name)
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(name)}"
