"""The channel domain: one typed function per operation on a channel.

``lifecycle`` creates, edits (one field table), soft-deletes, restores and purges channels
and asks for publishes; ``sharing`` answers invitations and adds or removes editors and
viewers; ``channel_sets`` writes collections of channels; ``bookmarks`` a user's bookmarked
channels; ``deploy`` swaps a staged tree in;
``source_sync`` pulls updates from source channels ("source sync", not the change protocol).
Adapters (sync handlers, REST and chef views, the admin) call these and shape their errors;
nothing is re-exported here: import the module that owns the function.
"""
