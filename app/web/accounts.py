"""The secretariat's console: accounts, formats, the audit log; and per workshop,
co-facilitators, closing, retention and purging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.domain import audit, format_store, formats, retention, users
from app.domain.formats import StageSpec
from app.errors import DomainError, Forbidden, Invalid
from app.i18n import N_, gettext
from app.models import User, Workshop
from app.web.actions import StaffPage, answer_page, reason, redirect
from app.web.deps import PageRunnerWorkshopDep, PageStaffDep, SessionDep
from app.web.pages import render

router = APIRouter(include_in_schema=False)

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
# Empty stage rows a new format starts with; more are added in place ("Add a stage").
BLANK_STAGE_ROWS = 3
MAX_STAGE_ROWS = formats.MAX_STAGES + 10


@dataclass(frozen=True)
class StageRow:
    """One row of the stage table exactly as typed, to show the form again unchanged."""

    key: str = ""
    label: str = ""
    label_en: str = ""
    prompt: str = ""
    prompt_en: str = ""
    kind: str = "post"
    scope: str = "group"
    per_person_limit: str = ""
    draws_from: str = ""


def page_admin(user: PageStaffDep) -> User:
    if user.role != "admin":
        raise Forbidden(N_("Only secretariat admins can do this."))
    return user


PageAdminDep = Annotated[User, Depends(page_admin)]


def _redirect(request: Request, name: str, **params: object) -> RedirectResponse:
    path = request.app.url_path_for(name, **{k: str(v) for k, v in params.items()})
    return RedirectResponse(str(path), status_code=303)


# ---- Accounts ------------------------------------------------------------------------------


@router.get("/admin/users", name="admin:users")
def users_page(request: Request, user: PageAdminDep, session: SessionDep) -> Response:
    return _users_page(request, session, user)


def _users_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    form: dict | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/users.html",
        status_code,
        user=user,
        accounts=users.all_users(session),
        roles=users.ROLES,
        form={"username": "", "role": "facilitator", **(form or {})},
        error=error,
        notice=notice,
    )


@router.post("/admin/users", name="admin:create_user")
def create_user(
    request: Request,
    user: PageAdminDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "facilitator",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    def create() -> users.PasswordSet:
        created = users.create_user(
            session=session, username=username, role=role, password=password
        )
        audit.record(
            session, action="user.create", user=user, detail=f"{created.user.username} ({role})"
        )
        return created

    return answer_page(
        request,
        session,
        create,
        refused=lambda exc: _users_page(
            request,
            session,
            user,
            form={"username": username, "role": role},
            error=reason(exc),
            status_code=exc.status_code,
        ),
        done=lambda created: _users_page(request, session, user, notice=_created_notice(created)),
    )


def _created_notice(created: users.PasswordSet) -> str:
    notice = gettext("Account %(username)s created.", username=created.user.username)
    if created.generated_password:
        notice += " " + gettext(
            "Its password is %(password)s — hand it over now; it is not shown again.",
            password=created.generated_password,
        )
    return notice


@router.get("/admin/users/{user_id}", name="admin:user")
def user_page(
    request: Request, user_id: IdPath, user: PageAdminDep, session: SessionDep
) -> Response:
    return _user_page(request, session, user, users.get(session, user_id))


def _user_page(
    request: Request,
    session: SessionDep,
    user: User,
    account: User,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/user.html",
        status_code,
        user=user,
        account=account,
        roles=users.ROLES,
        error=error,
        notice=notice,
    )


def _account_action(
    request: Request,
    session: SessionDep,
    user: User,
    user_id: int,
    action: Callable[[User], str | None],
) -> Response:
    """Change one account; the account's page again, with what happened or why not."""
    account = users.get(session, user_id)
    return answer_page(
        request,
        session,
        lambda: action(account),
        refused=lambda exc: _user_page(
            request,
            session,
            user,
            users.get(session, user_id),
            error=reason(exc),
            status_code=exc.status_code,
        ),
        done=lambda notice: _user_page(
            request, session, user, account, notice=notice or gettext("Saved.")
        ),
    )


@router.post("/admin/users/{user_id}/active", name="admin:user_active")
def set_active(
    request: Request,
    user_id: IdPath,
    user: PageAdminDep,
    session: SessionDep,
    active: Annotated[bool, Form()],
) -> Response:
    def action(account: User) -> None:
        users.set_active(session=session, user=account, active=active, by=user)
        name = "user.enable" if active else "user.disable"
        audit.record(session, action=name, user=user, detail=account.username)

    return _account_action(request, session, user, user_id, action)


@router.post("/admin/users/{user_id}/role", name="admin:user_role")
def set_role(
    request: Request,
    user_id: IdPath,
    user: PageAdminDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    def action(account: User) -> None:
        users.set_role(session=session, user=account, role=role, by=user)
        audit.record(session, action="user.role", user=user, detail=f"{account.username}: {role}")

    return _account_action(request, session, user, user_id, action)


@router.post("/admin/users/{user_id}/password", name="admin:user_password")
def reset_password(
    request: Request,
    user_id: IdPath,
    user: PageAdminDep,
    session: SessionDep,
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    def action(account: User) -> str:
        done = users.reset_password(session=session, user=account, password=password)
        audit.record(session, action="user.password", user=user, detail=account.username)
        notice = gettext("The password was changed and every session of this account ended.")
        if done.generated_password:
            notice += " " + gettext(
                "Its password is %(password)s — hand it over now; it is not shown again.",
                password=done.generated_password,
            )
        return notice

    return _account_action(request, session, user, user_id, action)


# ---- Formats -------------------------------------------------------------------------------


@router.get("/admin/formats", name="admin:formats")
def formats_page(request: Request, user: PageAdminDep, session: SessionDep) -> Response:
    return render(
        request,
        "admin/formats.html",
        user=user,
        built_in=formats.all_formats(),
        stored=format_store.stored(session),
    )


@router.get("/admin/formats/new", name="admin:new_format")
def new_format(request: Request, user: PageAdminDep) -> Response:
    return _format_page(request, user, None, {"key": "", "name": "", "name_en": ""}, [])


@router.get("/admin/formats/{format_id}", name="admin:format")
def format_page(
    request: Request, format_id: IdPath, user: PageAdminDep, session: SessionDep
) -> Response:
    row = format_store.get_stored(session, format_id)
    fmt = format_store.as_format(row)
    form = {"key": row.key, "name": row.name, "name_en": row.name_en}
    return _format_page(request, user, row.id, form, list(fmt.stages))


def _format_page(
    request: Request,
    user: User,
    format_id: int | None,
    form: dict,
    stages: Sequence[StageSpec | StageRow],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The stage table shows stored stages or rows as typed; both have the same fields."""
    rows = list(stages) if stages else [StageRow()] * BLANK_STAGE_ROWS
    return render(
        request,
        "admin/format_edit.html",
        status_code,
        user=user,
        format_id=format_id,
        form=form,
        rows=rows,
        blank_row=StageRow(),
        kinds=formats.KIND_CHOICES,
        scopes=formats.SCOPE_CHOICES,
        error=error,
    )


StageField = Annotated[list[str], Form()]


def stage_columns(
    stage_key: StageField,
    stage_label: StageField,
    stage_label_en: StageField,
    stage_prompt: StageField,
    stage_prompt_en: StageField,
    stage_kind: StageField,
    stage_scope: StageField,
    stage_limit: StageField,
    stage_draws_from: StageField,
) -> list[list[str]]:
    """The format editor's stage table as posted: one list per column, one entry per row."""
    return [
        stage_key,
        stage_label,
        stage_label_en,
        stage_prompt,
        stage_prompt_en,
        stage_kind,
        stage_scope,
        stage_limit,
        stage_draws_from,
    ]


StageColumnsDep = Annotated[list[list[str]], Depends(stage_columns)]


def _stages_from_form(
    key: list[str],
    label: list[str],
    label_en: list[str],
    prompt: list[str],
    prompt_en: list[str],
    kind: list[str],
    scope: list[str],
    limit: list[str],
    draws_from: list[str],
) -> list[StageSpec]:
    columns = [key, label, label_en, prompt, prompt_en, kind, scope, limit, draws_from]
    if len({len(column) for column in columns}) != 1:
        raise Invalid(N_("The stage table was not sent whole. Reload the page and try again."))
    if len(key) > MAX_STAGE_ROWS:
        raise Invalid(N_("A workshop can have at most %(max)s stages."), max=formats.MAX_STAGES)
    specs = []
    for k, lab, lab_en, pr, pr_en, kd, sc, lim, dr in zip(*columns, strict=True):
        if not k.strip() and not lab.strip():
            continue
        text = lim.strip()
        if text and not (text.isascii() and text.isdecimal() and len(text) <= 3):
            raise Invalid(N_("A per-person limit must be between 1 and 100."))
        specs.append(
            StageSpec(
                key=k,
                label=lab,
                label_en=lab_en,
                prompt=pr,
                prompt_en=pr_en,
                kind=kd,
                scope=sc,
                per_person_limit=int(text) if text else None,
                draws_from=dr or None,
            )
        )
    return specs


def _rows_as_typed(columns: list[list[str]]) -> list[StageRow]:
    if len({len(column) for column in columns}) != 1:
        raise Invalid(N_("The stage table was not sent whole. Reload the page and try again."))
    if len(columns[0]) > MAX_STAGE_ROWS:
        raise Invalid(N_("A workshop can have at most %(max)s stages."), max=formats.MAX_STAGES)
    return [StageRow(*values) for values in zip(*columns, strict=True)]


def _edit_rows(
    request: Request,
    user: User,
    format_id: int | None,
    form: dict,
    columns: list[list[str]],
    *,
    add: bool,
    remove: str,
) -> Response:
    """Add or remove a stage row without saving: the page comes back with what was typed.

    This is the path without JavaScript; with it, the page adds and removes rows itself.
    """
    rows = _rows_as_typed(columns)
    if remove.isascii() and remove.isdecimal() and int(remove) < len(rows):
        del rows[int(remove)]
    if add and len(rows) < MAX_STAGE_ROWS:
        rows.append(StageRow())
    return _format_page(request, user, format_id, form, rows or [StageRow()])


def _save_format(
    request: Request,
    session: SessionDep,
    user: User,
    format_id: int | None,
    form: dict,
    columns: list[list[str]],
    rows_action: str = "",
    remove_row: str = "",
) -> Response:
    if rows_action == "add" or remove_row:
        if format_id is not None:
            form["key"] = format_store.get_stored(session, format_id).key
        try:
            return _edit_rows(
                request, user, format_id, form, columns, add=rows_action == "add", remove=remove_row
            )
        except DomainError as exc:
            return _format_page(
                request,
                user,
                format_id,
                form,
                [],
                error=reason(exc),
                status_code=exc.status_code,
            )
    parsed: list[StageSpec] = []

    def save() -> None:
        parsed.extend(_stages_from_form(*columns))
        row = format_store.save_format(
            session=session, user=user, stages=parsed, format_id=format_id, **form
        )
        action = "format.create" if format_id is None else "format.update"
        audit.record(session, action=action, user=user, detail=f"{row.key}: {row.name}")

    def refused(exc: DomainError) -> Response:
        """The form again as typed (or as read, when the rows cannot be read back)."""
        if format_id is not None:
            form["key"] = format_store.get_stored(session, format_id).key
        try:
            typed: Sequence[StageSpec | StageRow] = _rows_as_typed(columns)
        except DomainError:
            typed = parsed
        return _format_page(
            request, user, format_id, form, typed, error=reason(exc), status_code=exc.status_code
        )

    return answer_page(
        request, session, save, refused=refused, done=lambda _: _redirect(request, "admin:formats")
    )


@router.post("/admin/formats", name="admin:create_format")
def create_format(
    request: Request,
    user: PageAdminDep,
    session: SessionDep,
    columns: StageColumnsDep,
    key: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    rows: Annotated[str, Form(max_length=8)] = "",
    remove_row: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    form = {"key": key, "name": name, "name_en": name_en}
    return _save_format(request, session, user, None, form, columns, rows, remove_row)


@router.post("/admin/formats/{format_id}", name="admin:update_format")
def update_format(
    request: Request,
    format_id: IdPath,
    user: PageAdminDep,
    session: SessionDep,
    columns: StageColumnsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    rows: Annotated[str, Form(max_length=8)] = "",
    remove_row: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    format_store.get_stored(session, format_id)
    form = {"key": "", "name": name, "name_en": name_en}
    return _save_format(request, session, user, format_id, form, columns, rows, remove_row)


# ---- Audit log -----------------------------------------------------------------------------


@router.get("/admin/audit", name="admin:audit")
def audit_page(request: Request, user: PageAdminDep, session: SessionDep) -> Response:
    return render(
        request,
        "admin/audit.html",
        user=user,
        entries=audit.recent(session, limit=500),
        actions=audit.ACTIONS,
    )


# ---- One workshop: co-facilitators, closing, retention, purge ------------------------------


@dataclass(frozen=True)
class WorkshopSettings(StaffPage):
    """A change to one workshop's settings, kept in the audit log in the same transaction;
    back to the workshop's page, or its reason when refused."""

    def __call__(
        self,
        write: Callable[..., object],
        /,
        *,
        audited: str,
        detail: Callable[[Any], str] | None = None,
        **params: Any,
    ) -> Response:
        def action() -> None:
            result = write(session=self.session, workshop=self.workshop, **params)
            audit.record(
                self.session,
                action=audited,
                user=self.user,
                workshop_id=self.workshop.id,
                detail=detail(result) if detail is not None else "",
            )

        back_to = self.request.app.url_path_for("admin:workshop", workshop_id=str(self.workshop.id))
        return answer_page(
            self.request, self.session, action, done=lambda _: redirect(str(back_to))
        )


async def workshop_settings(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> WorkshopSettings:
    return WorkshopSettings(request, session, workshop, user)


async def admin_workshop_settings(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageAdminDep, session: SessionDep
) -> WorkshopSettings:
    """Settings only the secretariat changes: how long data is kept, and purging it."""
    return WorkshopSettings(request, session, workshop, user)


WorkshopSettingsDep = Annotated[WorkshopSettings, Depends(workshop_settings)]
AdminWorkshopSettingsDep = Annotated[WorkshopSettings, Depends(admin_workshop_settings)]


@router.post("/admin/workshops/{workshop_id}/facilitators", name="admin:add_cofacilitator")
def add_co_facilitator(
    change: WorkshopSettingsDep, username: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    return change(
        users.add_co_facilitator,
        username=username,
        audited="workshop.cofacilitator.add",
        detail=lambda added: added.username,
    )


@router.post(
    "/admin/workshops/{workshop_id}/facilitators/{user_id}/remove",
    name="admin:remove_cofacilitator",
)
def remove_co_facilitator(user_id: IdPath, change: WorkshopSettingsDep) -> Response:
    return change(
        users.remove_co_facilitator,
        user_id=user_id,
        audited="workshop.cofacilitator.remove",
        detail=lambda removed: removed.username,
    )


@router.get("/admin/workshops/{workshop_id}/close", name="admin:close_confirm")
def close_confirm(
    request: Request, workshop: PageRunnerWorkshopDep, user: PageStaffDep, session: SessionDep
) -> Response:
    """Ask before closing: it cannot be undone, and phones still in the room lose the board."""
    from app.domain import workshops

    return render(
        request,
        "admin/close.html",
        user=user,
        workshop=workshop,
        participant_count=workshops.participant_count(session, workshop.id),
        retention=retention.info(
            session, workshop, default_days=request.app.state.settings.retention_days
        ),
    )


@router.post("/admin/workshops/{workshop_id}/close", name="admin:close_workshop")
def close_workshop(change: WorkshopSettingsDep) -> Response:
    return change(retention.close_workshop, audited="workshop.close")


@router.post("/admin/workshops/{workshop_id}/retention", name="admin:workshop_retention")
def set_retention(
    change: AdminWorkshopSettingsDep, days: Annotated[str, Form(max_length=8)] = ""
) -> Response:
    return change(
        _keep_days,
        days=days,
        audited="workshop.retention",
        detail=lambda kept: str(kept) if kept is not None else "default",
    )


def _keep_days(*, session: Session, workshop: Workshop, days: str) -> int | None:
    """The days as typed: empty for the default, else a whole number the domain bounds."""
    text = days.strip()
    if text and not (text.isascii() and text.isdecimal()):
        raise Invalid(N_("Keep data between 1 and %(max)s days."), max=retention.MAX_DAYS)
    value = int(text) if text else None
    retention.set_days(session=session, workshop=workshop, days=value)
    return value


@router.post("/admin/workshops/{workshop_id}/purge", name="admin:purge_workshop")
def purge_workshop(change: AdminWorkshopSettingsDep) -> Response:
    return change(
        retention.purge_workshop,
        audited="workshop.purge",
        detail=lambda kept: f"participants={kept.participants} notes={kept.total_notes}",
    )
