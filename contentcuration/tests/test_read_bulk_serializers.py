"""BulkModelSerializer / BulkListSerializer: the generic bulk writes the sync endpoint uses."""

from __future__ import annotations

from contentcuration.models import AssessmentItem, ContentNode, new_hex_id
from contentcuration.tests.factories import build_tree, make_assessment_item
from contentcuration.viewsets.base import BulkListSerializer, BulkModelSerializer


class NodeTitleSerializer(BulkModelSerializer):
    class Meta:
        model = ContentNode
        fields = ("id", "title", "description")


class ItemSerializer(BulkModelSerializer):
    class Meta:
        model = AssessmentItem
        fields = ("contentnode", "assessment_id", "question", "order")
        update_lookup_field = ("contentnode", "assessment_id")


def test_many_gives_a_bulk_list_serializer():
    assert isinstance(NodeTitleSerializer(many=True), BulkListSerializer)


def test_bulk_update_writes_every_item_in_one_statement(root, owner, django_assert_num_queries):
    a, b = build_tree(root, ["video", "audio"])
    editable = ContentNode.objects.editable_by(owner).filter(id__in=[a.id, b.id])
    data = [{"id": a.id, "title": "A"}, {"id": b.id, "title": "B", "unknown": "ignored"}]
    serializer = NodeTitleSerializer(editable, data=data, many=True, partial=True)
    assert serializer.is_valid(), serializer.errors
    with django_assert_num_queries(1):
        serializer.save()
    assert dict(ContentNode.objects.filter(id__in=[a.id, b.id]).values_list("id", "title")) == {a.id: "A", b.id: "B"}
    assert ContentNode.objects.get(pk=a.id).description == a.description  # partial: untouched


def test_an_item_outside_the_edit_queryset_fails_the_id_uniqueness_check(root, stranger):
    (a,) = build_tree(root, ["video"])
    editable = ContentNode.objects.editable_by(stranger).filter(id__in=[a.id])
    serializer = NodeTitleSerializer(editable, data=[{"id": a.id, "title": "hijack"}], many=True, partial=True)
    assert not serializer.is_valid()
    assert "id" in serializer.errors[0]
    assert ContentNode.objects.get(pk=a.id).title != "hijack"


def test_compound_keys_match_items_and_report_missing_ones(root, owner):
    (exercise,) = build_tree(root, ["exercise"])
    item = make_assessment_item(contentnode=exercise, order=1)
    editable = AssessmentItem.objects.editable_by(owner).filter(contentnode=exercise)
    data = [{"contentnode": exercise.id, "assessment_id": item.assessment_id, "question": "Changed?", "order": 2}]
    serializer = ItemSerializer(editable, data=data, many=True, partial=True)
    assert serializer.is_valid(), serializer.errors
    serializer.save()
    item.refresh_from_db()
    assert (item.question, item.order) == ("Changed?", 2)
    assert serializer.missing_keys == []


def test_bulk_create_inserts_all_items_at_once(root, django_assert_num_queries):
    (exercise,) = build_tree(root, ["exercise"])
    data = [
        {"contentnode": exercise.id, "assessment_id": new_hex_id(), "question": f"Q{i}", "order": i} for i in range(3)
    ]
    serializer = ItemSerializer(data=data, many=True)
    assert serializer.is_valid(), serializer.errors
    with django_assert_num_queries(1):
        serializer.save()
    assert exercise.assessment_items.count() == 3


def test_bulk_create_rejects_an_existing_compound_key(root):
    (exercise,) = build_tree(root, ["exercise"])
    item = make_assessment_item(contentnode=exercise)
    serializer = ItemSerializer(
        data=[{"contentnode": exercise.id, "assessment_id": item.assessment_id, "question": "dup"}], many=True
    )
    assert not serializer.is_valid()
    assert "non_field_errors" in serializer.errors[0]
