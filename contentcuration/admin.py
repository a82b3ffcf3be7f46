"""Django admin for every model.

Tree structure is read-only here: it changes only via contentcuration.tree. Channels, channel
sets, prerequisites, node and question edits are written through the domain functions the
other entry points call (``channels.lifecycle``, ``channels.channel_sets``,
``nodes.prerequisites``, ``nodes.node_updates.update_nodes``, ``nodes.questions``); "Add
channel" applies the sync CREATED change, as REST ``POST /api/channel`` does
(``sync.apply.apply_one``). Either way the signed-in admin is the author, the edit
is validated by the same rules, recorded in the change log (publish sees it, watchers hear of
it) and marks the node changed, exactly as the same edit made in the browser would. Domain
errors become form errors in one place (``add_domain_errors``). Internal flags
(``published``, ``changed``, ``complete``, timestamps, tree columns) are shown read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.validators import MaxLengthValidator
from django.db import models as db_models
from django.db import transaction
from django.utils.html import format_html
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .channels import channel_sets, lifecycle
from .errors import DomainError, first_message
from .models import (
    AssessmentItem,
    Change,
    Channel,
    ChannelHistory,
    ChannelSet,
    ChannelVersion,
    ContentKind,
    ContentNode,
    ContentTag,
    File,
    FileFormat,
    FormatPreset,
    Invitation,
    Language,
    License,
    PrerequisiteContentRelationship,
    SavedSearch,
    SecretToken,
    TaskMetadata,
    User,
    new_hex_id,
)
from .models.assessment import QUESTION_TYPE_CHOICES
from .models.change_types import CHANNEL, CREATED
from .nodes import field_table, node_updates, prerequisites, questions
from .nodes.node_updates import NodeUpdate
from .viewsets.sync.apply import apply_one

TREE_COLUMNS = ("parent", "tree_id", "lft", "rght", "level")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_admin", "is_active", "disk_space", "disk_space_used")
    list_filter = ("is_admin", "is_active", "is_staff", "deleted")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("clipboard_tree", "date_joined", "last_login", "disk_space_used")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "information", "content_defaults", "policies")}),
        ("Rights", {"fields": ("is_active", "is_admin", "is_staff", "is_superuser", "deleted", "feature_flags")}),
        ("Storage", {"fields": ("disk_space", "disk_space_used", "clipboard_tree")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class _DryRun(Exception):
    """Rolls back a write that was only a check (``_dry_run``)."""


def _channel_of_tree(tree_id: int) -> str | None:
    """The channel whose main, staging, chef or trash tree is ``tree_id`` (None: a clipboard)."""
    trees = db_models.Q(main_tree__tree_id=tree_id) | db_models.Q(trash_tree__tree_id=tree_id)
    trees |= db_models.Q(staging_tree__tree_id=tree_id) | db_models.Q(chef_tree__tree_id=tree_id)
    return Channel.objects.filter(trees).values_list("pk", flat=True).first()


def _wire_value(value: Any) -> Any:
    """A form's cleaned value as the sync protocol sends it (a related row by its key)."""
    return value.pk if isinstance(value, db_models.Model) else value


def add_domain_errors(form, exc: DomainError) -> None:
    """The admin's one mapping of a domain refusal: each named field's error on that field
    (``language`` for ``language_id``), anything else on the form."""
    problems = exc.field_errors or ({exc.field: [exc.message]} if exc.field else {None: [exc.message]})
    for name, messages_ in problems.items():
        field = {"language_id": "language", "license_id": "license"}.get(name, name)
        text = first_message(messages_)
        if field in form.fields:
            form.add_error(field, text)
        else:  # on the form as a whole, naming the field when there is one
            form.add_error(None, f"{name}: {text}" if name else text)


def _leave_limits_to_the_domain(form, names) -> None:
    """Drop the form's length checks on ``names``: the domain's field table checks the same
    limit (the model's ``max_length``) with the message every other entry point gives."""
    for name in names:
        if name in form.fields:
            field = form.fields[name]
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]


def _dry_run(write) -> None:
    """Run ``write()`` in a savepoint that is rolled back: nothing is written, its DomainError
    is raised."""
    try:
        with transaction.atomic():
            write()
            raise _DryRun
    except _DryRun:
        pass


def _checked_by_the_domain(form_class, *, limits, check):
    """``form_class`` checked by the domain: its length checks on ``limits`` left to the
    domain's (``_leave_limits_to_the_domain``), then ``check(form)``, whose DomainError goes on
    the form (``add_domain_errors``), once the form's own checks pass."""

    class CheckedByTheDomain(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _leave_limits_to_the_domain(self, limits)

        def clean(self):
            cleaned = super().clean()
            if not self._errors:
                try:
                    check(self)
                except DomainError as exc:
                    add_domain_errors(self, exc)
            return cleaned

    return CheckedByTheDomain


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Every write is a ``channels.lifecycle`` function with the signed-in admin as its author:
    adding is the sync CREATED change, as REST POST (``create_channel``: trees, the admin as
    editor, a history row), saving is
    ``update_channel`` (the same field table and change record as the browser's edit),
    "Delete" is the soft delete (``delete_channel``), "Restore" undoes it, and superusers can
    purge a deleted channel for good with the "Purge" action."""

    list_display = ("name", "id", "version", "public", "deleted", "last_published")
    list_filter = ("public", "deleted")
    search_fields = ("id", "name", "description", "source_id", "source_domain")
    fields = (
        "name",
        "description",
        "tagline",
        "language",
        "thumbnail",
        "public",
        "id",
        "version",
        "deleted",
        "editors",
        "viewers",
        "main_tree",
        "trash_tree",
        "staging_tree",
        "previous_tree",
        "chef_tree",
        "source_id",
        "source_domain",
        "last_published",
        "published_data",
        "content_defaults",
    )
    raw_id_fields = ("language",)
    editable = ("name", "description", "tagline", "language", "thumbnail")

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in self.editable]

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _checked_by_the_domain(
            super().get_form(request, obj, change=change, **kwargs),
            limits=lifecycle.TEXT_FIELDS,
            check=lambda form: lifecycle.clean_channel_values(_channel_values(form), channel=obj),
        )

    def save_model(self, request, obj, form, change):
        values = _channel_values(form)
        if change:
            if values:
                lifecycle.update_channel(channel_id=obj.pk, user=request.user, values=values)
        else:
            # As REST POST /api/channel: the sync CREATED change (logged, echoed to watchers),
            # whose handler calls ``lifecycle.create_channel``.
            key = new_hex_id()
            outcome = apply_one(
                user=request.user,
                table=CHANNEL,
                change_type=CREATED,
                key=key,
                obj={name: value for name, value in values.items() if value not in (None, "")},
                channel_id=key,
            )
            if outcome is not None:
                raise forms.ValidationError(str(outcome))
            obj.pk = key
        obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        # A soft delete removes nothing else: the confirmation lists only the channels.
        return [str(obj) for obj in objs], {Channel._meta.verbose_name_plural: len(objs)}, set(), []

    def delete_model(self, request, obj):
        lifecycle.delete_channel(channel_id=obj.pk, user=request.user)

    def delete_queryset(self, request, queryset):
        for channel in queryset:
            self.delete_model(request, channel)

    @admin.action(description="Restore (undo the soft delete)")
    def restore_channels(self, request, queryset):
        for channel in queryset.filter(deleted=True):
            lifecycle.restore_channel(channel_id=channel.pk, user=request.user)

    @admin.action(description="Purge permanently (deleted channels only; cannot be undone)")
    def purge_channels(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, "Only superusers can purge channels.", level=messages.ERROR)
            return
        purged = 0
        for channel in queryset:
            try:
                lifecycle.purge_channel(channel=channel)
            except DomainError as exc:
                self.message_user(request, f"{channel}: {exc.message} Delete it first.", level=messages.WARNING)
                continue
            purged += 1
        if purged:
            self.message_user(request, f"Purged {purged} channel(s).", level=messages.SUCCESS)

    actions = ["restore_channels", "purge_channels"]


def _channel_values(form) -> dict[str, Any]:
    """The edited channel fields as the APIs name them (a related row by its key)."""
    names = form.cleaned_data if form.instance._state.adding else form.changed_data
    return {
        name: _wire_value(form.cleaned_data.get(name))
        for name in names
        if name in lifecycle.EDITABLE_FIELDS and name in form.cleaned_data
    }


class FileInline(admin.TabularInline):
    model = File
    fk_name = "contentnode"
    extra = 0
    fields = ("id", "checksum", "file_format", "preset", "language", "file_size")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only: files are attached and detached through the app or the API, never here.
        return False


class EditedByTheDomainAdmin(admin.ModelAdmin):
    """Saves an edit with the domain function ``edit`` calls (raising its DomainError); the
    form is checked by a dry run of it, so its refusals appear on the fields and nothing is
    half-saved. ``text_limits``: the fields whose length the domain checks."""

    text_limits: Any = ()

    def edit(self, request, obj, form) -> None:
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form_class
        return _checked_by_the_domain(
            form_class,
            limits=self.text_limits,
            check=lambda form: _dry_run(lambda: self.edit(request, obj, form)),
        )

    def save_model(self, request, obj, form, change):
        try:
            self.edit(request, obj, form)
        except DomainError as exc:  # checked a moment ago; a concurrent edit can still refuse it
            self.message_user(request, f"Not saved: {exc.message}", level=messages.ERROR)
        obj.refresh_from_db()


@admin.register(ContentNode)
class ContentNodeAdmin(EditedByTheDomainAdmin):
    """An edit is ``nodes.node_updates.update_nodes``, as the browser's (module docstring)."""

    text_limits = field_table.TEXT_FIELDS

    list_display = ("indented_title", "kind", "tree_id", "complete", "changed", "published", "modified")
    list_filter = ("kind", "complete", "changed", "published")
    search_fields = ("id", "node_id", "content_id", "title", "source_id")
    ordering = ("tree_id", "lft")
    editable = (
        "title",
        "description",
        "language",
        "license",
        "license_description",
        "copyright_holder",
        "author",
        "aggregator",
        "provider",
        "role_visibility",
        "suggested_duration",
    )
    raw_id_fields = ("language", "license")
    list_select_related = ("kind",)
    inlines = [FileInline]

    def get_fields(self, request, obj=None):
        shown = [f.name for f in ContentNode._meta.fields if f.name not in self.editable]
        return [*self.editable, *shown]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ContentNode._meta.fields if f.name not in self.editable]

    def edit(self, request, obj: ContentNode, form) -> None:
        """Raises the DomainError refusing the edit."""
        values = {name: _wire_value(form.cleaned_data[name]) for name in form.changed_data}
        if not values:
            return
        update = NodeUpdate(node_id=obj.pk, values=values, channel_id=_channel_of_tree(obj.tree_id))
        error = node_updates.update_nodes(user=request.user, updates=[update]).errors[0]
        if error is not None:
            raise error

    @admin.display(description="title", ordering="lft")
    def indented_title(self, obj: ContentNode):
        return format_html('<span style="padding-left:{}em">{}</span>', obj.level * 1.5, obj.title or obj.id)

    def has_delete_permission(self, request, obj=None):
        # Deleting through the admin would bypass contentcuration.tree and break the numbering.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ("id", "checksum", "file_format", "preset", "file_size", "contentnode", "uploaded_by")
    list_filter = ("file_format", "preset")
    search_fields = ("id", "checksum", "original_filename")
    raw_id_fields = ("contentnode", "assessment_item", "uploaded_by", "language")

    def has_change_permission(self, request, obj=None):
        # A file's bytes and checksum are fixed; attaching it is the app's or the API's job.
        return False

    def has_add_permission(self, request):
        return False


QUESTION_FIELDS = ("type", "question", "answers", "hints", "randomize", "order")


class AssessmentItemForm(forms.ModelForm):
    type = forms.ChoiceField(choices=QUESTION_TYPE_CHOICES)

    class Meta:
        model = AssessmentItem
        fields = QUESTION_FIELDS


@admin.register(AssessmentItem)
class AssessmentItemAdmin(EditedByTheDomainAdmin):
    """An edit is ``nodes.questions.update_question``, as the browser's (module docstring)."""

    form = AssessmentItemForm
    list_display = ("assessment_id", "type", "contentnode", "order", "deleted")
    list_filter = ("type", "deleted", "randomize")
    search_fields = ("assessment_id", "question", "contentnode__title")
    editable = QUESTION_FIELDS

    def get_fields(self, request, obj=None):
        shown = [f.name for f in AssessmentItem._meta.fields if f.name not in self.editable]
        return [*self.editable, *shown]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AssessmentItem._meta.fields if f.name not in self.editable]

    def edit(self, request, obj: AssessmentItem, form) -> None:
        """Raises the DomainError refusing the edit."""
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if values:
            item = AssessmentItem.objects.get(pk=obj.pk)  # as stored, not as the form left it
            channel_id = _channel_of_tree(item.contentnode.tree_id)
            questions.update_question(user=request.user, item=item, values=values, channel_id=channel_id)

    def has_add_permission(self, request):
        return False


class ShownOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows and never writes (the change log, a user's own rows)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(ShownOnlyAdmin):
    list_display = (
        "server_rev",
        "table",
        "change_type",
        "channel",
        "user",
        "created_by",
        "applied",
        "errored",
        "created",
    )
    list_filter = ("table", "change_type", "applied", "errored", "unpublishable")
    search_fields = ("channel__id", "channel__name", "created_by__email")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(TaskMetadata)
class TaskMetadataAdmin(admin.ModelAdmin):
    list_display = ("task_name", "task_id", "channel_id", "user", "progress", "date_created", "sent_at", "finished_at")
    list_filter = ("task_name",)
    search_fields = ("task_id", "channel_id")
    readonly_fields = (
        "task_id",
        "task_name",
        "user",
        "channel_id",
        "progress",
        "signature",
        "date_created",
        "kwargs",
        "sent_at",
        "started_at",
        "finished_at",
    )


@admin.register(ContentTag)
class ContentTagAdmin(admin.ModelAdmin):
    list_display = ("tag_name", "channel")
    search_fields = ("tag_name",)
    raw_id_fields = ("channel",)


@admin.register(PrerequisiteContentRelationship)
class PrerequisiteAdmin(admin.ModelAdmin):
    """Edges are added and removed through ``nodes.prerequisites`` (checked, logged, the target
    marked changed), as the browser does; an edge is never edited in place."""

    list_display = ("target_node", "prerequisite")
    raw_id_fields = ("target_node", "prerequisite")

    def get_form(self, request, obj=None, change=False, **kwargs):
        def check(form) -> None:
            target, prerequisite = form.cleaned_data.get("target_node"), form.cleaned_data.get("prerequisite")
            if target is not None and prerequisite is not None:
                _dry_run(
                    lambda: prerequisites.add_prerequisite(
                        actor=request.user, target=target, prerequisite=prerequisite, channel_id=None
                    )
                )

        return _checked_by_the_domain(super().get_form(request, obj, change=change, **kwargs), limits=(), check=check)

    def save_model(self, request, obj, form, change):
        edge = prerequisites.add_prerequisite(
            actor=request.user,
            target=obj.target_node,
            prerequisite=obj.prerequisite,
            channel_id=_channel_of_tree(obj.target_node.tree_id),
        )
        obj.pk = edge.pk

    def delete_model(self, request, obj):
        prerequisites.remove_prerequisite(
            actor=request.user,
            target=obj.target_node,
            prerequisite=obj.prerequisite,
            channel_id=_channel_of_tree(obj.target_node.tree_id),
        )

    def delete_queryset(self, request, queryset):
        for edge in queryset.select_related("target_node", "prerequisite"):
            self.delete_model(request, edge)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "channel", "share_mode", "accepted", "declined", "revoked")
    list_filter = ("share_mode", "accepted", "declined", "revoked")
    search_fields = ("email", "channel__name")
    raw_id_fields = ("channel", "invited", "sender")


@admin.register(ChannelSet)
class ChannelSetAdmin(admin.ModelAdmin):
    """Sets are written through ``channels.channel_sets``, as the browser writes them: one
    added here gets its token and the operator as editor; every edit reaches the editors'
    feeds. Editors and the token are shown, not edited."""

    list_display = ("name", "id", "public")
    list_filter = ("public",)
    search_fields = ("name", "id")
    fields = ("name", "description", "id", "public", "editors", "secret_token")
    readonly_fields = ("id", "public", "editors", "secret_token")

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _checked_by_the_domain(
            super().get_form(request, obj, change=change, **kwargs),
            limits=channel_sets.TEXT_FIELDS,
            check=lambda form: channel_sets.clean_channel_set_values(_channel_set_values(form), actor=request.user),
        )

    def save_model(self, request, obj, form, change):
        data = _channel_set_values(form)
        if change:
            if data:
                channel_set = ChannelSet.objects.get(pk=obj.pk)
                channel_sets.update_channel_set(actor=request.user, channel_set=channel_set, data=data)
        else:
            obj.pk = channel_sets.create_channel_set(actor=request.user, channel_set_id=new_hex_id(), data=data).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        channel_sets.delete_channel_set(actor=request.user, channel_set=obj)

    def delete_queryset(self, request, queryset):
        for channel_set in queryset:
            self.delete_model(request, channel_set)


def _channel_set_values(form) -> dict[str, Any]:
    names = form.cleaned_data if form.instance._state.adding else form.changed_data
    return {name: form.cleaned_data[name] for name in names if name in channel_sets.TEXT_FIELDS}


@admin.register(SavedSearch)
class SavedSearchAdmin(ShownOnlyAdmin):
    """A user's saved searches are theirs (spec 7): shown, never written, here."""

    list_display = ("name", "id", "saved_by", "created", "modified")
    search_fields = ("name", "id", "saved_by__email")
    raw_id_fields = ("saved_by",)


@admin.register(ChannelVersion)
class ChannelVersionAdmin(admin.ModelAdmin):
    list_display = ("channel", "version", "resource_count", "size", "date_published")
    search_fields = ("channel__name", "channel__id")
    raw_id_fields = ("channel", "secret_token")

    def has_delete_permission(self, request, obj=None):
        # The version's database stays stored and served to Kolibri devices; deleting the row
        # would let garbage collection delete the files that database lists (PublishedObject).
        return False


@admin.register(ChannelHistory)
class ChannelHistoryAdmin(admin.ModelAdmin):
    list_display = ("channel", "action", "actor", "performed")
    list_filter = ("action",)
    search_fields = ("channel__name", "actor__email")


@admin.register(SecretToken)
class SecretTokenAdmin(admin.ModelAdmin):
    list_display = ("token", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("token",)


@admin.register(ContentKind)
class ContentKindAdmin(admin.ModelAdmin):
    search_fields = ("kind",)


@admin.register(FileFormat)
class FileFormatAdmin(admin.ModelAdmin):
    list_display = ("extension", "mimetype")
    search_fields = ("extension", "mimetype")


@admin.register(FormatPreset)
class FormatPresetAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "supplementary", "thumbnail", "subtitle", "order")
    list_filter = ("kind", "supplementary", "thumbnail", "subtitle")
    search_fields = ("id", "readable_name")


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ("id", "license_name", "copyright_holder_required", "is_custom")
    search_fields = ("license_name",)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("id", "readable_name", "native_name", "lang_direction")
    search_fields = ("id", "readable_name", "native_name")


@admin.action(description="Deploy the staged chef upload as the main tree")
def deploy_staged_tree(modeladmin, request, queryset):
    """DEPLOYED from the admin: each selected channel's staging tree becomes its main tree."""
    from django.contrib import messages

    from .internal.chef_errors import ChefError
    from .internal.chef_upload import deploy_staged_tree

    deployed = 0
    for channel in queryset:
        try:
            deploy_staged_tree(channel=channel, user=request.user)
            deployed += 1
        except ChefError as exc:
            modeladmin.message_user(request, f"{channel}: {exc}", level=messages.WARNING)
    if deployed:
        modeladmin.message_user(request, f"Deployed {deployed} channel(s).", level=messages.SUCCESS)


ChannelAdmin.actions = [*(ChannelAdmin.actions or ()), deploy_staged_tree]


# DRF's own token admin searches ``user__username``, which our User does not have (a 500).
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    search_fields = ("user__email",)
    search_help_text = "Search by the user's e-mail."
