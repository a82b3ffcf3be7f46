"""Node metadata writes that are not tree structure: copy-on-write of ``content_id``.

``content_id`` is shared by copies of the same content so learner progress follows it.
Once a copy's questions or main files change it is no longer the same content: it gets a
fresh ``content_id`` (spec 4.2, "copy-on-write").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from contentcuration.models import AssessmentItem, ContentNode, File, FileFormat, User, new_hex_id
from contentcuration.storage import storage_key


def refresh_copied_content_ids(*, node_ids: Iterable[str]) -> dict[str, str]:
    """Give each *copied* node among ``node_ids`` whose ``content_id`` is shared with another
    node a new ``content_id``. Returns ``{node id: new content_id}``. One read for the
    candidates, one for the sharing check, one UPDATE per changed node. No lock: metadata only.
    """
    candidates = list(
        ContentNode.objects.filter(pk__in=set(node_ids), cloned_source__isnull=False).values_list("pk", "content_id")
    )
    if not candidates:
        return {}
    content_ids = {content_id for _, content_id in candidates}
    users: dict[str, set[str]] = {}
    for pk, content_id in ContentNode.objects.filter(content_id__in=content_ids).values_list("pk", "content_id"):
        users.setdefault(content_id, set()).add(pk)
    renamed: dict[str, str] = {}
    for pk, content_id in candidates:
        if users.get(content_id, set()) - {pk}:
            renamed[pk] = new_hex_id()
            ContentNode.objects.filter(pk=pk).update(content_id=renamed[pk])
    return renamed


IMAGE_REFERENCE = re.compile(r"\$\{☣ CONTENTSTORAGE\}/([0-9a-f]{32})\.([A-Za-z0-9]+)")


def link_exercise_images(*, item: AssessmentItem, user: User) -> None:
    """Make the item's File rows (preset ``exercise_image``) match the images its question,
    answers and hints reference as ``${☣ CONTENTSTORAGE}/<md5>.<ext>`` (spec 4.4).

    The user's own unattached upload with that checksum is reused, else a new File row
    points at the stored object; files no longer referenced are deleted (the stored object
    stays for garbage collection). Writes only this item's File rows.
    """
    text = "\n".join(str(v or "") for v in (item.question, item.answers, item.hints))
    wanted = {checksum: ext.lower() for checksum, ext in IMAGE_REFERENCE.findall(text)}
    linked = {f.checksum: f for f in File.objects.filter(assessment_item=item)}
    File.objects.filter(assessment_item=item).exclude(checksum__in=list(wanted)).delete()
    for checksum, ext in wanted.items():
        if checksum in linked:
            continue
        upload = File.objects.filter(
            uploaded_by=user, checksum=checksum, contentnode=None, assessment_item=None
        ).first()
        if upload is not None:
            upload.assessment_item = item
            upload.preset_id = "exercise_image"
            upload.save(update_fields=["assessment_item", "preset"])
            continue
        template = File.objects.filter(checksum=checksum).first()
        File.objects.create(
            assessment_item=item,
            checksum=checksum,
            file_size=template.file_size if template else None,
            file_format_id=ext if FileFormat.objects.filter(pk=ext).exists() else None,
            file_on_disk=storage_key(checksum, ext),
            preset_id="exercise_image",
            uploaded_by=user,
        )
