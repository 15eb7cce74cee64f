"""Import every module that declares tables, so Alembic and test fixtures see the whole schema."""
from __future__ import annotations

import importlib

from core.models import Base

# Each domain keeps its tables in its own models module; list it here when you add one.
MODEL_MODULES = (
    "core.models",
    "knowledge.models",
    "broadcasts.models",
    "tips.models",
    "web.models",
    "org.models",
    "study.models",
    "campaigns.models",
)

for _name in MODEL_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise

metadata = Base.metadata
