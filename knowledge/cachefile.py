"""Files kept in the cache dir between starts (snapshots, derived tables): written atomically, best effort."""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

log = logging.getLogger(__name__)


def write_pickle(path: Path, value: object, what: str) -> bool:
    """Pickle ``value`` to ``path`` through a temporary file renamed into place, so a concurrent start reads the
    old file or the new one, never half of one. Best effort: a read-only cache dir only costs the derivation
    on every start (logged at DEBUG as "could not write the ``what``"). Returns whether it was written."""
    try:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("could not write the %s: %s", what, exc)
        return False
    return True
