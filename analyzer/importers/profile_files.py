"""Where profiles are found, and their compiled layouts kept between runs.

Validating and compiling a profile needs the profile language's models (pydantic) and costs
about half a second of a process's start, for layouts that are the same from run to run. So
each folder's compiled layouts are kept in the user's cache folder, under a key made of the
profile file's path and bytes; the cache as a whole is valid only for the same analyzer code
(its files' sizes and times), the same Python and the same day (a date's latest plausible year
is taken from today). A cache that is missing, stale, unreadable or corrupt is simply built
again; a profile that fails to load is never kept, so its error is shown every time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import site
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import ProfileError

if TYPE_CHECKING:
    from analyzer.importers.base import Importer

USER_PROFILES = Path("usage-analyzer") / "profiles"
# Cache files kept at most (one per profile folder); the oldest go first.
MAX_CACHED_FOLDERS = 64
_CACHE_FORMAT = 1
# Part of the fingerprint that remembered verdicts on unrecognised files rest on.
_VERDICT_FORMAT = 1


def user_profile_dir() -> Path:
    """The user's own profiles: $XDG_CONFIG_HOME/usage-analyzer/profiles (~/.config/...)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / USER_PROFILES


def profile_dirs(bill_paths: Iterable[Path], extra: Sequence[Path] = ()) -> list[Path]:
    """Where profiles are looked for: beside the bills, the user's folder, then ``extra``."""
    found: list[Path] = []
    for path in bill_paths:
        folder = path if path.is_dir() else path.parent
        found.append(folder / "profiles")
    found.append(user_profile_dir())
    found.extend(extra)
    unique: dict[Path, None] = {}
    for folder in found:
        if folder.is_dir():
            unique.setdefault(folder.resolve(), None)
    for folder in extra:
        if not folder.is_dir():
            raise ProfileError(f"--profiles {folder}: no such folder")
    return list(unique)


@cache
def shipped_profiles() -> tuple[Importer, ...]:
    """The real carriers' layouts that ship with the package (``analyzer/profiles/*.toml``)."""
    folder = resources.files("analyzer") / "profiles"
    paths = [
        Path(str(entry))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return tuple(compiled_profiles(paths))


def load_profiles(folders: Iterable[Path], taken: Iterable[str] = ()) -> list[Importer]:
    """Every ``*.toml`` profile in ``folders``; names must be unique among them and built-ins."""
    names = {name: "a built-in layout" for name in taken}
    importers: list[Importer] = []
    for folder in folders:
        paths = sorted(folder.glob("*.toml"))
        for path, importer in zip(paths, compiled_profiles(paths), strict=True):
            if importer.name in names:
                raise ProfileError(
                    f"{path}: name: {importer.name!r} is already used by {names[importer.name]}; "
                    "give this profile another name"
                )
            names[importer.name] = str(path)
            importers.append(importer)
    return importers


def compiled_profiles(paths: Sequence[Path]) -> Iterator[Importer]:
    """The layouts of profile files (of one folder), in order, from the cache when it has them.

    A profile that fails to load raises its ProfileError when its turn comes, as loading it
    would; the cache is written once every layout has been given.
    """
    if not paths:
        return
    store = _cache_file(paths[0].parent)
    kept = _read_cache(store)
    found: dict[str, Importer] = {}
    for path in paths:
        key = _key(path)
        importer = kept.get(key) if key else None
        if importer is None:
            from analyzer.importers.profile import load_profile

            importer = load_profile(path)
        if key:
            found[key] = importer
        yield importer
    if found.keys() != kept.keys():
        _write_cache(store, found)


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/usage-analyzer/profiles (~/.cache/...); None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = Path.home()
        if not home.is_dir():
            return None
        base = str(home / ".cache")
    return Path(base) / "usage-analyzer" / "profiles"


def _cache_file(folder: Path) -> Path | None:
    root = cache_folder()
    if root is None:
        return None
    name = hashlib.sha256(os.fsencode(os.path.abspath(folder))).hexdigest()[:24]
    return root / f"{name}.pickle"


def _key(path: Path) -> str | None:
    """The profile's path (as given: a layout names it) and bytes, hashed; None when it cannot
    be read (not kept)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    named = os.fsencode(os.path.abspath(path)) + b"\0" + os.fsencode(path) + b"\0"
    digest = hashlib.sha256(named + data)
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """What the compiled layouts depend on besides the profile: the code, Python, the day."""
    package = Path(__file__).resolve().parent.parent
    parts = [f"format {_CACHE_FORMAT}", sys.version, date.today().isoformat()]
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(root, name))
                parts.append(f"{root}/{name} {stat.st_size} {stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@cache
def package_fingerprint() -> str:
    """The analyzer as installed: every file of the package (code, shipped profiles, data) by
    size and time, Python, and the folders of installed packages (a reader's upgrade changes
    them)."""
    package = Path(__file__).resolve().parent.parent
    parts = [f"format {_VERDICT_FORMAT}", sys.version]
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            stat = os.stat(os.path.join(root, name))
            parts.append(f"{root}/{name} {stat.st_size} {stat.st_mtime_ns}")
    for folder in sorted({*site.getsitepackages(), site.getusersitepackages()}):
        with suppress(OSError):
            parts.append(f"{folder} {os.stat(folder).st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def judges_fingerprint(
    bill_paths: Iterable[Path], extra: Sequence[Path] = (), *, year: int | None = None
) -> str:
    """What decides which importers judge the files under ``bill_paths``: the analyzer
    (``package_fingerprint``), the profile files in effect (path and bytes) and the --year.

    It costs a few stats and reads of small files: no importer is loaded, no profile compiled.
    """
    parts = [package_fingerprint(), f"year {year}"]
    for folder in profile_dirs(bill_paths, extra):
        for path in sorted(folder.glob("*.toml")):
            parts.append(f"{os.fsencode(path)!r} {_key(path)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read_cache(store: Path | None) -> dict[str, Any]:
    """The kept layouts by key; empty when there are none, or none valid for this code."""
    if store is None:
        return {}
    try:
        kept = pickle.loads(store.read_bytes())
        if kept["fingerprint"] == code_fingerprint() and isinstance(kept["layouts"], dict):
            return kept["layouts"]
    except Exception:  # a cache that cannot be read is built again
        pass
    return {}


def _write_cache(store: Path | None, layouts: dict[str, Importer]) -> None:
    """Replace the folder's cache file at once (a reader never sees half of it)."""
    if store is None:
        return
    try:
        data = pickle.dumps({"fingerprint": code_fingerprint(), "layouts": layouts}, protocol=5)
        store.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=store.parent, suffix=".tmp", delete=False) as out:
            try:
                out.write(data)
                out.close()
                os.replace(out.name, store)
            except OSError:
                os.unlink(out.name)
                raise
        _prune(store.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # no cache: the next run compiles the profiles again


def _prune(folder: Path) -> None:
    """Keep the most recently written cache files only."""
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[MAX_CACHED_FOLDERS:]:
        old.unlink(missing_ok=True)
