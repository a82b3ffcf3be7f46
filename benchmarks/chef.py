"""Server-side time to accept a 10,000-node channel through the chef API's add_nodes.

Target: <= 60 s for 10,000 nodes (issue 7). Run standalone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python benchmarks/chef.py

On PostgreSQL it creates (and afterwards drops) its own database ``bench_chef`` on that
server; without DATABASE_URL it uses a throwaway SQLite file. The requests are the ones
ricecooker 0.8.0 sends, in its order: chunks of at most 10 children, depth-first (the chunk
under a parent, then each child's subtree), JSON text without Content-Type, Token auth, through
Django's full request handling (in-process client: no network, so the time is the server's).

Tree: 10 topics x 10 topics x 99 resources (70 % documents with their own pdf, 20 % exercises
with 3 questions, 10 % html5 apps with their own zip) = 10,010 nodes, every file distinct.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness import throwaway_database  # noqa: E402

TARGET_SECONDS = 60
TOPICS = int(os.environ.get("BENCH_TOPICS", 10))  # smaller runs for profiling
SUBTOPICS, RESOURCES = 10, 99
CHUNK = 10  # ricecooker's add_nodes chunk size
BENCH_DB = "bench_chef"


def hexid(*parts: object) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))).hex


def node_dict(kind: str, seed: str, files: list, questions: list | None = None, extra: dict | None = None) -> dict:
    return {
        "kind": kind,
        "title": f"{kind} {seed}",
        "language": "en",
        "description": f"Description of {seed}",
        "node_id": hexid("node", seed),
        "content_id": hexid("content", seed),
        "source_domain": hexid("domain"),
        "source_id": seed,
        "author": "Bench",
        "aggregator": "",
        "provider": "",
        "files": files,
        "tags": ["bench", kind],
        "license": None if kind == "topic" else "CC BY",
        "license_description": None,
        "copyright_holder": "" if kind == "topic" else "Bench Org",
        "questions": questions or [],
        "extra_fields": json.dumps(extra or {}),
        "grade_levels": [],
        "resource_types": [],
        "learning_activities": [],
        "accessibility_labels": [],
        "categories": [],
        "learner_needs": [],
        "role": "learner",
        **({} if kind == "topic" else {"suggested_duration": 60}),
    }


def resource(seed: str, index: int, save_bytes) -> dict:
    if index % 10 < 7:
        checksum, _ = save_bytes(f"%PDF bench {seed}".encode(), "pdf")
        files = [
            {
                "size": 20,
                "preset": "document",
                "filename": f"{checksum}.pdf",
                "original_filename": "d.pdf",
                "language": "en",
                "source_url": None,
                "duration": None,
            }
        ]
        return node_dict("document", seed, files)
    if index % 10 < 9:
        answers = json.dumps(
            [{"answer": "Yes", "correct": True, "order": 0}, {"answer": "No", "correct": False, "order": 1}]
        )
        questions = [
            {
                "assessment_id": hexid("q", seed, q),
                "type": "single_selection",
                "question": f"Question {q}?",
                "answers": answers,
                "hints": "[]",
                "raw_data": "",
                "source_url": None,
                "randomize": False,
                "files": [],
            }
            for q in range(3)
        ]
        extra = {"mastery_model": "m_of_n", "randomize": True, "m": 3, "n": 3}
        return node_dict("exercise", seed, [], questions, extra)
    checksum, _ = save_bytes(f"PK bench {seed}".encode(), "zip")
    files = [
        {
            "size": 20,
            "preset": "html5_zip",
            "filename": f"{checksum}.zip",
            "original_filename": "a.zip",
            "language": None,
            "source_url": None,
            "duration": None,
        }
    ]
    return node_dict("html5", seed, files)


def build_spec(save_bytes) -> list[tuple[dict, list]]:
    """[(node dict, children spec)] for the whole channel."""
    spec = []
    for t in range(TOPICS):
        subtopics = []
        for s in range(SUBTOPICS):
            leaves = [(resource(f"r{t}-{s}-{r}", r, save_bytes), []) for r in range(RESOURCES)]
            subtopics.append((node_dict("topic", f"t{t}-{s}", []), leaves))
        spec.append((node_dict("topic", f"t{t}", []), subtopics))
    return spec


def main() -> None:
    with throwaway_database(BENCH_DB) as vendor:
        run(vendor)


def run(vendor: str) -> None:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from contentcuration import storage
    from contentcuration.models import ContentNode, User
    from contentcuration.tree import find_tree_error

    user = User.objects.create_user("bench@example.com", "password", disk_space=0)
    token = Token.objects.create(user=user).key
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}

    def post(name: str, payload) -> dict:
        response = client.generic("POST", f"/api/internal/{name}", json.dumps(payload), content_type="", **headers)
        if response.status_code != 200:
            raise SystemExit(f"{name} answered {response.status_code}: {response.content[:300]!r}")
        return response.json()

    spec = build_spec(storage.save_bytes)
    channel_id = hexid("bench-channel")
    root = post(
        "create_channel",
        {
            "channel_data": {
                "id": channel_id,
                "name": "Bench",
                "language": "en",
                "description": "",
                "source_id": "bench",
                "source_domain": "bench.example.org",
                "files": [],
            }
        },
    )["root"]

    timings: list[float] = []
    cpu_before, load_before = time.process_time(), os.getloadavg()[0]

    def send(parent_id: str, children: list) -> None:
        # ricecooker: a chunk of children, then each child's subtree, then the next chunk.
        for start in range(0, len(children), CHUNK):
            chunk = children[start : start + CHUNK]
            began = time.perf_counter()
            root_ids = post("add_nodes", {"root_id": parent_id, "content_data": [n for n, _ in chunk]})["root_ids"]
            timings.append(time.perf_counter() - began)
            for node, grandchildren in chunk:
                if grandchildren:
                    send(root_ids[node["node_id"]], grandchildren)

    send(root, spec)
    total = sum(timings)
    cpu = time.process_time() - cpu_before
    load_after = os.getloadavg()[0]
    post("finish_channel", {"channel_id": channel_id, "stage": True})
    tree_id = ContentNode.objects.get(pk=root).tree_id
    count = ContentNode.objects.filter(tree_id=tree_id).count() - 1
    error = find_tree_error(tree_id)
    timings.sort()
    print(f"benchmarks/chef.py on {vendor}: {count} nodes in {len(timings)} add_nodes requests")
    print(
        f"  server time to accept the channel: {total:.1f} s (target <= {TARGET_SECONDS} s) "
        f"{'OK' if total <= TARGET_SECONDS else 'OVER TARGET'}"
    )
    print(
        f"  per request: mean {statistics.mean(timings) * 1000:.0f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)] * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms; "
        f"{count / total:.0f} nodes/s"
    )
    print(
        f"  Django-side CPU time {cpu:.1f} s (the rest is PostgreSQL and waiting for the CPU); "
        f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  tree check: {error or 'ok'}")


if __name__ == "__main__":
    main()
