"""Strings → dense integer ids in flat arrays: a hash table that holds no Python object per key.

A dict of 100k short strings costs a Python ``str`` (50–80 bytes), an ``int`` and a dict entry per key;
here the keys are one concatenated string, and the table keeps their end offsets, their hashes and the
open-addressing slots (probed as CPython probes a dict) in ``array``s (about 16 bytes a key). Lookups
probe in Python, so they cost about a microsecond instead of a dict's tenth: fine for a query's few dozen
terms and an index build's distinct terms per document (issue 14, point 7: the search vocabulary held 5 MB
as a dict). Tables that answer the same keys again and again keep a small memo dict in front.

``hash()`` of a string differs between processes (hash randomisation), so the hashes and slots are
rebuilt when a table is unpickled; only the keys travel.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice

# Keys added since the last compaction wait in a small dict: appending to the concatenated string one
# key at a time would copy it every time.
COMPACT_EVERY = 4096
_EMPTY = -1
MEMO_SIZE = 4096
_ABSENT = object()
_LOW32 = 0xFFFFFFFF  # a table of up to 2**31 slots needs no more of a hash


class StringIds:
    """A set of strings, each with its id: 0, 1, 2 … in the order they were added."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._text = ""  # the compacted keys, concatenated
        self._ends = array("i")  # end offset in _text of each compacted key
        self._hashes = array("I")  # the low 32 bits of hash() of each compacted key (slots use fewer)
        self._slots = array("i", [_EMPTY]) * 8  # open addressing, linear probing: key id or _EMPTY
        self._recent: dict[str, int] = {}  # keys not compacted yet → id
        for key in keys:
            self.add(key)

    @classmethod
    def of(cls, distinct: Iterable[str]) -> StringIds:
        """A table of keys known to be distinct (a dict's), built in one pass."""
        table = cls()
        table._recent = {key: kid for kid, key in enumerate(distinct)}
        table.compact()
        return table

    def __len__(self) -> int:
        return len(self._ends) + len(self._recent)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        """The keys in id order."""
        self.compact()
        text, start = self._text, 0
        for end in self._ends:
            yield text[start:end]
            start = end

    def key(self, kid: int) -> str:
        """The key of an id."""
        if kid >= len(self._ends):
            self.compact()
        return self._text[self._ends[kid - 1] if kid else 0:self._ends[kid]]

    def get(self, key: str) -> int | None:
        """The id of ``key``, or None."""
        recent = self._recent.get(key)
        if recent is not None:
            return recent
        h = hash(key) & _LOW32
        slots, hashes, ends, mask = self._slots, self._hashes, self._ends, len(self._slots) - 1
        perturb = h
        i = h & mask
        while (kid := slots[i]) != _EMPTY:
            if hashes[kid] == h and self._text[ends[kid - 1] if kid else 0:ends[kid]] == key:
                return kid
            perturb >>= 5  # CPython's dict probing: the hash's high bits spread the runs out
            i = (5 * i + perturb + 1) & mask
        return None

    def add(self, key: str) -> int:
        """The id of ``key``, added with the next id if it is new."""
        kid = self.get(key)
        if kid is None:
            kid = self._recent[key] = len(self)
            if len(self._recent) >= COMPACT_EVERY:
                self.compact()
        return kid

    def compact(self) -> None:
        """Move the recent keys into the arrays."""
        if not self._recent:
            return
        keys = list(self._recent)  # insertion order: their ids follow the compacted ones
        end = self._ends[-1] if self._ends else 0
        for key in keys:
            end += len(key)
            self._ends.append(end)
            self._hashes.append(hash(key) & _LOW32)
        self._text += "".join(keys)
        self._recent = {}
        if 3 * len(self._ends) > 2 * len(self._slots):
            self._rehash()
        else:
            self._place(range(len(self._ends) - len(keys), len(self._ends)))

    def _rehash(self) -> None:
        size = 8
        while 2 * size < 3 * len(self._ends):  # at most two thirds full, as CPython's dicts: 1-3 probes on average
            size *= 2
        self._slots = array("i", [_EMPTY]) * size
        self._place(range(len(self._ends)))

    def _place(self, kids: Iterable[int]) -> None:
        slots, hashes, mask = self._slots, self._hashes, len(self._slots) - 1
        for kid in kids:
            perturb = hashes[kid]
            i = perturb & mask
            while slots[i] != _EMPTY:
                perturb >>= 5
                i = (5 * i + perturb + 1) & mask
            slots[i] = kid

    def __getstate__(self) -> dict[str, object]:
        self.compact()
        return {"text": self._text, "ends": self._ends}

    def __setstate__(self, state: dict[str, object]) -> None:
        text, ends = state["text"], state["ends"]
        assert isinstance(text, str) and isinstance(ends, array)
        self._text, self._ends, self._recent = text, ends, {}
        start, hashes = 0, array("I")
        for end in ends:
            hashes.append(hash(text[start:end]) & _LOW32)
            start = end
        self._hashes = hashes
        self._rehash()


class StringLists:
    """Keys (strings, or tuples of strings) → non-empty lists of strings, stored flat: the keys (tuples joined)
    in a ``StringIds``, the lists joined into one string with their end offsets. For read-only tables whose
    dict would hold a tuple, a list and their strings per key (the speller's pinyin table: 3 MB → under 1 MB)."""

    SEP = "\x00"  # in no key and no word

    def __init__(self, items: Iterable[tuple[str | tuple[str, ...], list[str]]]) -> None:
        """``items``: a dict's items (distinct keys)."""
        sep = self.SEP
        pairs = list(items)
        self._keys = StringIds.of(self._key(key) for key, _ in pairs)
        values = [sep.join(words) for _, words in pairs]
        self._ends = array("i", accumulate(map(len, values)))
        self._values = "".join(values)
        self._memo: dict[str, list[str] | None] = {}  # lately asked keys: a dict's speed for the common ones

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def _key(cls, key: str | tuple[str, ...]) -> str:
        return key if isinstance(key, str) else cls.SEP.join(key)

    def get(self, key: str | tuple[str, ...]) -> list[str] | None:
        """The list of ``key`` (the caller must not change it), or None."""
        joined = key if isinstance(key, str) else self.SEP.join(key)
        found = self._memo.get(joined, _ABSENT)
        if found is _ABSENT:
            kid = self._keys.get(joined)
            found = None if kid is None else self._values[self._ends[kid - 1] if kid else 0:self._ends[kid]].split(
                self.SEP)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[joined] = found
        return found  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_memo": {}}


class Strings:
    """A list of strings that only grows, held as one string and end offsets (an ``append`` waits in a short list
    until COMPACT_EVERY have come): 2 bytes a character and 4 an item, not a ``str`` object each."""

    def __init__(self) -> None:
        self._text = ""
        self._ends = array("i")
        self._recent: list[str] = []

    def __len__(self) -> int:
        return len(self._ends) + len(self._recent)

    def __getitem__(self, i: int) -> str:
        n = len(self._ends)
        if i >= n:
            return self._recent[i - n]
        return self._text[self._ends[i - 1] if i else 0:self._ends[i]]

    def append(self, value: str) -> None:
        self._recent.append(value)
        if len(self._recent) >= COMPACT_EVERY:
            self.compact()

    def compact(self) -> None:
        if self._recent:
            end = self._ends[-1] if self._ends else 0
            self._ends.extend(islice(accumulate((len(v) for v in self._recent), initial=end), 1, None))
            self._text += "".join(self._recent)
            self._recent = []

    def __getstate__(self) -> dict[str, object]:
        self.compact()
        return self.__dict__.copy()
