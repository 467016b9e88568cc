"""A stream's heartbeat comes after ``timeout`` seconds without messages, never while they flow,
and a closed stream's timer is gone."""

from __future__ import annotations

import asyncio

from app.live.hub import Audience, Subscriber

TIMEOUT = 0.3


async def _writer(subscriber: Subscriber, log: list[tuple[float, str]]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        taken = await subscriber.take(TIMEOUT)
        if taken is None:
            return
        log.append((loop.time(), "ping" if not taken else "data"))


def test_no_heartbeat_while_messages_flow_and_one_after_a_quiet_timeout():
    async def scenario() -> list[tuple[float, str]]:
        subscriber = Subscriber(Audience("api"))
        log: list[tuple[float, str]] = []
        writer = asyncio.create_task(_writer(subscriber, log))
        # Messages every 0.03 s for 0.36 s: longer than a heartbeat period, never quiet that long.
        for seq in range(12):
            subscriber.offer((seq, b"x"))
            await asyncio.sleep(0.03)
        await asyncio.sleep(TIMEOUT * 1.6)
        subscriber.close()
        await asyncio.wait_for(writer, 1)
        assert subscriber._timer is None
        return log

    log = asyncio.run(scenario())
    kinds = [kind for _, kind in log]
    assert kinds.count("data") >= 6, log
    assert kinds[-1] == "ping" and kinds.count("ping") == 1, log
    # Timed from the writer's last take of a message.
    ping_after = log[-1][0] - log[-2][0]
    assert TIMEOUT * 0.95 <= ping_after <= TIMEOUT * 1.6, log
