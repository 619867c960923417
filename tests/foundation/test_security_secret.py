"""No code path signs with a constant key: per-install key for `make run`, refusal everywhere else."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.config import PUBLIC_SECRETS, TestConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure_secret_key.sh"


def test_development_without_a_key_refuses_to_start(tmp_path):
    """The old code signed every session of `make run` with the public "dev-not-secret"."""
    missing = tmp_path / "no-key"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "development", "SECRET_KEY": "", "SECRET_KEY_FILE": str(missing)})


@pytest.mark.parametrize("env", ["development", "test", "production", "staging"])
@pytest.mark.parametrize("key", sorted(PUBLIC_SECRETS) + ["x" * 64, "court"])
def test_a_public_short_or_constant_key_is_refused_in_every_mode(env, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": env, "SECRET_KEY": key})


def test_development_reads_the_install_key_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key = secrets.token_hex(32)
    key_file.write_text(key + "\n")
    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)})
    assert app.config["SECRET_KEY"] == key


def test_production_never_falls_back_to_the_key_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_hex(32))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)})


def test_tests_use_a_random_key_per_run():
    assert TestConfig.SECRET_KEY not in PUBLIC_SECRETS and len(TestConfig.SECRET_KEY) >= 32
    code = "from app.config import TestConfig; print(TestConfig.SECRET_KEY)"
    keys = {
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(keys) == 2


def test_a_test_mode_process_without_key_gets_a_random_one():
    """Worker subprocesses started by tests (CARTE_ENV=test) never sign with a constant either."""
    app = create_app({"ENV_NAME": "test", "SECRET_KEY": ""})
    other = create_app({"ENV_NAME": "test", "SECRET_KEY": ""})
    assert len(app.config["SECRET_KEY"]) >= 32 and app.config["SECRET_KEY"] != other.config["SECRET_KEY"]


def test_a_cookie_signed_with_the_old_default_key_is_not_accepted(client, make_user):
    """A session forged with "dev-not-secret" does not sign anyone in."""
    admin = make_user(role="admin")
    forged = URLSafeTimedSerializer(
        "dev-not-secret",
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"},
    ).dumps({"_user_id": admin.get_id(), "_fresh": True})
    client.set_cookie("session", forged)
    assert client.get("/moderation/").status_code in (302, 401)


def _run_script(path):
    return subprocess.run(["bash", str(SCRIPT), str(path)], capture_output=True, text=True, check=True)


def test_the_key_script_creates_a_private_random_key_once_then_reuses_it(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    _run_script(key_file)
    first = key_file.read_text().strip()
    assert len(first) == 64 and int(first, 16) > 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    _run_script(key_file)
    assert key_file.read_text().strip() == first  # reused, not regenerated
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no temporary file left
    other = tmp_path / "other" / "secret_key"
    _run_script(other)
    assert other.read_text().strip() != first  # one key per install


def test_the_key_script_tightens_the_mode_of_an_existing_key(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_hex(32))
    os.chmod(key_file, 0o644)
    _run_script(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_key_file_is_outside_git_and_make_run_passes_it():
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secret_key"], cwd=ROOT)
    assert ignored.returncode == 0
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^run bench( capacity)?: export SECRET_KEY \?= \$\(shell cat \$\(SECRET_KEY_FILE\)", makefile, re.M
    )
    assert "run: db secret-key" in makefile


def test_make_passes_the_key_file_to_the_commands_of_run(tmp_path):
    """Make itself: the target-specific SECRET_KEY is read after the key file is created."""
    key_file = tmp_path / "secret_key"
    probe = 'run: secret-key ; @echo "key=$$SECRET_KEY"\n'
    result = subprocess.run(
        ["make", "-s", "-f", "-", f"SECRET_KEY_FILE={key_file}", "run"],
        input=_makefile_without_run() + probe,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
        check=True,
    )
    assert f"key={key_file.read_text().strip()}" in result.stdout


def _makefile_without_run():
    """The project's Makefile minus the recipe of `run` (the probe replaces it)."""
    lines, out, skipping = (ROOT / "Makefile").read_text().splitlines(), [], False
    for line in lines:
        if line.startswith("run: db"):
            skipping = True
            continue
        if skipping and (line.startswith("\t") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n"
