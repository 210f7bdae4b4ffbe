"""Guidance on the desk: the panel beside a case (loaded by htmx), the article pages, and the
admins' editing form. Thin: matching lives in `beacon.guidance`, storage in its `library`."""

from __future__ import annotations

from typing import Annotated

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from beacon.audit import Actor
from beacon.bootstrap import Beacon
from beacon.cases.access import NOT_FOUND, Hidden
from beacon.guidance import Article
from beacon.guidance.articles import ArticleError, parse_templates, templates_as_yaml
from beacon.guidance.for_case import guidance_for_case
from beacon.guidance.library import (
    ArticleEdit,
    current_articles,
    get_article,
    is_seeded,
    save_edit,
    seed_shipped,
    versions_of,
)
from beacon.guidance.markdown import render_markdown
from beacon.guidance.protection import message_is_distressing
from beacon.web.deps import BeaconDep, Csrf, PageViewer, ReadSession, WriteSession
from beacon.web.pages import audit_read, case_or_404, render, templates
from beacon.web.problems import Problem
from beacon.web.security import Viewer

router = APIRouter(include_in_schema=False)
templates.env.filters["markdown"] = render_markdown
templates.env.globals["distressing"] = message_is_distressing


def force_articles(beacon: Beacon, session: Session, force_id: int) -> list[Article]:
    """The force's current articles, storing the shipped set as version 1 the first time."""
    if is_seeded(session, force_id):
        return current_articles(session, force_id)
    try:
        with beacon.session_factory.begin() as writing:
            seed_shipped(writing, force_id, beacon.clock.now())
    except IntegrityError:
        pass  # another request seeded it first: read theirs
    with beacon.read_session_factory() as fresh:
        return current_articles(fresh, force_id)


@router.get("/cases/{case_id}/guidance")
def guidance_panel(case_id: int, request: Request, viewer: PageViewer, session: ReadSession,
                   beacon: BeaconDep) -> HTMLResponse:
    case = case_or_404(session, viewer, case_id)
    articles = force_articles(beacon, session, viewer.force_id)
    guidance = guidance_for_case(session, case, articles)
    # The panel reads the citizen's words and greets them by name: a consultation of the case.
    audit_read(beacon, viewer, [("case", case.id)], "guidance panel",
               {"articles": [m.article.slug for m in guidance.matches]})
    return render(request, "_guidance_panel.html", viewer=viewer, case=case, guidance=guidance)


@router.get("/guidance")
def guidance_index(request: Request, viewer: PageViewer, session: ReadSession, beacon: BeaconDep) -> HTMLResponse:
    articles = force_articles(beacon, session, viewer.force_id)
    return render(request, "guidance.html", viewer=viewer, articles=articles)


@router.get("/guidance/{article_id}")
def guidance_article(article_id: int, request: Request, viewer: PageViewer, session: ReadSession,
                     version: int | None = None) -> HTMLResponse:
    article = _article_or_404(session, viewer, article_id, version)
    return render(request, "guidance_article.html", viewer=viewer, article=article,
                  versions=versions_of(session, article_id), viewing_old=version is not None)


@router.get("/guidance/{article_id}/edit")
def guidance_edit_form(article_id: int, request: Request, viewer: PageViewer, session: ReadSession) -> HTMLResponse:
    article = _article_or_404(session, viewer, article_id)
    _require_admin(viewer)
    return render(request, "guidance_edit.html", viewer=viewer, article=article, error=None,
                  templates_yaml=templates_as_yaml(article.templates))


@router.post("/guidance/{article_id}", dependencies=[Csrf])
def guidance_save(
    article_id: int, request: Request, viewer: PageViewer, session: WriteSession, beacon: BeaconDep,
    title: Annotated[str, Form(min_length=3, max_length=200)],
    body: Annotated[str, Form(min_length=1, max_length=50_000)],
    note: Annotated[str, Form(min_length=3, max_length=500)],
    categories: Annotated[str, Form(max_length=1000)] = "",
    keywords: Annotated[str, Form(max_length=2000)] = "",
    templates_yaml: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    article = _article_or_404(session, viewer, article_id)
    _require_admin(viewer)
    try:
        parsed = parse_templates(yaml.safe_load(templates_yaml) or [])
    except (ArticleError, yaml.YAMLError) as error:
        response = render(request, "guidance_edit.html", viewer=viewer, article=article,
                          templates_yaml=templates_yaml, error=f"Reply templates: {error}")
        response.status_code = 422
        return response
    edit = ArticleEdit(title=title.strip(), categories=_list(categories), keywords=_list(keywords),
                       body=body.replace("\r\n", "\n"), templates=parsed, note=note.strip())
    save_edit(session, viewer.force_id, article_id, edit, Actor("user", viewer.id, viewer.display_name),
              beacon.clock.now())
    return RedirectResponse(f"/guidance/{article_id}", status_code=303)


def _article_or_404(session: Session, viewer: Viewer, article_id: int, version: int | None = None) -> Article:
    article = get_article(session, viewer.force_id, article_id, version)
    if article is None:  # another force's article, or none: the same 404, recorded
        raise Hidden("guidance", article_id, NOT_FOUND if version is None else "no such version")
    return article


def _require_admin(viewer: Viewer) -> None:
    if viewer.role != "admin":
        raise Problem(403, "Not allowed", "only admins edit guidance", "admin_only")


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.replace("\n", ",").split(",") if part.strip())
