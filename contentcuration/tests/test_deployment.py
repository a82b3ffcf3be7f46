"""Deployment defaults: production refuses to start without a real secret, creates no default
admin and no demo channel, and docker-compose.yml ships no secret or password of its own.

Settings are loaded in subprocesses with a controlled environment (only PATH and HOME from
ours), exactly as a container or a systemd unit would start them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# What an operator generates (python -c "import secrets; print(secrets.token_urlsafe(50))").
REAL_SECRET = "q8Lm2vR7xT4nB9kP1wZ6eH3sJ5cD0fG8yU2aN7-tQ4_rM1pV9zX3bK6"
# The fallback docker-compose.yml used to supply: public, so it must never be accepted.
PUBLIC_COMPOSE_SECRET = "change-me-change-me-change-me-change-me-change-me-0000"


def controlled_env(**variables: str) -> dict[str, str]:
    """A minimal environment: nothing the settings read unless given here."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(variables)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def run_shell(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_manage("shell", "-v", "0", "-c", code, env=env)


# --- docker-compose.yml ---------------------------------------------------------------------

COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingRequiredVariable(Exception):
    pass


def interpolate(value: str, host: dict[str, str]) -> str:
    """Compose's variable substitution: ``${X}``, ``${X:-default}``, ``${X:?error}``, ``$$``."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        current = host.get(name)
        unset_or_empty = not current if op and op.startswith(":") else current is None
        if op and op.endswith("-"):
            return arg if unset_or_empty else current
        if op and op.endswith("?"):
            if unset_or_empty:
                raise MissingRequiredVariable(f"{name}: {arg}")
            return current
        return current or ""

    return COMPOSE_VARIABLE.sub(substitute, value)


def load_compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def service_environment(service: str, host: dict[str, str], *, skip_required: bool = False) -> dict[str, str]:
    """The environment compose gives ``service`` when run from a shell whose variables are
    ``host``. With ``skip_required``, a ``${X:?...}`` variable that is missing is left out
    (as if compose's own guard were bypassed), so the settings' guard is what is tested."""
    environment = load_compose()["services"][service]["environment"]
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    resolved = {}
    for name, value in environment.items():
        if value is None:  # bare name: passed through from the host when set there
            if name in host:
                resolved[name] = host[name]
            continue
        try:
            resolved[name] = interpolate(str(value), host)
        except MissingRequiredVariable:
            if not skip_required:
                raise
    return resolved


def test_compose_refuses_to_start_without_a_secret_key_and_ships_no_secret_or_password():
    text = (REPO / "docker-compose.yml").read_text()
    with pytest.raises(MissingRequiredVariable, match="SECRET_KEY"):
        service_environment("web", host={})
    assert PUBLIC_COMPOSE_SECRET not in text
    assert "a@a.com" not in text
    for service in ("web", "worker"):
        env = service_environment(service, host={}, skip_required=True)
        assert "SECRET_KEY" not in env
        assert not env.get("SETUP_ADMIN_EMAIL") and not env.get("SETUP_ADMIN_PASSWORD")


def test_compose_passes_the_operators_settings_through_to_web_and_worker():
    host = {
        "SECRET_KEY": REAL_SECRET,
        "ALLOWED_HOSTS": "curation.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://curation.example.org",
        "SETUP_ADMIN_EMAIL": "ops@example.org",
        "SETUP_ADMIN_PASSWORD": "a long passphrase nobody guesses",
        "GUNICORN_TIMEOUT": "1200",
        "AWS_STORAGE_BUCKET_NAME": "curation-files",
        "EMAIL_HOST": "smtp.example.org",
    }
    for service in ("web", "worker"):
        env = service_environment(service, host)
        for name, value in host.items():
            assert env[name] == value, f"{service}: {name} is not passed through"
        assert env["DJANGO_SETTINGS_MODULE"] == "contentcuration.settings.production"


def test_compose_keeps_redis_data_in_a_volume_and_runs_gunicorn_with_its_config_file():
    compose = load_compose()
    redis = compose["services"]["redis"]
    assert "--appendonly yes" in redis["command"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    web_command = compose["services"]["web"]["command"]
    assert "gunicorn" in web_command and "a@a.com" not in web_command
    # The timeout comes from gunicorn.conf.py (GUNICORN_TIMEOUT), not a hard-coded flag.
    assert "--timeout" not in web_command


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="no docker-compose client here")
def test_docker_compose_itself_accepts_the_file_only_given_a_secret(tmp_path):
    # docker-compose config parses and interpolates offline (no engine needed).
    empty_env_file = tmp_path / "empty.env"  # a developer's own .env must not leak in
    empty_env_file.write_text("")

    def config(env: dict[str, str]) -> subprocess.CompletedProcess:
        command = ["docker-compose", "-f", str(REPO / "docker-compose.yml"), "--env-file", str(empty_env_file)]
        return subprocess.run([*command, "config"], env=env, capture_output=True, text=True, timeout=60)

    accepted = config(controlled_env(SECRET_KEY=REAL_SECRET, SETUP_ADMIN_EMAIL="ops@example.org"))
    assert accepted.returncode == 0, accepted.stderr
    resolved = yaml.safe_load(accepted.stdout)
    assert resolved["services"]["web"]["environment"]["SECRET_KEY"] == REAL_SECRET
    assert resolved["services"]["worker"]["environment"]["SETUP_ADMIN_EMAIL"] == "ops@example.org"

    refused = config(controlled_env())
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)


def test_check_deploy_fails_with_the_compose_defaults_and_no_secret_and_passes_with_a_real_environment(tmp_path):
    # The container paths (/data) are replaced by a scratch folder; everything else is what
    # compose would hand the web container.
    local_paths = {"DATA_DIR": str(tmp_path)}
    bare = controlled_env(**service_environment("web", host={}, skip_required=True), **local_paths)
    failed = deploy_check(bare)
    assert failed.returncode != 0
    assert "SECRET_KEY" in failed.stderr

    host = {
        "SECRET_KEY": REAL_SECRET,
        "ALLOWED_HOSTS": "curation.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://curation.example.org",
    }
    proper = controlled_env(**service_environment("web", host), **local_paths)
    passed = deploy_check(proper)
    assert passed.returncode == 0, passed.stderr + passed.stdout
    assert "no issues" in passed.stdout


# --- Production settings --------------------------------------------------------------------

LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
)


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", PUBLIC_COMPOSE_SECRET, "x" * 60, "django-insecure-" + REAL_SECRET],
    ids=["unset", "empty", "short", "the-old-compose-default", "one-character", "django-insecure"],
)
def test_production_settings_without_a_real_secret_refuse_to_start(tmp_path, secret):
    env = controlled_env(DJANGO_SETTINGS_MODULE="contentcuration.settings.production", DATA_DIR=str(tmp_path))
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run_python(LOAD_SETTINGS, env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    # The message says what to set and how to make one.
    assert "SECRET_KEY" in result.stderr and "secrets.token_urlsafe" in result.stderr


def test_production_settings_start_with_a_real_secret(tmp_path):
    env = controlled_env(
        DJANGO_SETTINGS_MODULE="contentcuration.settings.production", DATA_DIR=str(tmp_path), SECRET_KEY=REAL_SECRET
    )
    result = run_python(LOAD_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["contentcuration.settings.production", "False"]


@pytest.mark.parametrize("module", ["contentcuration.wsgi", "contentcuration.celery"])
def test_without_a_settings_module_wsgi_and_celery_run_production_settings_not_debug(tmp_path, module):
    without_secret = run_python(f"import {module}; {LOAD_SETTINGS}", controlled_env(DATA_DIR=str(tmp_path)))
    assert without_secret.returncode != 0
    assert "SECRET_KEY" in without_secret.stderr

    with_secret = run_python(
        f"import {module}; {LOAD_SETTINGS}", controlled_env(DATA_DIR=str(tmp_path), SECRET_KEY=REAL_SECRET)
    )
    assert with_secret.returncode == 0, with_secret.stderr
    assert with_secret.stdout.split() == ["contentcuration.settings.production", "False"]


def test_manage_py_without_a_settings_module_still_runs_development_settings(tmp_path):
    # make run relies on it: no secret to set, DEBUG on, plain HTTP.
    result = run_shell(
        "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)",
        controlled_env(DATA_DIR=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["contentcuration.settings.dev", "True"]


def test_gunicorn_timeout_fits_long_uploads_and_is_configurable(tmp_path):
    def timeout(**variables: str) -> int:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("gunicorn")), "--print-config", "contentcuration.wsgi"],
            cwd=REPO,
            env=controlled_env(DATA_DIR=str(tmp_path), SECRET_KEY=REAL_SECRET, **variables),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return int(re.search(r"^timeout\s*=\s*(\d+)", result.stdout, re.MULTILINE).group(1))

    assert timeout() >= 300
    assert timeout(GUNICORN_TIMEOUT="1800") == 1800


# --- setup under production -----------------------------------------------------------------

COUNT_ROWS = (
    "from contentcuration.models import Channel, User; "
    "print(User.objects.count(), User.objects.filter(is_superuser=True).count(), Channel.objects.count())"
)


@pytest.mark.slow
def test_setup_under_production_creates_no_admin_and_no_demo_channel_unless_asked(tmp_path):
    env = controlled_env(
        DJANGO_SETTINGS_MODULE="contentcuration.settings.production",
        DATA_DIR=str(tmp_path),
        SECRET_KEY=REAL_SECRET,
    )
    assert run_manage("migrate", "--noinput", env=env).returncode == 0

    first = run_manage("setup", env=env)
    assert first.returncode == 0, first.stderr
    assert "createsuperuser" in first.stdout and "SETUP_ADMIN_EMAIL" in first.stdout
    assert run_shell(COUNT_ROWS, env).stdout.split() == ["0", "0", "0"]

    env.update(SETUP_ADMIN_EMAIL="ops@example.org", SETUP_ADMIN_PASSWORD="a long passphrase nobody guesses")
    second = run_manage("setup", env=env)
    assert second.returncode == 0, second.stderr
    assert "ops@example.org" in second.stdout
    assert run_shell(COUNT_ROWS, env).stdout.split() == ["1", "1", "0"]


# --- Docker image ---------------------------------------------------------------------------


def test_the_image_runs_as_a_non_root_user():
    users = re.findall(r"^USER\s+(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert users, "the Dockerfile never switches away from root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def dockerignore_excludes(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified: the last matching pattern wins; ``!`` re-includes;
    ``**/`` matches at any depth; a pattern that matches a folder excludes its content."""
    from fnmatch import fnmatchcase

    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern]
        if pattern.startswith("**/"):
            candidates.append(pattern[3:])
        if any(
            fnmatchcase(prefix, candidate) or fnmatchcase(prefix, "*/" + candidate) and candidate != pattern
            for prefix in prefixes
            for candidate in candidates
        ):
            excluded = not negate
    return excluded


def test_the_build_context_leaves_out_virtualenvs_data_git_and_node_modules():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in [
        ".venv/bin/python",
        ".venv-kolibri/x",
        "data/db.sqlite3",
        ".git/HEAD",
        "frontend/node_modules/vue/index.js",
        "node_modules/x",
        "contentcuration/__pycache__/a.pyc",
        ".pytest_cache/x",
        ".env",
    ]:
        assert dockerignore_excludes(path, patterns), f"{path} would be sent to the Docker daemon"
    for path in ["manage.py", "requirements.txt", "contentcuration/settings/base.py", "gunicorn.conf.py"]:
        assert not dockerignore_excludes(path, patterns), f"{path} is needed in the image"


# --- README ---------------------------------------------------------------------------------

READS_A_VARIABLE = re.compile(r'(?:env_(?:str|bool|int|list)|os\.environ\.(?:get|setdefault))\(\s*"([A-Z][A-Z0-9_]*)"')


def test_every_variable_the_settings_read_is_in_the_readme_table():
    sources = [*sorted((REPO / "contentcuration" / "settings").glob("*.py")), REPO / "gunicorn.conf.py"]
    variables = {name for path in sources for name in READS_A_VARIABLE.findall(path.read_text())}
    assert {"SECRET_KEY", "EMAIL_BACKEND", "GUNICORN_TIMEOUT"} <= variables  # the scan works
    readme = (REPO / "README.md").read_text()
    table_rows = [line for line in readme.splitlines() if line.startswith("| `")]
    undocumented = sorted(name for name in variables if not any(f"`{name}`" in row for row in table_rows))
    assert not undocumented, f"add these to README.md's settings table: {undocumented}"
