"""Typed access to Bot API call parameters, whatever encoding the client used.

python-telegram-bot sends form fields (multipart when uploading) whose values are strings, with
nested objects JSON-encoded inside them; other clients send a JSON body with native values.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .validation import bad_request


@dataclass
class UploadedFile:
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    def __init__(self, values: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def required_str(self, name: str) -> str:
        value = self.str(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str) -> int:
        value = self.int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: str) -> Any:
        """A nested object: native in JSON bodies, a JSON string inside form fields."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def loggable(self) -> dict[str, Any]:
        """Parameters for the call log, with uploaded bytes replaced by a size note."""
        data = dict(self.values)
        for key, upload in self.files.items():
            data[key] = f"<upload {upload.filename or key}: {len(upload.data)} bytes>"
        return data
