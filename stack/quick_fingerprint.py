"""Rasa's training-cache fingerprints of messages, training data and trackers, each in one pass.

While it trains, Rasa fingerprints the input and output of every step of its graph
(`TrainingHook`), so that a later training can reuse what did not change. For the training data
that means every message after every featurizer: Rasa hashes each token's text, offsets, lemma
and data, and each piece of the message, separately (an MD5 and a JSON dump each), and writes
every sparse feature matrix out as text, one line for each value; for the policies, every event
and slot of every story's and rule's tracker, the same way. With ten languages that was about a
tenth of a fresh training.

Here each of these fingerprints is one BLAKE2b digest over the same content, walked once:
a message's text, tokens, every value of its data and its features (type, origin, attribute, and
the matrix's shape, type and values as bytes); the training data's sorted message fingerprints
with its synonyms, regexes, lookup tables and responses; a tracker's sender, slots (name, value,
and what Rasa persists of them) and events (each as its dictionary without its time). Like
Rasa's, a fingerprint does not depend on the order of a dictionary's keys and depends on the
order of a list's items. Nothing Rasa's fingerprint covers is left out, so the cache still
reuses a step only when its input is the same; a sparse matrix is now covered whole (Rasa's
text form left out its shape). These fingerprints differ from the ones Rasa's own code makes,
so a cache written before this was installed is not reused, once. The fingerprints Rasa keeps
in a model for fine-tuning (of the graph, the domain and the labels) are left as Rasa makes
them.

Installed by `stack.rasa_training.install()`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.core import events
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_DIGEST_SIZE = 16  # 128 bits, as Rasa's MD5


def digest(value: Any) -> str:
    """The hex digest of `value`'s content (see the module's docstring)."""
    h = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    _feed(h, value)
    return h.hexdigest()


def _text(h: Any, tag: bytes, text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    h.update(b"%s%d:" % (tag, len(data)))
    h.update(data)


def _feed(h: Any, value: Any) -> None:
    feed = _BY_TYPE.get(type(value))
    if feed is not None:
        feed(h, value)
    elif isinstance(value, Token):
        h.update(b"T")
        _list(h, [value.text, value.start, value.end, value.lemma, value.data])
    elif isinstance(value, Features):
        _text(h, b"F", features_fingerprint(value))
    elif isinstance(value, np.ndarray):
        _array(h, value)
    elif scipy.sparse.issparse(value):
        _sparse(h, value)
    else:
        _other(h, value)


def _other(h: Any, value: Any) -> None:
    if isinstance(value, dict):  # subclasses: as their base
        _dict(h, dict(value))
    elif isinstance(value, (list, tuple)):
        _list(h, list(value))
    elif hasattr(value, "fingerprint") and callable(value.fingerprint):
        _text(h, b"f", value.fingerprint())
    else:  # as Rasa: anything else by its text
        _text(h, b"o" + type(value).__name__.encode(), str(value))


def _dict(h: Any, value: dict) -> None:
    h.update(b"{%d" % len(value))
    for key, item in sorted(value.items(), key=lambda pair: str(pair[0])):
        _feed(h, key)
        _feed(h, item)
    h.update(b"}")


def _list(h: Any, value: list | tuple) -> None:
    h.update(b"[%d" % len(value))
    for item in value:
        _feed(h, item)
    h.update(b"]")


def _plain(h: Any, value: Any) -> None:
    _text(h, b"n", repr(value))


_BY_TYPE = {str: lambda h, value: _text(h, b"s", value), dict: _dict, list: _list, tuple: _list,
            type(None): _plain, bool: _plain, int: _plain, float: _plain}


def _array(h: Any, array: np.ndarray) -> None:
    if array.dtype == object:
        h.update(b"O")
        _feed(h, array.tolist())
        return
    h.update(b"A%s%s:" % (array.dtype.str.encode(), repr(array.shape).encode()))
    h.update(np.ascontiguousarray(array).tobytes())


def _sparse(h: Any, matrix: Any) -> None:
    coo = matrix.tocoo()
    h.update(b"S%s%s%d:" % (coo.dtype.str.encode(), repr(coo.shape).encode(), coo.nnz))
    h.update(coo.row.astype("<i8").tobytes())
    h.update(coo.col.astype("<i8").tobytes())
    h.update(np.ascontiguousarray(coo.data).tobytes())


def message_fingerprint(self: Message) -> str:
    """`Message.fingerprint`, kept until the message changes (as Rasa keeps its own)."""
    if self._cached_fingerprint is None:
        self._cached_fingerprint = digest([self.data, self.features])
    return self._cached_fingerprint


def features_fingerprint(self: Features) -> str:
    """`Features.fingerprint`, kept until the features change (as Rasa keeps its own)."""
    if self._cached_fingerprint is None:
        self._cached_fingerprint = digest(
            [self.type, self.origin, self.attribute, self.features])
    return self._cached_fingerprint


def training_data_fingerprint(self: TrainingData) -> str:
    """`TrainingData.fingerprint`: what Rasa's covers, in one digest."""
    return digest({
        "training_examples": sorted(e.fingerprint() for e in self.training_examples),
        "entity_synonyms": self.entity_synonyms,
        "regex_features": self.regex_features,
        "lookup_tables": [self._load_lookup_table(table) for table in self.lookup_tables],
        "responses": self.responses,
    })


# Rasa's own event fingerprints: the event's dictionary without its time, under its type's name.
_EVENT_FINGERPRINTS = (events.Event.fingerprint, events.LegacyForm.fingerprint,
                       events.LegacyFormValidation.fingerprint)


def _event(event: events.Event) -> Any:
    if type(event).fingerprint not in _EVENT_FINGERPRINTS:
        return event.fingerprint()
    content = event.as_dict()
    content["event"] = event.type_name
    content.pop("timestamp", None)
    return content


def _slot(slot: Slot) -> Any:
    if type(slot).fingerprint is not Slot.fingerprint:
        return slot.fingerprint()
    return {"slot_name": slot.name, "slot_value": slot.value, **slot.persistence_info()}


def tracker_fingerprint(self: DialogueStateTracker) -> str:
    """`DialogueStateTracker.fingerprint` (the stories' and rules' trackers while training):
    the sender, every slot and every event, as Rasa's covers them, in one digest."""
    content: dict[str, Any] = {"sender_id": self.sender_id}
    content.update((name, _slot(slot)) for name, slot in self.slots.items())
    if self.events:
        content["events"] = [_event(event) for event in self.events]
    return digest(content)


def install() -> None:
    Message.fingerprint = message_fingerprint
    Features.fingerprint = features_fingerprint
    TrainingData.fingerprint = training_data_fingerprint
    DialogueStateTracker.fingerprint = tracker_fingerprint
