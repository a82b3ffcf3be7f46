"""Publish benchmark: wall time and peak RSS of publishing channels of ~5k, ~20k and ~100k nodes.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<any> .venv/bin/python benchmarks/publish.py
(only the server in DATABASE_URL is used: the benchmark creates and drops its own database
``bench_publish``). Without DATABASE_URL it runs on a throwaway SQLite file.

Trees have Studio's W5 shape (spec studio-baseline): root -> k topics -> k^2 topics -> k^3
resources, a mix of document, video, audio, html5 and exercise (4 questions each), every
resource with its file(s), language "en". Each publish runs in a child process so that its
peak RSS (os.wait4) is the publish's alone. Targets: 5,000 nodes <= 5 s (Studio: 110 s),
100,000 nodes <= 60 s with peak RSS <= 500 MB.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import throwaway_database  # noqa: E402

BENCH_DB = "bench_publish"
SIZES = [(17, 5_000, 5.0), (27, 20_000, None), (46, 100_000, 60.0)]  # k, label, target seconds
RSS_TARGET_MB = 500
KINDS = ["document", "video", "audio", "html5", "exercise"]
PRESETS = {
    "document": ("document", "pdf"),
    "video": ("high_res_video", "mp4"),
    "audio": ("audio", "mp3"),
    "html5": ("html5_zip", "zip"),
    "exercise": None,
}


def build_channel(k: int):
    """root -> k topics -> k^2 topics -> k^3 resources; returns (channel, node count)."""
    from contentcuration import tree
    from contentcuration.models import AssessmentItem, ContentNode, File
    from contentcuration.tests.factories import UserFactory, make_channel

    owner = UserFactory()
    channel = make_channel(owner=owner, name=f"Bench {k}", language_id="en")
    count = 1
    serial = 0
    for a in range(k):
        resources: list[ContentNode] = []
        subtrees = []
        for b in range(k):
            children = []
            for c in range(k):
                kind = KINDS[(a + b + c) % len(KINDS)]
                extra = (
                    {
                        "options": {
                            "completion_criteria": {
                                "model": "mastery",
                                "threshold": {"mastery_model": "m_of_n", "m": 3, "n": 4},
                            }
                        }
                    }
                    if kind == "exercise"
                    else {}
                )
                node = ContentNode(
                    kind_id=kind,
                    title=f"Resource {a}.{b}.{c}",
                    complete=True,
                    license_id=1,
                    copyright_holder="Bench",
                    extra_fields=extra,
                    learning_activities={"wA01urpi": True},
                    categories={"d&WXdXWF": True},
                )
                resources.append(node)
                children.append(tree.Subtree(node))
            subtrees.append(tree.Subtree(ContentNode(kind_id="topic", title=f"Topic {a}.{b}", complete=True), children))
        top = tree.Subtree(ContentNode(kind_id="topic", title=f"Topic {a}", complete=True), subtrees)
        tree.insert_subtrees(subtrees=[top], target=channel.main_tree)
        count += 1 + k + k * k
        files, items = [], []
        for node in resources:
            serial += 1
            if node.kind_id == "exercise":
                for order in range(1, 5):
                    items.append(
                        AssessmentItem(
                            contentnode=node,
                            order=order,
                            type="single_selection",
                            question=f"Question {order} of {node.title}?",
                            answers=json.dumps(
                                [
                                    {"answer": "yes", "correct": True, "order": 1},
                                    {"answer": "no", "correct": False, "order": 2},
                                ]
                            ),
                            hints=json.dumps([{"hint": "Think", "order": 1}]),
                        )
                    )
                continue
            preset, ext = PRESETS[node.kind_id]
            checksum = hashlib.md5(f"{serial}".encode()).hexdigest()
            files.append(
                File(
                    contentnode=node,
                    checksum=checksum,
                    file_size=1000 + serial,
                    file_format_id=ext,
                    preset_id=preset,
                    file_on_disk=f"storage/{checksum[0]}/{checksum[1]}/{checksum}.{ext}",
                    duration=60 if node.kind_id in ("video", "audio") else None,
                )
            )
        File.objects.bulk_create(files, batch_size=2000)
        AssessmentItem.objects.bulk_create(items, batch_size=2000)
    return channel, count


def child(channel_id: str) -> None:
    """Runs in the child process: publish once, print the seconds the publish took."""
    import django

    django.setup()
    from contentcuration.publish import publish_channel

    started = time.monotonic()
    result = publish_channel(channel_id=channel_id, user=None, force=True)
    print(
        json.dumps(
            {
                "seconds": time.monotonic() - started,
                "nodes": result.node_count,
                "version": result.version,
                "size": result.size,
                "timings": {k: round(v, 2) for k, v in result.timings.items()},
            }
        )
    )


def main() -> None:
    # Stored files must be where the publishing child process looks for them.
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-publish-"))
    with throwaway_database(BENCH_DB):
        run()


def run() -> None:
    from django.db import connection

    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    # "cpu s" is the publishing process's own user+sys time: on a shared machine it shows the
    # work done, independent of how long the process waited for a core (see loadavg).
    print(
        f"{'nodes':>8} {'build s':>8} {'publish s':>10} {'cpu s':>7} {'child wall s':>12} {'peak RSS MB':>12}  target"
    )
    for k, label, target in SIZES:
        started = time.monotonic()
        channel, count = build_channel(k)
        build_seconds = time.monotonic() - started
        connection.close()
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, __file__, "--child", channel.id], stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        if status != 0:
            raise SystemExit(f"publish of {label} nodes failed (status {status})")
        figures = json.loads(out.strip().splitlines()[-1])
        rss_mb = usage.ru_maxrss / 1024  # Linux reports kilobytes
        goals = []
        if target:
            goals.append(f"<= {target:.0f} s {'OK' if figures['seconds'] <= target else 'MISSED'}")
        if label == 100_000:
            goals.append(f"RSS <= {RSS_TARGET_MB} MB {'OK' if rss_mb <= RSS_TARGET_MB else 'MISSED'}")
        cpu = usage.ru_utime + usage.ru_stime
        print(
            f"{figures['nodes']:>8} {build_seconds:>8.1f} {figures['seconds']:>10.2f} {cpu:>7.1f} {wall:>12.2f}"
            f" {rss_mb:>12.0f}  {'; '.join(goals)}  (~{label:,} nodes, {count} in tree,"
            f" loadavg {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        print(f"{'':>8} phases: {figures['timings']}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
