"""The deployment files (Dockerfile, docker-compose.yml, deploy.env.example, the container
scripts) agree with the app: its settings, its ports, its production start. The image itself is
built and started by scripts/container-proof (docs/operations.md, "Containers")."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from starlette.responses import PlainTextResponse

from clawscale.settings import SECRETS_WITH_DEV_DEFAULTS, Settings
from tests.servers import serve_asgi

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = set(Settings.model_fields)
APP_DIR = "/app/"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def stage_args(stage: list[tuple[str, str]]) -> dict[str, str]:
    return dict(arguments.partition("=")[::2] for keyword, arguments in stage if keyword == "ARG")


def env_file_names(path: Path) -> list[str]:
    return [
        line.partition("=")[0]
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def compose(**variables: str) -> dict:
    """docker-compose.yml as Compose reads it with these variables set: `${NAME}`,
    `${NAME:-default}` and `${NAME:?error}` replaced (the forms the file uses)."""

    def value(match: re.Match[str]) -> str:
        name, operator, word = match.groups()
        if name in variables:
            return variables[name]
        if operator == ":?":
            raise KeyError(f"{name} must be set: {word}")
        return word or ""

    text = (ROOT / "docker-compose.yml").read_text()
    return yaml.safe_load(re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", value, text))


def in_repository(image_path: str) -> Path:
    assert image_path.startswith(APP_DIR), image_path
    return ROOT / image_path.removeprefix(APP_DIR)


def test_the_base_image_is_a_build_argument_defaulting_to_python_slim():
    instructions = dockerfile_instructions()
    first_from = next(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    assert ("ARG", "BASE_IMAGE=python:3.11-slim") in instructions[:first_from]
    stages = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert stages and all(stage.split()[0] == "${BASE_IMAGE}" for stage in stages)


def test_the_image_runs_as_a_non_root_user():
    stage = final_stage()
    users = [arguments for keyword, arguments in stage if keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1]
    match = re.fullmatch(r"\$\{(\w+)\}", user)
    if match:
        user = stage_args(stage)[match.group(1)]
    assert user not in ("", "0", "root")
    assert not user.startswith("0:")


def test_the_image_exposes_the_web_and_api_ports_of_the_settings():
    exposed = {
        int(port)
        for keyword, arguments in final_stage()
        if keyword == "EXPOSE"
        for port in arguments.split()
    }
    ports = {Settings.model_fields[name].default for name in ("WEB_PORT", "API_PORT")}
    assert ports == {4040, 4041}
    assert exposed == ports


def test_the_healthcheck_and_entrypoint_are_scripts_of_the_repository():
    stage = dict(final_stage())
    healthcheck = re.search(r"CMD (\[.*\])", stage["HEALTHCHECK"])
    assert healthcheck, stage["HEALTHCHECK"]
    interpreter, script = yaml.safe_load(healthcheck.group(1))
    assert interpreter == "/app/.venv/bin/python"
    assert in_repository(script).is_file()
    (entrypoint,) = yaml.safe_load(stage["ENTRYPOINT"])
    assert os.access(in_repository(entrypoint), os.X_OK)


def test_the_entrypoint_starts_scripts_run_in_production():
    text = (ROOT / "scripts/container/entrypoint").read_text()
    assert "export CLAWSCALE_ENV=production" in text
    assert re.search(r'^exec "\$\(dirname .*\)/\.\./run"', text, re.MULTILINE)
    assert os.access(ROOT / "scripts/run", os.X_OK)


def test_the_image_prebuilds_what_scripts_run_sets_up():
    """The build runs scripts/lib/setup.sh's own steps, so a start finds them current."""
    setup = (ROOT / "scripts/lib/setup.sh").read_text()
    build_steps = " ".join(
        arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"
    )
    for step in ("setup_python", "setup_frontend_toolchain", "compile_catalogs"):
        assert f"{step}()" in setup
        assert step in build_steps


def test_the_build_leaves_out_local_state_and_secrets():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".tools", ".web", ".env", "deploy.env"} <= ignored


def test_compose_runs_the_gateway_with_postgres_16_and_redis_7():
    services = compose(POSTGRES_PASSWORD="pw")["services"]
    assert set(services) == {"gateway", "postgres", "redis"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["gateway"]["build"]["context"] == "."
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
        assert services["gateway"]["depends_on"][name] == {"condition": "service_healthy"}
    assert any(
        volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"]
    )
    assert services["gateway"]["ports"] == ["4040:4040", "4041:4041"]


def test_every_variable_given_to_the_gateway_is_a_setting():
    gateway = compose(POSTGRES_PASSWORD="pw")["services"]["gateway"]
    assert gateway["env_file"] == "deploy.env"
    names = {
        *gateway["environment"],
        *gateway["build"]["args"],
        *env_file_names(ROOT / "deploy.env.example"),
    }
    assert names - SETTINGS == set()


def test_the_gateway_reaches_the_compose_database_and_redis():
    services = compose(POSTGRES_PASSWORD="s3cret-Pw")["services"]
    database = urlsplit(services["gateway"]["environment"]["DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert database.scheme == "postgresql"
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path == "/" + postgres["POSTGRES_DB"]
    assert database.password == postgres["POSTGRES_PASSWORD"] == "s3cret-Pw"
    assert urlsplit(services["gateway"]["environment"]["REDIS_URL"]).hostname == "redis"


def test_deploy_env_example_leaves_every_production_secret_to_be_set():
    values = dict(
        line.partition("=")[::2]
        for line in (ROOT / "deploy.env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert values["CLAWSCALE_ENV"] == "production"
    for secret in SECRETS_WITH_DEV_DEFAULTS:
        assert values[secret] == "", secret


def status_app(status: int) -> PlainTextResponse:
    return PlainTextResponse("answer", status_code=status)


def run_healthcheck(api_port: int, web_port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts/container/healthcheck.py")],
        env={**os.environ, "API_PORT": str(api_port), "WEB_PORT": str(web_port)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def port(url: str) -> int:
    return urlsplit(url).port


@pytest.mark.parametrize(
    ("api_status", "web_status", "healthy"),
    [(200, 200, True), (503, 200, False), (200, 404, False)],
)
def test_the_healthcheck_needs_health_and_the_web_to_answer_200(api_status, web_status, healthy):
    with serve_asgi(status_app(api_status)) as api, serve_asgi(status_app(web_status)) as web:
        result = run_healthcheck(port(api), port(web))
    assert (result.returncode == 0) is healthy
    if not healthy:
        failing = f"{api}/health" if api_status != 200 else f"{web}/"
        assert failing in result.stderr


def test_the_healthcheck_fails_when_nothing_listens():
    with serve_asgi(status_app(200)) as web:
        pass
    result = run_healthcheck(port(web), port(web))
    assert result.returncode == 1


def test_compose_refuses_to_start_without_a_database_password():
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        compose()
