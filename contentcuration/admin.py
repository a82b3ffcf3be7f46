"""Django admin for every model. Tree structure is read-only here: it changes only via contentcuration.tree."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html

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
)

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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "version", "public", "deleted", "last_published")
    list_filter = ("public", "deleted")
    search_fields = ("id", "name", "description", "source_id", "source_domain")
    readonly_fields = (
        "main_tree",
        "chef_tree",
        "trash_tree",
        "staging_tree",
        "previous_tree",
        "version",
        "published_data",
        "last_published",
    )
    filter_horizontal = ("editors", "viewers", "secret_tokens")
    raw_id_fields = ("language",)


class FileInline(admin.TabularInline):
    model = File
    fk_name = "contentnode"
    extra = 0
    fields = ("checksum", "file_format", "preset", "language", "file_size")
    readonly_fields = fields
    can_delete = False


@admin.register(ContentNode)
class ContentNodeAdmin(admin.ModelAdmin):
    list_display = ("indented_title", "kind", "tree_id", "complete", "changed", "published", "modified")
    list_filter = ("kind", "complete", "changed", "published")
    search_fields = ("id", "node_id", "content_id", "title", "source_id")
    ordering = ("tree_id", "lft")
    readonly_fields = (*TREE_COLUMNS, "id", "node_id", "content_id", "cloned_source", "original_node")
    exclude = ("tags", "is_related")
    raw_id_fields = ("language", "license")
    list_select_related = ("kind",)
    inlines = [FileInline]

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


@admin.register(AssessmentItem)
class AssessmentItemAdmin(admin.ModelAdmin):
    list_display = ("assessment_id", "type", "contentnode", "order", "deleted")
    list_filter = ("type", "deleted", "randomize")
    search_fields = ("assessment_id", "question", "contentnode__title")
    raw_id_fields = ("contentnode",)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = ("target_node", "prerequisite")
    raw_id_fields = ("target_node", "prerequisite")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "channel", "share_mode", "accepted", "declined", "revoked")
    list_filter = ("share_mode", "accepted", "declined", "revoked")
    search_fields = ("email", "channel__name")
    raw_id_fields = ("channel", "invited", "sender")


@admin.register(ChannelSet)
class ChannelSetAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "public")
    list_filter = ("public",)
    search_fields = ("name", "id")
    filter_horizontal = ("editors",)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "saved_by", "created", "modified")
    search_fields = ("name", "id", "saved_by__email")
    raw_id_fields = ("saved_by",)


@admin.register(ChannelVersion)
class ChannelVersionAdmin(admin.ModelAdmin):
    list_display = ("channel", "version", "resource_count", "size", "date_published")
    search_fields = ("channel__name", "channel__id")
    raw_id_fields = ("channel", "secret_token")


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

    from .internal.chef_upload import deploy_staged_tree
    from .internal.errors import ChefError

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
