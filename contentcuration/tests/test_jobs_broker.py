"""The embedded broker (kombu's filesystem transport) never hands a worker half a message.

kombu's own transport creates the message file and then writes it; a worker polling in
between read an empty or cut-off file and died on JSONDecodeError, leaving jobs PENDING (it
happened in CI). contentcuration.broker renames each message into place whole.
"""

from __future__ import annotations

import multiprocessing
from queue import Empty

from kombu import Connection

from contentcuration.broker import Transport
from contentcuration.celery import app

BODY = "x" * 4_000_000
COUNT = 30
TRANSPORT = Transport  # with kombu's "filesystem" this fails, most runs on the first message


def channel_on(folder, transport=Transport):
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}
    return Connection("filesystem://", transport=transport, transport_options=options).channel()


def consume(folder, transport, results):
    """A worker in its own process: poll without pause, report each message or the failure."""
    channel = channel_on(folder, transport)
    received = 0
    while received < COUNT:
        try:
            message = channel._get("jobs")
        except Empty:
            continue
        except Exception as exc:  # noqa: BLE001 - any failure to read is the bug
            results.put(("error", repr(exc)[:200]))
            return
        received += 1
        results.put(("message", (message["index"], message["body"] == BODY)))


def test_a_worker_polling_while_messages_are_written_reads_each_one_whole(tmp_path):
    results = multiprocessing.get_context("fork").Queue()
    worker = multiprocessing.get_context("fork").Process(target=consume, args=(tmp_path, TRANSPORT, results))
    worker.start()
    producer = channel_on(tmp_path, TRANSPORT)
    for index in range(COUNT):
        producer._put("jobs", {"index": index, "body": BODY})

    outcomes = []
    while len(outcomes) < COUNT and "error" not in (outcome[0] for outcome in outcomes):
        outcomes.append(results.get(timeout=60))
    worker.join(timeout=10)

    assert [outcome for outcome in outcomes if outcome[0] == "error"] == []
    assert sorted(outcome[1] for outcome in outcomes) == [(index, True) for index in range(COUNT)]


def test_the_celery_app_uses_it_when_there_is_no_redis(settings):
    if settings.CELERY_BROKER_URL != "filesystem://":
        import pytest

        pytest.skip("REDIS_URL is set: the broker is Redis")
    with app.connection_for_write() as connection:
        assert connection.get_transport_cls() is Transport
