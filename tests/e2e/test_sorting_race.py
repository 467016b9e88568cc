"""Two facilitators drag the same note at the same moment, on a real server."""

from __future__ import annotations

import json
import threading

import httpx


def test_concurrent_moves_of_one_note_end_with_the_last_event_on_every_screen(live_server):
    staff = live_server.staff_token()
    auth = {"Authorization": f"Bearer {staff}"}
    api = f"{live_server.url}/api/v1"
    created = httpx.post(
        f"{api}/workshops",
        headers=auth,
        json={"title": "競合", "format": "open-meeting", "groups": ["1G"]},
    ).json()
    wid = created["id"]
    httpx.put(f"{api}/workshops/{wid}/current-stage", headers=auth, json={"stage": "shared_issues"})
    note = httpx.post(
        f"{api}/workshops/{wid}/notes",
        headers=auth,
        json={"stage": "shared_issues", "text": "取り合い", "group": "1G"},
    ).json()
    clusters = [
        httpx.post(
            f"{api}/workshops/{wid}/clusters",
            headers=auth,
            json={"stage": "shared_issues", "group": "1G", "title": title},
        ).json()["id"]
        for title in ("左", "右")
    ]
    start = httpx.get(f"{api}/workshops/{wid}", headers=auth).json()["last_seq"]
    barrier = threading.Barrier(2)
    failures: list[int] = []

    def drag(cluster_id: int) -> None:
        with httpx.Client(headers=auth, timeout=30) as session:
            barrier.wait()
            for _ in range(15):
                response = session.put(
                    f"{api}/workshops/{wid}/notes/{note['id']}/place",
                    json={"cluster_id": cluster_id},
                )
                if response.status_code != 200:
                    failures.append(response.status_code)

    threads = [threading.Thread(target=drag, args=(c,)) for c in clusters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    # What a subscriber receives, replayed from the stream after the setup.
    moves = []
    with httpx.stream(
        "GET", f"{api}/workshops/{wid}/events", headers=auth, params={"after": start}, timeout=10
    ) as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "note.moved":
                moves.append(json.loads(line[6:])["notes"][0])
                if len(moves) == 30:
                    break
    assert len(moves) == 30  # every move of both facilitators reached the stream
    snapshot = httpx.get(f"{api}/workshops/{wid}", headers=auth).json()
    final = next(n for n in snapshot["notes"] if n["id"] == note["id"])
    assert final["cluster_id"] == moves[-1]["cluster_id"]
    assert final["position"] == moves[-1]["position"]
    assert {m["cluster_id"] for m in moves} == set(clusters)
