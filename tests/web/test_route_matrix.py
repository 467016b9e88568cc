"""Every route × every role, built from the app's own route table.

Each route declares who may use it. The test tries it as each role with a valid request and
checks the outcome: allowed roles get an answer below 400 (or, for event streams, pass the
authorisation check), everyone else is refused (401, 403, or sent to the sign-in or join page).
A route added to the app without a declaration here fails ``test_every_route_is_declared``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.routing import Mount, Route

from app.domain import format_store, staff_sessions, users
from app.domain.formats import StageSpec
from app.models import Participant, User
from app.web import csrf
from tests.conftest import SECRET_KEY
from tests.factories import bearer, join, make_workshop, open_stage

ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "recorder",
    "facilitator",
    "other_facilitator",
    "admin",
)

# Who may use a route.
PUBLIC = frozenset(ROLES)
MEMBER = frozenset({"participant", "recorder", "facilitator", "admin"})
PHONE = frozenset({"participant", "recorder"})
AUTHOR = frozenset({"participant", "facilitator", "admin"})
AUTHOR_PHONE = frozenset({"participant"})
# Live sorting: the facilitator organises any group, a recorder only their own (1G here).
ORGANISER = frozenset({"recorder", "facilitator", "admin"})
RUNNER = frozenset({"facilitator", "admin"})
STAFF = frozenset({"facilitator", "other_facilitator", "admin"})
ADMIN = frozenset({"admin"})
# Who keeps the record of a session: the workshop's runners and its group recorders.
RECORDER = frozenset({"recorder", "facilitator", "admin"})

CSRF_SEED = "0123456789abcdef0123456789abcdef"


@dataclass
class Target:
    """A workshop run by the facilitator, with a participant and a recorder at table 1G."""

    id: int
    code: str
    participant_token: str
    participant_id: str
    recorder_token: str
    # A 1G note of the stage an open select or vote stage draws from.
    item: str = ""


# Only one stage is open at a time, so picks and dots each need a workshop of their own.
VOTING_STAGES = [
    {"key": "ideas", "label": "アイデア"},
    {"key": "dots", "label": "投票", "kind": "vote", "draws_from": "ideas"},
]


@dataclass
class World:
    client: TestClient
    staff: dict[str, User]
    api_tokens: dict[str, str]
    cookies: dict[str, str]
    target: Target
    other: Target
    helper: User
    format_id: int
    selecting: Target = field(init=False)
    voting: Target = field(init=False)
    fresh_target: Callable[..., Target] = field(repr=False, default=lambda: None)  # type: ignore[assignment,return-value]

    def note_by_participant(self, target: Target, stage: str = "strengths") -> str:
        response = self.client.post(
            f"/api/v1/workshops/{target.id}/notes",
            json={"stage": stage, "text": "note", "id": str(uuid.uuid4())},
            headers=bearer(target.participant_token),
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def cluster_in(self, target: Target) -> int:
        """A new empty 1G cluster: dissolving or merging one leaves the next role its own."""
        response = self.client.post(
            f"/api/v1/workshops/{target.id}/clusters",
            json={"stage": "strengths", "group": "1G"},
            headers=bearer(self.api_tokens["facilitator"]),
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]


def _question_in(world: World, target: Target) -> int:
    """A question in ``target``, recorded by its facilitator."""
    response = world.client.post(
        f"/api/v1/workshops/{target.id}/questions",
        json={"text": "matrix question"},
        headers=bearer(world.api_tokens["facilitator"]),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _answer_in(world: World, target: Target) -> int:
    """An answer to a new question in ``target``, recorded by its facilitator."""
    response = world.client.post(
        f"/api/v1/workshops/{target.id}/questions/{_question_in(world, target)}/answers",
        json={"organization": "o", "text": "matrix answer"},
        headers=bearer(world.api_tokens["facilitator"]),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _comment_in(world: World, target: Target) -> int:
    response = world.client.post(
        f"/api/v1/workshops/{target.id}/comments",
        json={"role": "advisor", "name": "n", "text": "matrix comment"},
        headers=bearer(world.api_tokens["facilitator"]),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _archive(world: World, target: Target) -> dict[str, Any]:
    """The smallest archive the import accepts."""
    return {
        "kind": "fusen-workshop-archive",
        "version": 1,
        "workshop": {"title": "Matrix import"},
        "stages": [{"key": "a", "label": "A"}],
        "groups": ["1G"],
    }


@dataclass(frozen=True)
class Probe:
    """How to call one route validly; ``params`` fills path parameters from the world."""

    allowed: frozenset[str]
    params: Callable[[World, Target], dict[str, Any]] | None = None
    # The workshop the route is tried on: the facilitator's, unless it needs another open stage.
    on: Callable[[World], Target] = attrgetter("target")
    body: Callable[[World, Target], dict[str, Any]] | None = None
    json: Callable[[World, Target], Any] | None = None
    query: str = ""
    note: bool = False
    fresh: bool = False
    closed: bool = False
    # Event streams: an invalid resume point answers 422 once authorisation has passed.
    stream: bool = False
    # Its success is itself a redirect to the join or sign-in page.
    redirects_on_success: bool = False
    # Multipart uploads (a workshop archive).
    files: Callable[[World, Target], dict[str, Any]] | None = None
    # Needs a Q&A or feedback stage to be open: 409 once authorisation has passed.
    state_gated: bool = False


def _stage_rows(**first: str) -> dict[str, Any]:
    row = {"key": "one", "label": "一", "label_en": "One", "prompt": "", "prompt_en": ""}
    row.update(first)
    return {
        f"stage_{name}": [value]
        for name, value in {
            **row,
            "kind": "post",
            "scope": "group",
            "limit": "",
            "draws_from": "",
        }.items()
    }


SELECTING = attrgetter("selecting")
VOTING = attrgetter("voting")


def _dots_stage(world: World, target: Target) -> dict[str, Any]:
    return {"stage_key": "dots"}


def _series(world: World, target: Target) -> dict[str, Any]:
    """A new series, so that every role's try starts from the same state."""
    from app.domain import series

    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.write_session() as session:
        created = series.create_series(
            session=session, name=f"series {uuid.uuid4().hex[:8]}", user=world.staff["admin"]
        )
        session.commit()
        return {"series_id": created.id}


_ANALYSIS_NOTES: list[str] = []


def _analysis(world: World, target: Target) -> dict[str, Any]:
    """A saved analysis of the facilitator's, two themes of two notes each."""
    import json as json_module

    from app.models import ThemeAnalysis

    ids = [world.note_by_participant(target) for _ in range(4)]
    _ANALYSIS_NOTES[:] = ids
    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.write_session() as session:
        row = ThemeAnalysis(
            name="matrix",
            stage_key="strengths",
            workshop_ids=json_module.dumps([target.id]),
            themes=json_module.dumps(
                [{"title": "a", "notes": ids[:2]}, {"title": "b", "notes": ids[2:]}]
            ),
            created_by=world.staff["facilitator"].id,
        )
        session.add(row)
        session.commit()
        return {"analysis_id": row.id}


def _theme(world: World, target: Target) -> dict[str, Any]:
    return {**_analysis(world, target), "index": 0}


def _themes_form(world: World, target: Target) -> dict[str, Any]:
    world.note_by_participant(world.other)
    return {"name": "m", "stage": "strengths"}


def _first_group(world: World, target: Target) -> dict[str, Any]:
    """The id of the target's 1G, where the recorder sits."""
    response = world.client.get(
        f"/api/v1/workshops/{target.id}", headers=bearer(world.api_tokens["facilitator"])
    )
    return {"group_id": response.json()["groups"][0]["id"]}


DECLARED: dict[str, Probe] = {
    # Framework and health
    "openapi": Probe(PUBLIC),
    "api_docs": Probe(PUBLIC),
    "healthz": Probe(PUBLIC),
    # JSON API
    "api:token": Probe(
        PUBLIC, body=lambda w, t: {"username": "matrix-login", "password": "matrix-password"}
    ),
    "api:formats": Probe(PUBLIC),
    "api:create_workshop": Probe(
        STAFF, json=lambda w, t: {"title": "M", "format": "kpt", "groups": ["1G"]}
    ),
    "api:workshop": Probe(MEMBER),
    "api:current_stage": Probe(RUNNER, json=lambda w, t: {"stage": "strengths"}),
    "api:posting": Probe(RUNNER, json=lambda w, t: {"locked": False}),
    "api:limits": Probe(ADMIN, json=lambda w, t: {"max_participants": 400}),
    "api:join": Probe(PUBLIC, json=lambda w, t: {"code": t.code, "group": "1G"}),
    "api:post_note": Probe(
        MEMBER,
        json=lambda w, t: {
            "stage": "strengths",
            "text": "hi",
            "group": "1G",
            "id": str(uuid.uuid4()),
        },
    ),
    "api:edit_note": Probe(AUTHOR, json=lambda w, t: {"text": "edited"}, note=True),
    "api:delete_note": Probe(AUTHOR, note=True),
    "api:report_md": Probe(RUNNER),
    "api:events": Probe(MEMBER, query="?after=x", stream=True),
    # Streams for pages
    "board:stream": Probe(RUNNER, query="?after=x", stream=True),
    "wall:stream": Probe(RUNNER, query="?after=x", stream=True),
    "participant:stream": Probe(PHONE, query="?after=x", stream=True),
    # Phone pages
    "participant:index": Probe(PUBLIC),
    "participant:find": Probe(PUBLIC, query="?code={code}", redirects_on_success=True),
    "participant:join": Probe(PUBLIC),
    "participant:join_post": Probe(PUBLIC, body=lambda w, t: {"group": "1G", "name": "x"}),
    "participant:home": Probe(PHONE),
    "participant:live": Probe(PHONE),
    "participant:post_note": Probe(
        PHONE, body=lambda w, t: {"stage": "strengths", "text": "hi", "id": str(uuid.uuid4())}
    ),
    "participant:edit_note": Probe(AUTHOR_PHONE, body=lambda w, t: {"text": "e"}, note=True),
    "participant:delete_note": Probe(AUTHOR_PHONE, note=True),
    # Projector board
    "board:board": Probe(RUNNER),
    "board:live": Probe(RUNNER),
    "board:open_stage": Probe(RUNNER, body=lambda w, t: {"stage": "strengths"}),
    "board:posting": Probe(RUNNER, body=lambda w, t: {"locked": "false"}),
    "board:post_note": Probe(
        RUNNER, body=lambda w, t: {"group": "1G", "stage": "strengths", "text": "paper"}
    ),
    "board:qr": Probe(RUNNER),
    "board:qr_svg": Probe(RUNNER),
    "board:qr_png": Probe(RUNNER),
    "board:report_md": Probe(RUNNER),
    # Projector wall: whoever may open the board may open the wall
    "wall:wall": Probe(RUNNER),
    "wall:focus": Probe(RUNNER, body=lambda w, t: {"group": "1G"}),
    # Staff pages
    "admin:login": Probe(PUBLIC),
    "admin:login_post": Probe(
        PUBLIC, body=lambda w, t: {"username": "matrix-login", "password": "matrix-password"}
    ),
    "admin:logout": Probe(PUBLIC, redirects_on_success=True),
    "admin:language": Probe(PUBLIC, body=lambda w, t: {"lang": "en", "next": "/"}),
    "admin:home": Probe(STAFF),
    "admin:new_workshop": Probe(STAFF),
    "admin:create_workshop": Probe(
        STAFF, body=lambda w, t: {"title": "M", "format": "kpt", "groups": "2"}
    ),
    "admin:workshop": Probe(RUNNER),
    # Secretariat console
    "admin:users": Probe(ADMIN),
    "admin:create_user": Probe(
        ADMIN, body=lambda w, t: {"username": f"u{uuid.uuid4().hex[:8]}", "role": "facilitator"}
    ),
    "admin:user": Probe(ADMIN),
    "admin:user_active": Probe(ADMIN, body=lambda w, t: {"active": "true"}),
    "admin:user_role": Probe(ADMIN, body=lambda w, t: {"role": "facilitator"}),
    "admin:user_password": Probe(ADMIN, body=lambda w, t: {"password": "helper-password-2"}),
    "admin:formats": Probe(ADMIN),
    "admin:new_format": Probe(ADMIN),
    "admin:format": Probe(ADMIN),
    "admin:create_format": Probe(
        ADMIN,
        body=lambda w, t: {"key": f"f{uuid.uuid4().hex[:8]}", "name": "F", **_stage_rows()},
    ),
    "admin:update_format": Probe(ADMIN, body=lambda w, t: {"name": "F2", **_stage_rows()}),
    "admin:audit": Probe(ADMIN),
    "admin:add_cofacilitator": Probe(RUNNER, body=lambda w, t: {"username": "helper"}),
    "admin:remove_cofacilitator": Probe(RUNNER),
    "admin:close_confirm": Probe(RUNNER),
    "admin:close_workshop": Probe(RUNNER, fresh=True),
    "admin:workshop_retention": Probe(ADMIN, body=lambda w, t: {"days": "30"}),
    "admin:purge_workshop": Probe(ADMIN, fresh=True, closed=True),
    # Records of the session and the report
    "api:report": Probe(RUNNER),
    "api:import_workshop": Probe(STAFF, json=_archive),
    "api:report_details": Probe(RUNNER, json=lambda w, t: {"theme": "matrix"}),
    "api:records": Probe(RUNNER),
    "api:ask_question": Probe(MEMBER, json=lambda w, t: {"text": "q"}, state_gated=True),
    "api:answer_question": Probe(RECORDER, json=lambda w, t: {"organization": "o", "text": "a"}),
    "api:edit_question": Probe(RECORDER, json=lambda w, t: {"remark": "r"}),
    "api:add_comment": Probe(
        RECORDER, json=lambda w, t: {"role": "advisor", "name": "n", "text": "t"}
    ),
    "api:edit_answer": Probe(RECORDER, json=lambda w, t: {"organization": "o", "text": "a2"}),
    "api:delete_answer": Probe(RECORDER),
    "api:edit_comment": Probe(
        RECORDER, json=lambda w, t: {"role": "advisor", "name": "n", "text": "t2"}
    ),
    "api:delete_comment": Probe(RECORDER),
    "api:give_feedback": Probe(PHONE, json=lambda w, t: {"text": "f"}, state_gated=True),
    "participant:ask_question": Probe(PHONE, body=lambda w, t: {"text": "q"}, state_gated=True),
    "participant:give_feedback": Probe(PHONE, body=lambda w, t: {"text": "f"}, state_gated=True),
    "records:page": Probe(RUNNER),
    "records:ask": Probe(RUNNER, body=lambda w, t: {"text": "q"}),
    "records:answer": Probe(RUNNER, body=lambda w, t: {"text": "a"}),
    "records:remark": Probe(RUNNER, body=lambda w, t: {"remark": "r"}),
    "records:comment": Probe(
        RUNNER, body=lambda w, t: {"role": "advisor", "name": "n", "text": "t"}
    ),
    "records:edit_answer": Probe(RUNNER, body=lambda w, t: {"organization": "o", "text": "a2"}),
    "records:delete_answer": Probe(RUNNER),
    "records:edit_comment": Probe(
        RUNNER, body=lambda w, t: {"role": "advisor", "name": "n", "text": "t2"}
    ),
    "records:delete_comment": Probe(RUNNER),
    "secretariat:home": Probe(STAFF),
    "secretariat:download": Probe(RUNNER),
    "secretariat:print": Probe(RUNNER),
    "secretariat:details": Probe(RUNNER),
    "secretariat:save_details": Probe(RUNNER, body=lambda w, t: {"title": "M"}),
    "secretariat:import_form": Probe(STAFF),
    "secretariat:import": Probe(
        STAFF,
        files=lambda w, t: {"file": ("a.json", json.dumps(_archive(w, t)), "application/json")},
    ),
    # Live sorting, JSON API: organising a group
    "api:create_cluster": Probe(
        ORGANISER,
        json=lambda w, t: {
            "stage": "strengths",
            "group": "1G",
            "title": "c",
            "notes": [w.note_by_participant(t)],
        },
    ),
    "api:edit_cluster": Probe(ORGANISER, json=lambda w, t: {"title": "t", "after": None}),
    "api:dissolve_cluster": Probe(ORGANISER),
    "api:merge_clusters": Probe(ORGANISER, json=lambda w, t: {"into": w.cluster_in(t)}),
    "api:move_note": Probe(ORGANISER, json=lambda w, t: {"cluster_id": w.cluster_in(t)}, note=True),
    "api:duplicate_note": Probe(
        ORGANISER, json=lambda w, t: {"duplicate_of": w.note_by_participant(t)}, note=True
    ),
    "api:duplicate_suggestions": Probe(ORGANISER, query="?stage=strengths&group=1G"),
    "api:select": Probe(
        ORGANISER,
        on=SELECTING,
        json=lambda w, t: {"stage": "hard_problems", "note_id": t.item, "selected": True},
    ),
    # Live sorting, JSON API: dots are the participants' own
    "api:vote": Probe(
        PHONE, on=VOTING, json=lambda w, t: {"stage": "dots", "note_id": t.item, "dots": 1}
    ),
    # Live sorting, JSON API: running the room
    "api:voting": Probe(
        RUNNER,
        on=VOTING,
        params=_dots_stage,
        json=lambda w, t: {"dots_per_person": 3, "dots_per_item": 3},
    ),
    "api:reveal": Probe(RUNNER, json=lambda w, t: {"hidden": False}),
    "api:sorting": Probe(RUNNER, json=lambda w, t: {"done": False}),
    "api:timer": Probe(RUNNER, json=lambda w, t: {"seconds": 600, "lock_at_zero": False}),
    "api:moderate_note": Probe(RUNNER, json=lambda w, t: {"moderated": True}, note=True),
    "api:participant_role": Probe(RUNNER, json=lambda w, t: {"role": "member"}),
    "api:presentation": Probe(RUNNER, json=lambda w, t: {"group": "1G", "order": ["1G", "2G"]}),
    "api:presentation_step": Probe(RUNNER),
    # Live sorting, board and phone forms: organising a group
    "sorting:create_cluster": Probe(
        ORGANISER, body=lambda w, t: {"stage": "strengths", "group": "1G", "title": "c"}
    ),
    "sorting:title": Probe(ORGANISER, body=lambda w, t: {"title": "t"}),
    "sorting:move_cluster": Probe(ORGANISER, body=lambda w, t: {"after": ""}),
    "sorting:dissolve": Probe(ORGANISER),
    "sorting:merge": Probe(ORGANISER, body=lambda w, t: {"into": str(w.cluster_in(t))}),
    "sorting:move_note": Probe(
        ORGANISER, body=lambda w, t: {"cluster": str(w.cluster_in(t))}, note=True
    ),
    "sorting:drop_onto": Probe(
        ORGANISER, body=lambda w, t: {"target": w.note_by_participant(t)}, note=True
    ),
    "sorting:duplicate": Probe(
        ORGANISER, body=lambda w, t: {"of": w.note_by_participant(t)}, note=True
    ),
    "sorting:select": Probe(
        ORGANISER,
        on=SELECTING,
        body=lambda w, t: {"stage": "hard_problems", "selected": "true", "note": t.item},
    ),
    # One menu for every card: fetched by whoever may organise the note's group
    "sorting:note_menu": Probe(ORGANISER, note=True),
    "sorting:suggestions": Probe(ORGANISER, params=_first_group),
    # Live sorting, board forms: running the room
    "sorting:moderated": Probe(RUNNER, params=_first_group),
    "sorting:reveal": Probe(RUNNER, body=lambda w, t: {"hidden": "false"}),
    "sorting:sorting_done": Probe(RUNNER, body=lambda w, t: {"done": "false"}),
    "sorting:voting": Probe(
        RUNNER,
        on=VOTING,
        params=_dots_stage,
        body=lambda w, t: {"dots_per_person": "3", "dots_per_item": "3"},
    ),
    "sorting:timer": Probe(RUNNER, body=lambda w, t: {"minutes": "10"}),
    "sorting:moderate": Probe(RUNNER, body=lambda w, t: {"moderated": "true"}, note=True),
    "sorting:role": Probe(RUNNER, body=lambda w, t: {"role": "member"}),
    "sorting:presentation": Probe(RUNNER, body=lambda w, t: {"group": "1G"}),
    # Live sorting, phone: a participant's own notes and dots
    "sorting:my_notes": Probe(PHONE),
    "sorting:my_dots": Probe(PHONE, on=VOTING),
    "sorting:vote": Probe(
        PHONE, on=VOTING, body=lambda w, t: {"stage": "dots", "delta": "1", "note": t.item}
    ),
    # Search, series and themes: staff only, each seeing only the workshops they run
    "search:page": Probe(STAFF, query="?q=note"),
    "search:csv": Probe(STAFF, query="?q=note"),
    "search:xlsx": Probe(STAFF, query="?q=note"),
    "api:notes": Probe(STAFF, query="?q=note"),
    "api:notes_csv": Probe(STAFF),
    "api:notes_jsonl": Probe(STAFF),
    "series:list": Probe(STAFF),
    "series:create": Probe(STAFF, body=lambda w, t: {"name": f"s {uuid.uuid4().hex[:8]}"}),
    "series:page": Probe(STAFF, params=_series),
    "series:assign": Probe(RUNNER, body=lambda w, t: {"series_id": ""}),
    "series:next": Probe(RUNNER, body=lambda w, t: {"title": "next"}),
    "themes:list": Probe(STAFF),
    "themes:create": Probe(STAFF, body=_themes_form),
    # A saved analysis is its author's (and the admins')
    "themes:page": Probe(RUNNER, params=_analysis),
    "themes:rename_analysis": Probe(RUNNER, params=_analysis, body=lambda w, t: {"name": "n"}),
    "themes:rename": Probe(RUNNER, params=_theme, body=lambda w, t: {"title": "t"}),
    "themes:merge": Probe(RUNNER, params=_theme, body=lambda w, t: {"into": "1"}),
    "themes:split": Probe(RUNNER, params=_theme, body=lambda w, t: {"note": [_ANALYSIS_NOTES[0]]}),
    "themes:xlsx": Probe(RUNNER, params=_analysis),
    "themes:docx": Probe(RUNNER, params=_analysis),
    "themes:report_docx": Probe(RUNNER, params=_analysis),
}


def app_routes(client: TestClient) -> list[Route]:
    """Every route the app answers, routers included, static files left out."""
    found: list[Any] = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            continue
        if hasattr(route, "effective_route_contexts"):
            found.extend(route.effective_route_contexts())
        else:
            found.append(route)
    return found


def test_every_route_is_declared(client):
    names = {route.name for route in app_routes(client)}
    undeclared = sorted(names - DECLARED.keys())
    assert not undeclared, f"declare who may use these routes: {undeclared}"
    assert not sorted(DECLARED.keys() - names), "declarations for routes that no longer exist"


def _methods(route: Route) -> list[str]:
    methods = set(route.methods or {"GET"}) - {"HEAD"}
    return sorted(methods)


def _build_world(client: TestClient) -> World:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.write_session() as session:
        admin = session.exec(select(User).where(User.username == "admin")).one()
        facilitator = users.create_user(
            session=session, username="facilitator", role="facilitator", password="f-password-1"
        ).user
        other = users.create_user(
            session=session, username="other", role="facilitator", password="o-password-1"
        ).user
        helper = users.create_user(
            session=session, username="helper", role="facilitator", password="h-password-1"
        ).user
        users.create_user(
            session=session, username="matrix-login", role="facilitator", password="matrix-password"
        )
        stored = format_store.save_format(
            session=session,
            user=admin,
            key="matrix",
            name="Matrix",
            stages=[StageSpec(key="a", label="A")],
        )
        session.commit()
    signer = client.app.state.signer  # type: ignore[attr-defined]
    staff = {"facilitator": facilitator, "other_facilitator": other, "admin": admin}
    world = World(
        client=client,
        staff=staff,
        api_tokens={role: signer.api_token(user.id) for role, user in staff.items()},
        cookies={},
        target=None,  # type: ignore[arg-type]
        other=None,  # type: ignore[arg-type]
        helper=helper,
        format_id=stored.id,
    )
    for role in staff:
        _sign_in(world, role)

    def fresh(owner: str = "facilitator", first_stage: str = "strengths", **spec: Any) -> Target:
        created = make_workshop(client, world.api_tokens[owner], **spec)
        open_stage(client, world.api_tokens[owner], created["id"], first_stage)
        member = join(client, created["join_code"], "1G")
        recorder = join(client, created["join_code"], "1G")
        with db.write_session() as session:
            row = session.get(Participant, recorder["participant_id"])
            row.role = "recorder"
            session.add(row)
            session.commit()
        return Target(
            id=created["id"],
            code=created["join_code"],
            participant_token=member["token"],
            participant_id=member["participant_id"],
            recorder_token=recorder["token"],
        )

    def funnel(source: str, funnel_stage: str, **spec: Any) -> Target:
        """A workshop whose select or vote stage is open, over a 1G note of its source stage."""
        target = fresh(first_stage=source, **spec)
        target.item = world.note_by_participant(target, stage=source)
        open_stage(client, world.api_tokens["facilitator"], target.id, funnel_stage)
        return target

    world.fresh_target = fresh
    world.target = fresh()
    world.other = fresh("other_facilitator")
    world.selecting = funnel("shared_issues", "hard_problems")
    world.voting = funnel("ideas", "dots", stages=VOTING_STAGES, format=None)
    return world


def _sign_in(world: World, role: str) -> None:
    """A staff session made directly: signing in through the form is tested elsewhere."""
    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.write_session() as session:
        started = staff_sessions.start(session=session, user=world.staff[role], hours=1)
        session.commit()
    world.cookies[role] = started.cookie_value


def _credentials(world: World, role: str, target: Target) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, cookies) a browser or script acting as ``role`` would send."""
    headers = {"X-CSRF-Token": csrf.token_for(SECRET_KEY, CSRF_SEED)}
    cookies = {"fusen_csrf": CSRF_SEED}
    if role in world.staff:
        headers.update(bearer(world.api_tokens[role]))
        cookies["fusen_staff"] = world.cookies[role]
    elif role in ("participant", "recorder"):
        token = target.participant_token if role == "participant" else target.recorder_token
        headers.update(bearer(token))
        cookies[f"fusen_p{target.id}"] = token
    elif role == "other_participant":
        headers.update(bearer(world.other.participant_token))
        cookies[f"fusen_p{world.other.id}"] = world.other.participant_token
    return headers, cookies


def _path(route: Route, world: World, target: Target, probe: Probe) -> str:
    params: dict[str, Any] = probe.params(world, target) if probe.params else {}
    for name in route.param_convertors:
        if name in params:
            continue
        if name == "workshop_id":
            params[name] = target.id
        elif name == "code":
            params[name] = target.code
        elif name == "note_id":
            params[name] = world.note_by_participant(target)
        elif name == "user_id":
            params[name] = world.helper.id
        elif name == "format_id":
            params[name] = world.format_id
        elif name == "ext":
            params[name] = "csv"
        elif name == "question_id":
            params[name] = _question_in(world, target)
        elif name == "answer_id":
            params[name] = _answer_in(world, target)
        elif name == "comment_id":
            params[name] = _comment_in(world, target)
        elif name == "cluster_id":
            params[name] = world.cluster_in(target)
        elif name == "stage_key":
            params[name] = "strengths"
        elif name == "participant_id":
            params[name] = target.participant_id
        elif name == "direction":
            params[name] = "next"
        else:
            raise AssertionError(f"no value for path parameter {name} of {route.name}")
    path = route.url_path_for(route.name, **{k: str(v) for k, v in params.items()})
    return str(path) + probe.query.format(code=target.code)


def _refused(response, probe: Probe) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403):
        return True
    if probe.redirects_on_success:
        return False
    location = response.headers.get("location", "")
    return response.status_code in (302, 303, 307) and (
        location.startswith("/login") or location.startswith("/j/")
    )


def _close(world: World, target: Target) -> None:
    from app.domain import retention, workshops

    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.write_session() as session:
        retention.close_workshop(session=session, workshop=workshops.get(session, target.id))
        session.commit()


def test_every_route_answers_each_role_as_declared(client):
    from app.web.ratelimit import Limiter

    # Hundreds of requests from one address and one participant: rate limits are tested elsewhere.
    client.app.state.limits.notes = Limiter(burst=10_000, per_minute=10_000)  # type: ignore[attr-defined]
    world = _build_world(client)
    failures: list[str] = []
    tried = 0
    for route in app_routes(client):
        probe = DECLARED[route.name]
        for method in _methods(route):
            for role in ROLES:
                target = world.fresh_target() if probe.fresh else probe.on(world)
                if probe.closed:
                    _close(world, target)
                headers, cookies = _credentials(world, role, target)
                # Set-up requests go out before the role's cookies are put on the client.
                client.cookies.clear()
                url = _path(route, world, target, probe)
                kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
                if probe.body:
                    kwargs["data"] = probe.body(world, target)
                if probe.json:
                    kwargs["json"] = probe.json(world, target)
                for name, value in cookies.items():
                    client.cookies.set(name, value)
                if probe.files:
                    kwargs["files"] = probe.files(world, target)
                response = client.request(method, url, **kwargs)
                tried += 1
                refused = _refused(response, probe)
                allowed = role in probe.allowed
                if response.status_code >= 500:
                    failures.append(f"{method} {url} as {role}: {response.status_code}")
                elif allowed and (
                    refused
                    or (
                        response.status_code >= 400
                        and not probe.stream
                        and not (probe.state_gated and response.status_code == 409)
                    )
                ):
                    failures.append(f"{method} {url} as {role}: refused {response.status_code}")
                elif allowed and probe.state_gated and response.status_code == 409:
                    pass
                elif allowed and probe.stream and response.status_code != 422:
                    failures.append(f"{method} {url} as {role}: stream gave {response.status_code}")
                elif not allowed and not refused:
                    failures.append(f"{method} {url} as {role}: let in ({response.status_code})")
                if role in world.staff and route.name in ("admin:logout", "admin:login_post"):
                    _sign_in(world, role)
    assert tried >= len(DECLARED) * len(ROLES)
    assert not failures, "\n".join(failures)
