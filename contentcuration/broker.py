"""kombu's filesystem transport with messages that appear whole or not at all.

kombu writes a message by opening ``<name>.msg`` in the queue folder and then writing to it;
a worker polling the folder between the two moves the still-empty file away, reads ``b""``
and dies on ``JSONDecodeError`` (the job it was about to run stays PENDING). Here a message
is written under a name the worker ignores and renamed into place, which is atomic on one
filesystem, so a worker sees either nothing or the whole message.

Used by the embedded defaults (settings.base sets ``CELERY_BROKER_TRANSPORT`` to this
class when ``REDIS_URL`` is unset); Redis deployments never load it.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# A name kombu's _get skips: it only takes files whose name after the first dot is
# "<queue>.msg".
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The same name kombu gives a message (its millisecond prefix orders the queue).
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
