"""Channel tokens: the pronounceable ``proquint`` strings Kolibri users type to import a
channel, and the two tokens every published channel has. Below the domain packages
(``publish`` gives a channel its tokens when it publishes, ``channels`` and the channel-set
handler make tokens), so both can use it without importing each other."""

from __future__ import annotations

import secrets

from django.db import transaction

from .models import Channel, SecretToken

_CONSONANTS = "bdfghjklmnprstvz"
_VOWELS = "aiou"


def proquint(bits: int = 32) -> str:
    """A pronounceable random token: 16 bits -> consonant-vowel-consonant-vowel-consonant."""
    words = []
    for _ in range(bits // 16):
        n = secrets.randbits(16)
        words.append(
            _CONSONANTS[(n >> 12) & 0xF]
            + _VOWELS[(n >> 10) & 0x3]
            + _CONSONANTS[(n >> 6) & 0xF]
            + _VOWELS[(n >> 4) & 0x3]
            + _CONSONANTS[n & 0xF]
        )
    return "".join(words)


@transaction.atomic
def ensure_channel_tokens(channel: Channel) -> list[SecretToken]:
    """Give ``channel`` its primary (proquint) token and the token equal to its id."""
    tokens = list(channel.secret_tokens.all())
    if not any(t.is_primary for t in tokens):
        while True:
            value = proquint(64)[:10]
            if not SecretToken.objects.filter(token=value).exists():
                break
        tokens.append(SecretToken.objects.create(token=value, is_primary=True))
    if not any(t.token == channel.id for t in tokens):
        tokens.append(SecretToken.objects.get_or_create(token=channel.id)[0])
    channel.secret_tokens.set(tokens)
    return tokens
