"""The Reflex app: the web pages, with the gateway API attached to Reflex's backend."""

import reflex as rx

from clawscale.api.app import reflex_api_transformer
from clawscale.db import get_engine
from clawscale.logs import configure_logging, log_backend_start
from clawscale.pages import register_pages
from clawscale.settings import get_settings
from clawscale.startup_checks import refuse_to_start_on_problems
from clawscale.workers.lifespan import bootstrap_on_startup, workers_in_process

configure_logging(get_settings())
refuse_to_start_on_problems(get_settings())

app = rx.App(
    api_transformer=reflex_api_transformer(get_engine()),
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.register_lifespan_task(log_backend_start)
app.register_lifespan_task(bootstrap_on_startup)
app.register_lifespan_task(workers_in_process)
register_pages(app)
