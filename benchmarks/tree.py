"""Tree writer benchmark (issue 2): bulk insert, subtree move, subtree copy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/tree.py

Targets (PostgreSQL): 10,000 children inserted under one topic in one batch <= 2 s; a
1,000-node subtree moved <= 0.2 s; a 5,000-node subtree copied <= 2 s. Each figure is the
median of 3 runs of the tree.py call alone (building the unsaved node objects is the caller's
work and is reported separately). The channel trees are channel-sized (about 10,000 nodes),
as in studio-baseline.md's W3b/W6 workloads.
"""

import time

from harness import drop_database, median_seconds, report, settle, setup_django

vendor = setup_django("bench_tree")

from contentcuration import tree  # noqa: E402
from contentcuration.models import ContentNode  # noqa: E402
from contentcuration.tests.factories import UserFactory, make_channel  # noqa: E402


def topic(title: str) -> ContentNode:
    return ContentNode(kind_id="topic", title=title)


def video(i: int) -> ContentNode:
    return ContentNode(kind_id="video", title=f"Video {i}", license_id=1, copyright_holder="Bench")


def subtree(size: int, title: str = "Subtree") -> tree.Subtree:
    """A topic with ``size - 1`` descendants: topics of up to 9 videos each."""
    top = tree.Subtree(topic(title))
    made = 1
    while made < size:
        folder = tree.Subtree(topic(f"Folder {made}"))
        top.children.append(folder)
        made += 1
        for i in range(min(9, size - made)):
            folder.children.append(tree.Subtree(video(i)))
            made += 1
    return top


def count(node) -> int:
    return ContentNode.objects.get(pk=node.pk).get_descendant_count() + 1


owner = UserFactory(email="bench@example.com")
print(f"database: {vendor}")

# 1. Insert: 10,000 children under one topic, in a fresh channel each run.
batches = []


def prepare_insert():
    channel = make_channel(owner=owner, name="Insert")
    parent = tree.insert_node(node=topic("Parent"), target=channel.main_tree)
    start = time.perf_counter()
    batches.append((parent, [video(i) for i in range(10_000)]))
    batches[-1] += (time.perf_counter() - start,)


seconds = median_seconds(lambda: tree.insert_nodes(nodes=batches[-1][1], target=batches[-1][0]), prepare=prepare_insert)
report("insert 10,000 children under one topic (one batch)", seconds, 2.0)
report("  (building the 10,000 unsaved objects, caller side)", sorted(b[2] for b in batches)[1])


# 2. Move: a 1,000-node subtree from one end of a channel tree to the other and back, so
# every node of the tree is renumbered each time (the worst case). Measured in a tree of
# W3b's size (5,220 nodes) and in one twice that size.
def bench_move(tree_size: int) -> None:
    channel = make_channel(owner=owner, name="Move")
    root = channel.main_tree
    rest = tree_size - 1 - 1000
    tree.insert_subtrees(target=root, subtrees=[subtree(rest // 4, f"Part {i}") for i in range(4)])
    moving = subtree(1000, "Moving")
    tree.insert_subtrees(target=root, subtrees=[moving])
    anchors = list(ContentNode.objects.filter(parent=root).exclude(pk=moving.node.pk).values_list("pk", flat=True))
    positions = iter([(anchors[0], "first-child"), (anchors[-1], "right"), (anchors[0], "left")])
    size = count(moving.node)
    total = ContentNode.objects.filter(tree_id=root.tree_id).count()
    settle()

    def move_once():
        target, position = next(positions)
        tree.move_node(node=moving.node.pk, target=target, position=position)

    report(f"move a {size:,}-node subtree across a {total:,}-node tree", median_seconds(move_once), 0.2)
    return root


bench_move(10_000)
root = bench_move(5_220)

# 3. Copy: a 5,000-node subtree into a topic of another channel (W6-5k).
source = subtree(5000, "Copy source")
tree.insert_subtrees(target=root, subtrees=[source])
size = count(source.node)
destination = make_channel(owner=owner, name="Copy destination")
target = tree.insert_node(node=topic("Into here"), target=destination.main_tree)
settle()
report(
    f"copy a {size:,}-node subtree",
    median_seconds(lambda: tree.copy_subtree(source=source.node.pk, target=target)),
    2.0,
)

errors = [tree.find_tree_error(t) for t in ContentNode.objects.filter(parent=None).values_list("tree_id", flat=True)]
print(f"invariants of every tree: {'ok' if not any(errors) else [e for e in errors if e]}")
drop_database("bench_tree", vendor)
