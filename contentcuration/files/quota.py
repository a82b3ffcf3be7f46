"""Storage quota: how many bytes a user's content takes and whether an upload still fits.

Usage counts each distinct checksum once (many File rows share one object) among the files
in the main trees of the non-deleted channels the user edits, plus the user's own uploads not
yet attached to anything. Perseus exports and format-less rows are not counted (spec 5.3).
``User.disk_space`` is the allowance in bytes; 0 means unlimited and admins are unlimited.

``check_space`` is the one quota rule: the upload announcement (REST/sync clients), the chef's
legacy ``file_upload`` and the chef's ``add_nodes`` all call it; ``check_space_each`` applies it
to a batch announcement's files in order (tests/test_files_quota_agree.py holds them to one verdict). Before, the chef paths
trusted the cached ``User.disk_space_used`` and called a checksum "already owned" whenever
any File row of the user had it, so the same user state got different verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Max, Q, QuerySet, Sum

from contentcuration import errors
from contentcuration.models import Channel, File, User

EXCLUDED_FORMATS = ("perseus",)


class QuotaExceeded(errors.QuotaExceeded):
    """The upload would take the user over their allowance."""

    def __init__(self, *, used: int, allowed: int, size: int) -> None:
        self.used, self.allowed, self.size = used, allowed, size
        super().__init__(
            "Not enough space. Check your storage under Settings page. "
            f"{used} bytes used of {allowed} bytes allowed; {size} more bytes are needed."
        )


def counted_files(user: User) -> QuerySet[File]:
    """The File rows whose objects count against ``user``'s allowance."""
    main_trees = Channel.objects.filter(editors=user, deleted=False).values("main_tree__tree_id")
    return File.objects.filter(
        Q(contentnode__tree_id__in=main_trees)
        | Q(assessment_item__contentnode__tree_id__in=main_trees)
        | Q(uploaded_by=user, contentnode=None, assessment_item=None)
    ).exclude(Q(file_format=None) | Q(file_format__in=EXCLUDED_FORMATS) | Q(checksum=""))


def storage_used(user: User) -> int:
    """Bytes used by ``user``: the sum over distinct checksums of their counted files."""
    per_checksum = counted_files(user).values("checksum").annotate(size=Max("file_size"))
    return per_checksum.aggregate(total=Sum("size"))["total"] or 0


def recalculate_storage_used(user: User) -> int:
    """Recompute and store ``User.disk_space_used``; returns the new figure."""
    used = storage_used(user)
    User.objects.filter(pk=user.pk).update(disk_space_used=used)
    user.disk_space_used = used
    return used


def check_space(*, user: User, sizes: Mapping[str, int]) -> int | None:
    """Raise QuotaExceeded unless the bytes ``sizes`` (``{checksum: size}``) fit in ``user``'s
    allowance. Bytes the user already has (a checksum among their counted files) are free;
    usage is recomputed (``storage_used``), never read from the cached figure, and only when
    some bytes are new. Returns the usage once the new bytes are counted, when it computed it
    (None for unlimited users and when every byte is already the user's). Reads only; locks
    nothing.
    """
    if user.has_unlimited_space or not sizes:
        return None
    owned = set(counted_files(user).filter(checksum__in=list(sizes)).values_list("checksum", flat=True))
    new_bytes = sum(size for checksum, size in sizes.items() if checksum not in owned)
    if not new_bytes:
        return None
    used = storage_used(user)
    if used + new_bytes > user.disk_space:
        raise QuotaExceeded(used=used, allowed=user.disk_space, size=new_bytes)
    return used + new_bytes


def check_space_each(*, user: User, sizes: Sequence[tuple[str, int]]) -> tuple[list[QuotaExceeded | None], int | None]:
    """``check_space`` for uploads announced one after the other (``(checksum, size)`` in
    order), each accepted one counted before the next: the verdict of each (None = it fits) is
    the one ``check_space`` gives it once the earlier accepted ones exist, and the bytes of a
    checksum the user owns or accepted earlier in the list are free. Also returns the usage
    once the accepted bytes are counted, as ``check_space`` does (None when not computed).
    Two queries whatever the length (one per file was most of a batch announcement's time).
    Reads only; locks nothing."""
    verdicts: list[QuotaExceeded | None] = [None] * len(sizes)
    if user.has_unlimited_space or not sizes:
        return verdicts, None
    owned = set(counted_files(user).filter(checksum__in={c for c, _ in sizes}).values_list("checksum", flat=True))
    used: int | None = None
    for at, (checksum, size) in enumerate(sizes):
        if checksum in owned or not size:
            continue
        if used is None:
            used = storage_used(user)
        if used + size > user.disk_space:
            verdicts[at] = QuotaExceeded(used=used, allowed=user.disk_space, size=size)
        else:
            used += size
            owned.add(checksum)
    return verdicts, used


def set_storage_used(user: User, used: int) -> None:
    """Store a usage figure the caller computed with ``storage_used`` in this transaction."""
    User.objects.filter(pk=user.pk).update(disk_space_used=used)
    user.disk_space_used = used
