"""Supply chain: requirements*.txt are the pinned inputs, requirements*.lock pin every transitive
dependency with hashes (`make lock`), the Makefile and the Dockerfile install the locks only, and every
direct dependency is used."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
# Direct dependencies used without an `import` of theirs in our code, and why.
NOT_IMPORTED = {
    "gunicorn": "the web server (make run, the Dockerfile's CMD)",
    "pytest-playwright": "a pytest plugin (the `page` and `browser` fixtures)",
    "ruff": "the linter (make lint)",
}
SOURCES = ("app", "migrations", "worker.py", "wsgi.py", "tests", "bench", "scripts")


def inputs(name):
    """{canonical name: (Requirement, file)} of an input file, following `-r` includes."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            found.update(inputs(line[2:].strip()))
        elif line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = (requirement, name)
    return found


def lock(name):
    """{canonical name: {"version", "hashes", "via"}} of a lock file written by uv."""
    entries, current, in_via = {}, None, False
    for line in (ROOT / name).read_text().splitlines():
        match = ENTRY.match(line)
        if match:
            current = {"version": match.group(2), "hashes": [], "via": set()}
            entries[canonicalize_name(match.group(1))] = current
            in_via = False
            continue
        assert not line or line.startswith((" ", "#")), f"{name}: unexpected line {line!r}"
        stripped = line.strip().rstrip("\\").strip()
        if current is None:
            continue
        if stripped.startswith("--hash="):
            current["hashes"].append(stripped.removeprefix("--hash="))
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current["via"].add(rest)
        elif in_via and stripped.startswith("#   "):
            current["via"].add(stripped.removeprefix("#   ").strip())
    return entries


@pytest.mark.parametrize("source, locked", LOCKS.items())
def test_every_locked_package_is_pinned_with_sha256_hashes(source, locked):
    entries = lock(locked)
    assert len(entries) > 30, f"{locked} looks empty"
    for name, entry in entries.items():
        assert entry["hashes"], f"{locked}: {name} has no --hash line (run make lock)"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry["hashes"]), name
    assert "--generate-hashes" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("source, locked", LOCKS.items())
def test_locks_agree_with_their_inputs(source, locked):
    wanted, entries = inputs(source), lock(locked)
    for name, (requirement, origin) in wanted.items():
        pins = [s.version for s in requirement.specifier if s.operator == "=="]
        assert pins, f"{origin}: {requirement} is not pinned with =="
        assert name in entries, f"{locked} lacks {name} from {origin}: run make lock"
        assert entries[name]["version"] == pins[0], f"{locked}: {name} is not {pins[0]}: run make lock"
    for name, entry in entries.items():
        direct = any(v.startswith("-r ") for v in entry["via"])
        others = {canonicalize_name(v) for v in entry["via"] if not v.startswith("-")}
        assert name in wanted or others & entries.keys(), (
            f"{locked}: {name} is neither an input nor needed by a locked package: run make lock"
        )
        assert not direct or name in wanted, f"{locked}: {name} was removed from the inputs: run make lock"


def test_the_dev_lock_installs_the_same_runtime_as_the_production_lock():
    runtime, dev = lock("requirements.lock"), lock("requirements-dev.lock")
    for name, entry in runtime.items():
        assert name in dev and dev[name]["version"] == entry["version"], name
        assert set(dev[name]["hashes"]) == set(entry["hashes"]), name


def test_the_environment_is_the_dev_lock_and_the_lock_is_closed():
    """Each locked package is installed at its locked version, and everything it needs is locked."""
    entries = lock("requirements-dev.lock")
    extras = {name: set(req.extras) for name, (req, _) in inputs("requirements-dev.txt").items()}
    for name, entry in entries.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} is locked but not installed: run make venv")
        assert installed == entry["version"], f"{name} {installed} installed, {entry['version']} locked"
        for line in metadata.requires(name) or []:
            needed = Requirement(line)
            wanted = [{"extra": e} for e in extras.get(name, ())] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(env) for env in wanted):
                assert canonicalize_name(needed.name) in entries, f"{name} needs {needed.name}, not locked"


def test_makefile_and_dockerfile_install_the_locks_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    stamp = re.search(r"^\$\(VENV\)/\.installed:(.*)$", makefile, re.M)
    assert stamp and {"requirements.lock", "requirements-dev.lock"} <= set(stamp.group(1).split())
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert re.search(r"^lock:", makefile, re.M)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY requirements.lock" in dockerfile and "--require-hashes" in dockerfile
    assert "requirements.txt" not in dockerfile


def _modules_of(distribution):
    modules = {m for m, dists in metadata.packages_distributions().items() if distribution in dists}
    return {m for m in modules if not m.startswith("_")}


def test_every_direct_dependency_is_used():
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for source in SOURCES
        for path in ([ROOT / source] if source.endswith(".py") else (ROOT / source).rglob("*.py"))
        if ".venv" not in path.parts
    )
    unused = []
    for name, (requirement, _origin) in inputs("requirements-dev.txt").items():
        if name in NOT_IMPORTED:
            continue
        try:
            modules = _modules_of(metadata.distribution(requirement.name).metadata["Name"])
        except metadata.PackageNotFoundError:
            pytest.fail(f"{requirement.name} is required but not installed: run make lock and make venv")
        if not any(re.search(rf"^\s*(import|from) {re.escape(m)}\b", code, re.M) for m in modules):
            unused.append(f"{requirement.name} ({', '.join(sorted(modules))})")
    assert unused == [], f"installed but never imported: {unused}"
