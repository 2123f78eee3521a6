"""What a production start refuses, one line per problem naming the variable, and what it warns
of; development refuses nothing."""

from clawscale.settings import SECRETS_WITH_DEV_DEFAULTS, Settings
from clawscale.startup_checks import startup_problems, startup_warnings

PRODUCTION = {
    "CLAWSCALE_ENV": "production",
    "RESEND_API_KEY": "re_test_key",
    **{name: f"a-real-{name.lower()}-value" for name in SECRETS_WITH_DEV_DEFAULTS},
}


def production(**values: object) -> Settings:
    return Settings(_env_file=None, **{**PRODUCTION, **values})


def test_development_refuses_nothing():
    assert startup_problems(Settings(_env_file=None)) == []


def test_production_with_real_secrets_and_mail_starts():
    assert startup_problems(production()) == []
    assert startup_warnings(production()) == []


def test_each_default_secret_is_one_line_naming_it():
    problems = startup_problems(Settings(_env_file=None, CLAWSCALE_ENV="production"))
    for name in SECRETS_WITH_DEV_DEFAULTS:
        assert [line for line in problems if line.startswith(name)] == [
            f"{name} is the development default: set it to a long random value"
        ]


def test_only_the_secret_left_empty_is_named():
    assert startup_problems(production(CLAWSCALE_OUTBOUND_API_KEY="")) == [
        "CLAWSCALE_OUTBOUND_API_KEY is empty: set it to a long random value"
    ]


def test_resend_without_a_key_is_refused_and_says_both_ways_out():
    (problem,) = startup_problems(production(RESEND_API_KEY=""))
    assert "RESEND_API_KEY" in problem
    assert "MAIL_TRANSPORT=none" in problem


def test_no_mail_transport_starts_with_a_warning():
    settings = production(RESEND_API_KEY="", MAIL_TRANSPORT="none")
    assert startup_problems(settings) == []
    (warning,) = startup_warnings(settings)
    assert "no mail will be sent" in warning


def test_a_local_public_url_on_another_port_is_refused():
    problems = startup_problems(
        production(API_PORT=5041, CLAWSCALE_PUBLIC_API_URL="http://127.0.0.1:4041")
    )
    assert problems == [
        "CLAWSCALE_PUBLIC_API_URL is http://127.0.0.1:4041, port 4041, but API_PORT is 5041: "
        "make them agree, or unset CLAWSCALE_PUBLIC_API_URL to follow API_PORT"
    ]


def test_a_site_url_on_another_port_is_refused_but_a_public_host_is_not():
    assert [
        line.split(" ")[0]
        for line in startup_problems(production(WEB_PORT=5040, DOMAIN_CLIENT="http://localhost"))
    ] == ["DOMAIN_CLIENT"]
    assert startup_problems(production(API_PORT=5041, DOMAIN_CLIENT="https://app.example")) == []


def test_several_backend_processes_need_redis():
    (problem,) = startup_problems(production(GRANIAN_WORKERS=2))
    assert problem.startswith("GRANIAN_WORKERS is 2 but REDIS_URL is empty")
    assert startup_problems(production(GRANIAN_WORKERS=2, REDIS_URL="redis://r:6379")) == []
