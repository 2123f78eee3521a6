"""`python -m clawscale`: the first admin without a database shell, and the env bootstrap."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from sqlmodel import select

from clawscale.db import get_engine
from clawscale.domain.channels.store import channel_credentials, create_channel
from clawscale.domain.runtime.agents import agent_token, create_agent
from clawscale.models import AdminAccount, Agent, Channel, ChannelScope
from clawscale.settings import Settings, get_settings
from clawscale.workers.lifespan import create_bootstrap_admin


def run_cli(project_root, database_url, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "clawscale", *args],
        cwd=project_root,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def admins(session):
    session.expire_all()
    return session.exec(select(AdminAccount)).all()


def test_admin_create_stores_an_argon2_hash(project_root, database_url, session):
    result = run_cli(
        project_root,
        database_url,
        "admin",
        "create",
        "--email",
        " Ops@Example.COM ",
        "--password",
        "correct horse",
    )
    assert result.returncode == 0, result.stderr
    assert "created admin ops@example.com" in result.stdout
    [admin] = admins(session)
    assert admin.email == "ops@example.com"
    assert admin.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(admin.password_hash, "correct horse")
    assert "correct horse" not in result.stdout + result.stderr


def test_admin_create_refuses_a_duplicate_and_a_short_password(project_root, database_url, session):
    args = ("admin", "create", "--email", "ops@example.com", "--password")
    assert run_cli(project_root, database_url, *args, "correct horse").returncode == 0
    duplicate = run_cli(project_root, database_url, *args, "another pass")
    assert duplicate.returncode == 1
    assert "admin_already_exists" in duplicate.stderr
    short = run_cli(
        project_root,
        database_url,
        "admin",
        "create",
        "--email",
        "b@example.com",
        "--password",
        "short",
    )
    assert short.returncode == 1
    assert "password_too_short" in short.stderr
    assert [admin.email for admin in admins(session)] == ["ops@example.com"]


def test_bootstrap_creates_the_first_admin_once(project_root, database_url, session):
    env = {"ADMIN_BOOTSTRAP_EMAIL": "root@example.com", "ADMIN_BOOTSTRAP_PASSWORD": "s3cret-pass"}
    for _ in range(2):
        result = run_cli(project_root, database_url, "admin", "bootstrap", **env)
        assert result.returncode == 0, result.stderr
    assert [admin.email for admin in admins(session)] == ["root@example.com"]
    other = {"ADMIN_BOOTSTRAP_EMAIL": "late@example.com", "ADMIN_BOOTSTRAP_PASSWORD": "s3cret-pass"}
    run_cli(project_root, database_url, "admin", "bootstrap", **other)
    assert [admin.email for admin in admins(session)] == ["root@example.com"]


def test_reencrypt_moves_every_credential_to_the_new_key(project_root, database_url, session):
    old = Settings(_env_file=None)
    new = Settings(_env_file=None, CLAWSCALE_SECRET_KEY="a-brand-new-secret-key")
    agent = create_agent(session, old, "coke", "Coke", "https://coke.example", "agent-token")
    channel = create_channel(
        session, old, "linq", ChannelScope.SHARED, config={"x": "1"}, secrets={"api_key": "k"}
    )
    session.commit()
    args = ("secrets", "reencrypt", "--old-key", old.CLAWSCALE_SECRET_KEY)
    for _ in range(2):
        result = run_cli(
            project_root, database_url, *args, CLAWSCALE_SECRET_KEY=new.CLAWSCALE_SECRET_KEY
        )
        assert result.returncode == 0, result.stderr
        assert (
            "re-encrypted 1 channels, 1 agents and 0 unfinished calendar imports" in result.stdout
        )
    session.expire_all()
    assert agent_token(new, session.get(Agent, agent.id)) == "agent-token"
    credentials = channel_credentials(new, session.get(Channel, channel.id))
    assert credentials.secrets == {"api_key": "k"}
    assert credentials.config == {"x": "1"}


def test_reencrypt_with_a_wrong_old_key_changes_nothing(project_root, database_url, session):
    old = Settings(_env_file=None)
    create_agent(session, old, "coke", "Coke", "https://coke.example", "agent-token")
    session.commit()
    before = session.exec(select(Agent)).one().token_encrypted
    result = run_cli(
        project_root,
        database_url,
        "secrets",
        "reencrypt",
        "--old-key",
        "not-the-old-key",
        CLAWSCALE_SECRET_KEY="a-brand-new-secret-key",
    )
    assert result.returncode == 1
    assert "unknown_secret_key" in result.stderr
    session.expire_all()
    assert session.exec(select(Agent)).one().token_encrypted == before


def test_backends_starting_together_create_one_first_admin(database_url, session, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ADMIN_BOOTSTRAP_EMAIL", "root@example.com")
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", "s3cret-pass")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        with ThreadPoolExecutor(4) as pool:
            outcomes = [pool.submit(create_bootstrap_admin) for _ in range(4)]
            for outcome in outcomes:
                outcome.result()
    finally:
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()
    assert [admin.email for admin in admins(session)] == ["root@example.com"]


def test_demo_bootstrap_prints_where_to_chat_and_makes_the_demo_once(
    project_root, database_url, session
):
    first = run_cli(project_root, database_url, "demo", "bootstrap", CLAWSCALE_ENV="development")
    again = run_cli(project_root, database_url, "demo", "bootstrap", CLAWSCALE_ENV="development")
    assert first.returncode == 0, first.stderr
    [channel] = session.exec(select(Channel)).all()
    line = f"chat with the demo agent: http://localhost:4040/chat/{channel.id}"
    assert first.stdout.strip() == again.stdout.strip() == line
    off = run_cli(project_root, database_url, "demo", "bootstrap", DEMO_AGENT="false")
    assert off.stdout.strip() == "demo agent: off (DEMO_AGENT=true turns it on)"
