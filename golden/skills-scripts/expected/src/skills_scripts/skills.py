"""The skill adapter's endpoints: a read-only catalog of agent skills (digest §3.15).

- `GET /skills`: `{"count": n, "skills": [{name, description, license?, tools: [names]}]}`;
- `GET /skills/{name}`: the skill's metadata and tools; a tool derived from a sibling adapter
  is `{name, description, type: "derived", invocationRef: {targetNamespace, action, mode}}`,
  an instruction tool `{name, description, type: "instruction", instruction}`;
- `GET /skills/{name}/contents`: `{"name", "files": [{path, size, type}]}` of the skill's folder;
- `GET /skills/{name}/contents/{file}`: one file, with its media type;
- `GET /skills/{name}/download`: the folder as a ZIP archive.

The shapes follow the reference engine. The folder's files were read when the package was
generated and travel inside it (base64 in the generated `skill_app.py`); nothing is read from
disk at run time, so no request path can reach a file outside the skill. A skill without a
`location`, an unknown skill or file answers 404; a file path with a segment outside
`[A-Za-z0-9._-]` (or `.`/`..`) answers 400, as the engine does. Errors are problem+json.
"""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["catalog", "skill_routes"]

_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_PROBLEM = "application/problem+json"
# A fixed timestamp keeps the archive the same bytes at every download (ZIP needs one ≥ 1980).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def catalog(skills: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The `GET /skills` body: each skill's name, description, license and tool names."""
    entries = []
    for skill in skills:
        entry: dict[str, Any] = {"name": skill["name"], "description": skill["description"]}
        if "license" in skill:
            entry["license"] = skill["license"]
        entry["tools"] = [tool["name"] for tool in skill["tools"]]
        entries.append(entry)
    return {"count": len(entries), "skills": entries}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, media_type="application/json")


def _problem(status: int, title: str, detail: str, instance: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = instance
    return Response(json.dumps(body, ensure_ascii=False), status, media_type=_PROBLEM)


def _media_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path, strict=False)
    if guessed is None and path.lower().endswith(".md"):
        guessed = "text/markdown"
    return guessed or "application/octet-stream"


def _zip(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def skill_routes(
    skills: Sequence[Mapping[str, Any]], folders: Mapping[str, Mapping[str, str]]
) -> list[Route]:
    """The five routes, over `skills` (each the `GET /skills/{name}` body) and `folders`.

    `folders` maps the name of each skill that has a `location` to its files (path → base64
    content); a skill missing there has no folder.
    """
    by_name = {str(skill["name"]): skill for skill in skills}
    files = {
        name: {path: base64.b64decode(data) for path, data in content.items()}
        for name, content in folders.items()
    }
    listing = _json(catalog(skills))

    def found(request: Request, *, folder: bool = True) -> tuple[str, Response | None]:
        """The skill named in the path; a 404 when it is unknown, or has no folder to read."""
        name = str(request.path_params["name"])
        if name not in by_name:
            return name, _problem(404, "Not Found", f"no skill {name!r}", request.url.path)
        if folder and name not in files:
            detail = f"skill {name!r} has no location: it has no files"
            return name, _problem(404, "Not Found", detail, request.url.path)
        return name, None

    async def list_skills(request: Request) -> Response:
        return listing

    async def detail(request: Request) -> Response:
        name, missing = found(request, folder=False)
        return missing or _json(by_name[name])

    async def contents(request: Request) -> Response:
        name, missing = found(request)
        if missing:
            return missing
        entries = [
            {"path": path, "size": len(data), "type": _media_type(path)}
            for path, data in files[name].items()
        ]
        return _json({"name": name, "files": entries})

    async def one_file(request: Request) -> Response:
        name, missing = found(request)
        if missing:
            return missing
        path = str(request.path_params["file"])
        segments = path.split("/")
        if not all(_SAFE_SEGMENT.match(s) and s not in (".", "..") for s in segments):
            detail = f"unsafe path segment in {path!r}"
            return _problem(400, "Bad Request", detail, request.url.path)
        if path not in files[name]:
            detail = f"skill {name!r} has no file {path!r}"
            return _problem(404, "Not Found", detail, request.url.path)
        return Response(files[name][path], media_type=_media_type(path))

    async def download(request: Request) -> Response:
        name, missing = found(request)
        if missing:
            return missing
        headers = {"Content-Disposition": f'attachment; filename="{name}.zip"'}
        return Response(_zip(files[name]), media_type="application/zip", headers=headers)

    return [
        Route("/skills", list_skills, methods=["GET"]),
        Route("/skills/{name}", detail, methods=["GET"]),
        Route("/skills/{name}/download", download, methods=["GET"]),
        Route("/skills/{name}/contents", contents, methods=["GET"]),
        Route("/skills/{name}/contents/{file:path}", one_file, methods=["GET"]),
    ]
