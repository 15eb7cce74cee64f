"""Typed access to Bot API call parameters, whatever encoding the client used.

python-telegram-bot sends form fields (multipart when uploading) whose values are strings, with
nested objects JSON-encoded inside them; other clients send a JSON body with native values.
"""
from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .validation import ApiError, bad_request


@dataclass
class UploadedFile:
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    # The accessors are named for the Bot API's types (``p.str("text")``); inside the class body they
    # shadow the builtins, so annotations after them spell ``builtins.str``.
    def __init__(self, values: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def required_str(self, name: builtins.str) -> builtins.str:
        value = self.str(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def int(self, name: builtins.str, default: builtins.int | None = None) -> builtins.int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: builtins.str) -> builtins.int:
        value = self.int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def float(self, name: builtins.str, default: builtins.float | None = None) -> builtins.float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: builtins.str) -> Any:
        """A nested object: native in JSON bodies, a JSON string inside form fields."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: builtins.str = "chat_id") -> builtins.int | builtins.str | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def loggable(self) -> dict[builtins.str, Any]:
        """Parameters for the call log, with uploaded bytes replaced by a size note."""
        data = dict(self.values)
        for key, upload in self.files.items():
            data[key] = f"<upload {upload.filename or key}: {len(upload.data)} bytes>"
        return data


async def read_params(request: web.Request) -> Params:
    """Merge query string and body (JSON, urlencoded or multipart) into ``Params``."""
    values: dict[str, object] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if isinstance(body, dict):
                values.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(value.file.read(), value.filename, value.content_type)
                else:
                    values[key] = value
    return Params(values, files)
