"""Front-end libraries served offline: the usual CDN URLs answered from local, pinned copies.

Models write pages that load Tailwind, React, Babel, Vue or Bootstrap from a CDN (cdn.tailwindcss.com,
unpkg.com, cdn.jsdelivr.net, cdnjs, bootstrapcdn), with whatever version they remember. The renderer
never reaches the network, so ``lookup`` maps such a URL to a file of the npm packages that
``scripts/setup.sh`` unpacks into ``.cache/stacks`` (``PACKAGES``, the same pins): the version asked
for when it is there, else the vendored one of the same major version, else the nearest. Anything
else (other hosts, other packages, files a package does not have) gets no answer and stays blocked.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

# npm name@version, as scripts/setup.sh installs them (each unpacked into .cache/stacks/<name with
# "/" as "+">@<version>/). React 18 is the last with UMD builds; Babel 8 breaks in-browser JSX.
PACKAGES = (
    "react@18.3.1",
    "react-dom@18.3.1",
    "@babel/standalone@7.29.15",
    "vue@3.5.47",
    "bootstrap@5.3.8",
    "@tailwindcss/browser@4.3.5",
    "tailwindcss-cdn@3.4.10",  # copies of the Tailwind v3 Play CDN script (cdn.tailwindcss.com)
    "tailwindcss@2.2.19",  # the last with a prebuilt dist/tailwind.min.css, which models still link
)
STACKS_DIRS = (Path(".cache") / "stacks", Path("node_modules") / ".img2code-stacks")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STACKS_ENV = "IMG2CODE_STACKS"

# Old or CDN-specific names of the vendored packages.
ALIASES = {
    "babel-standalone": "@babel/standalone",
    "twitter-bootstrap": "bootstrap",
    "tailwind": "tailwindcss",
}
NPM_CDNS = {"unpkg.com": "", "cdn.jsdelivr.net": "/npm", "npmcdn.com": "", "fastly.jsdelivr.net": "/npm"}
CDNJS = "cdnjs.cloudflare.com"
BOOTSTRAP_CDNS = ("stackpath.bootstrapcdn.com", "maxcdn.bootstrapcdn.com", "netdna.bootstrapcdn.com")
TAILWIND_PLAY = "cdn.tailwindcss.com"
TAILWIND_PLUGINS = ("forms", "typography", "aspect-ratio", "container-queries", "line-clamp")
CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".cjs": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}
SPEC = re.compile(r"^(?P<name>(?:@[^/@]+/)?[^/@]+)(?:@(?P<version>[^/]*))?(?P<path>/.*)?$")


@dataclass(frozen=True)
class Answer:
    """The local file that answers a CDN URL, and which vendored package it comes from."""

    path: Path
    package: str  # name@version of the copy served
    asked: str  # the version the URL asked for ("" when none)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.path.suffix, "application/octet-stream")

    @property
    def substituted(self) -> bool:
        """Whether another version than the one asked for is served."""
        served = self.package.split(" ")[0].rsplit("@", 1)[1]
        return bool(self.asked) and not served.startswith(self.asked.rstrip(".x*"))


def stacks_dir() -> Path | None:
    """Where the vendored packages are: ``$IMG2CODE_STACKS``, else the folders set-up installs into."""
    configured = os.environ.get(STACKS_ENV)
    folders = (
        [Path(configured)]
        if configured
        else [base / folder for base in (PROJECT_ROOT, Path.cwd()) for folder in STACKS_DIRS]
    )
    return next((folder.resolve() for folder in folders if folder.is_dir()), None)


def installed() -> list[str]:
    """The vendored packages present (name@version), for doctor and tests."""
    root = stacks_dir()
    return [spec for spec in PACKAGES if root is not None and _folder(root, spec).is_dir()]


def lookup(url: str) -> Answer | None:
    """The vendored file that answers ``url``, or None when it is no known CDN's URL of a vendored
    package's file (the request then stays blocked)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    root = stacks_dir()
    if root is None:
        return None
    host, path = parts.netloc.lower(), unquote(parts.path)
    if host == TAILWIND_PLAY:
        return _tailwind_play(root, path, parts.query)
    if host in NPM_CDNS and path.startswith(NPM_CDNS[host] + "/"):
        match = SPEC.match(path[len(NPM_CDNS[host]) + 1 :])
        if match:
            return _package_file(root, match["name"], match["version"] or "", match["path"] or "")
    elif host == CDNJS and path.startswith("/ajax/libs/"):
        pieces = path.removeprefix("/ajax/libs/").split("/", 2)
        if len(pieces) == 3:
            return _package_file(root, pieces[0], pieces[1], "/" + pieces[2], loose=True)
    elif host in BOOTSTRAP_CDNS and path.startswith("/bootstrap/"):
        pieces = path.removeprefix("/bootstrap/").split("/", 1)
        if len(pieces) == 2:
            return _package_file(root, "bootstrap", pieces[0], "/" + pieces[1], loose=True)
    return None


def _tailwind_play(root: Path, path: str, query: str) -> Answer | None:
    """cdn.tailwindcss.com[/3.4.1][?plugins=forms,typography]: the Play CDN script of that version
    (3.4.10 when it is not vendored), with the plugins asked for."""
    spec = next((s for s in PACKAGES if s.startswith("tailwindcss-cdn@")), "")
    folder = _folder(root, spec)
    asked = path.strip("/")
    plugins = [p for v in parse_qs(query).get("plugins", []) for p in v.split(",") if p in TAILWIND_PLUGINS]
    name = "tailwindcss.js"
    if len(plugins) == 1:
        name = f"tailwindcss-with-{plugins[0]}.js"
    elif plugins:
        name = "tailwindcss-with-all-plugins.js"
    for candidate in ([f"{asked}/{name}"] if re.fullmatch(r"\d+\.\d+\.\d+", asked) else []) + [name]:
        file = folder / candidate
        if file.is_file():
            version = candidate.split("/")[0] if "/" in candidate else spec.rsplit("@", 1)[1]
            return Answer(file, f"tailwindcss@{version} (Play CDN)", asked)
    return None


def _package_file(root: Path, name: str, version: str, path: str, *, loose: bool = False) -> Answer | None:
    """The file ``path`` of the vendored copy of npm package ``name`` closest to ``version``.

    Without a path, the file the package names for CDNs (``unpkg``, ``jsdelivr``, ``browser``,
    ``main``). ``loose`` (cdnjs, bootstrapcdn: paths relative to the package's dist/ or umd/): the
    path is also looked for under those folders and by its file name.
    """
    name = ALIASES.get(name.lower(), name.lower())
    candidates = [spec for spec in PACKAGES if spec.rsplit("@", 1)[0] == name]
    if not candidates:
        return None
    spec = _closest(candidates, version)
    folder = _folder(root, spec)
    relative = path.strip("/")
    if path.endswith("/+esm") or not relative:
        relative = _entry(folder)
        if not relative:
            return None
    file = _find(folder, relative, loose=loose)
    if file is None:
        logger.debug("no %s in the vendored %s", relative, spec)
        return None
    return Answer(file, spec, version.lstrip("v^~=") if re.match(r"[v^~=]*\d", version) else "")


def _closest(specs: list[str], version: str) -> str:
    """Of ``specs`` (name@version), the one asked for, else one of the same major, else the nearest."""
    wanted = re.match(r"[v^~=]*(\d+)", version)
    if wanted is None:
        return specs[-1]
    major = int(wanted[1])

    def distance(spec: str) -> tuple[int, bool]:
        vendored = spec.rsplit("@", 1)[1]
        return abs(int(vendored.split(".")[0]) - major), not vendored.startswith(version)

    return min(specs, key=distance)


def _entry(folder: Path) -> str:
    """The file a CDN serves for a package URL without a path."""
    try:
        manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    for key in ("unpkg", "jsdelivr", "browser", "main"):
        value = manifest.get(key)
        if isinstance(value, str) and value:
            return value.removeprefix("./")
    return ""


def _find(folder: Path, relative: str, *, loose: bool) -> Path | None:
    """``folder/relative`` when it is a file inside ``folder``; ``loose``: also under dist/ or umd/,
    or any file of that name (with or without ``.min``) in the package's dist/, umd/ or top."""
    tries = [relative]
    if loose:
        tries += [f"dist/{relative}", f"umd/{relative}"]
    for candidate in tries:
        file = (folder / candidate).resolve()
        if file.is_relative_to(folder) and file.is_file():
            return file
    if not loose:
        return None
    base = relative.rsplit("/", 1)[-1]
    names = {base, base.replace(".min.", "."), re.sub(r"\.(js|css)$", r".min.\1", base)}
    names |= {n.replace(".prod.min.", ".prod.") for n in names}
    index = _index(folder)
    for candidate in names:
        if candidate in index:
            return folder / index[candidate]
    return None


@cache
def _index(folder: Path) -> dict[str, str]:
    """File name -> shortest relative path, over the package's top, dist/ and umd/ folders."""
    found: dict[str, str] = {}
    for sub in ("", "dist", "umd"):
        base = folder / sub
        if not base.is_dir():
            continue
        for file in sorted(base.rglob("*") if sub else base.glob("*"), key=lambda p: len(p.parts)):
            if file.is_file():
                found.setdefault(file.name, file.relative_to(folder).as_posix())
    return found


def _folder(root: Path, spec: str) -> Path:
    """Where set-up unpacked ``spec`` (name@version)."""
    return root / spec.replace("/", "+")
