"""The sorting flows once more on PostgreSQL, the production database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY
from tests.web import test_funnel_report, test_reveal, test_sorting_api, test_sorting_roles
from tests.web import test_votes_presentation_timer as test_votes

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(postgres_database):
    settings = Settings(
        database_url=postgres_database,
        secret_key=SECRET_KEY,
        admin_password=ADMIN_PASSWORD,
        sse_heartbeat_seconds=1.0,
    )
    with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
        yield client


def test_clusters_merge_and_dissolve_on_postgres(pg_client):
    test_sorting_api.test_facilitator_clusters_titles_reorders_merges_and_dissolves(pg_client)
    test_sorting_api.test_duplicate_folds_under_its_original_and_stays_in_the_data(pg_client)


def test_funnel_and_sample_report_on_postgres(pg_client):
    test_funnel_report.test_sample_workshop_replayed_through_the_funnel_reports_its_hard_problems(
        pg_client
    )


def test_votes_and_timer_on_postgres(pg_client):
    test_votes.test_each_participant_has_n_dots_and_at_most_m_on_one_item(pg_client)
    test_votes.test_timer_that_locks_at_zero_closes_posting(pg_client)


def test_roles_and_hidden_notes_on_postgres(pg_client):
    test_sorting_roles.test_a_participant_cannot_organise(
        pg_client, test_sorting_roles.table.__wrapped__(pg_client)
    )
    test_reveal.test_hidden_notes_never_reach_another_participant(
        pg_client, test_reveal.hidden.__wrapped__(pg_client)
    )
