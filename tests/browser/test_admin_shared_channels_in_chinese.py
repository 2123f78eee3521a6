"""The shared channels in a browser that asks for Simplified Chinese: the list, creating a
WeChat (GeWe / eCloud) channel (its problems in Chinese first), and the new channel's page
read in Chinese, with no English word left but product names, ids, URLs and the names of the
agents other tests made (the agent choice lists them); each fits a laptop and a phone, then
switches to English at once. Screenshots of both pages in both languages go to
`test-results/screenshots/`.

The channel the test makes is named in Chinese and tagged with digits (a tag of letters would
read as an English word), of a kind no other test makes, so the list filtered by that kind
holds only this test's channels.
"""

# The Chinese the pages show is written with full-width punctuation.
# ruff: noqa: RUF001

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import AdminLogin, warm_up
from tests.browser.languages import WORD, english_words, in_both_languages

pytestmark = pytest.mark.browser
ROUTE = "/admin/shared-channels"
GEWE = "微信（GeWe / eCloud）"


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, (ROUTE, f"{ROUTE}/none"))


@pytest.fixture
def context(chinese_context: BrowserContext) -> Iterator[BrowserContext]:
    """Every page of the test opens in the Chinese profile (so `signed_in_admin` signs that
    profile in)."""
    yield chinese_context


def english_outside_agents(page: Page, selector: str = "body") -> list[str]:
    """The English words of `selector` but those of the agents' names (the agent choice holds
    every agent, some named in English by other tests)."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import Agent

    with session_scope(get_engine()) as db:
        names = WORD.findall(" ".join(db.exec(select(Agent.name)).all()))
    return [word for word in english_words(page, selector) if word not in names]


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` of the labelled filter."""
    filters = page.get_by_role("search", name="筛选共享渠道")
    filters.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_shared_channels_a_new_one_and_its_page_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    name = f"客服微信 {secrets.randbelow(10**6):06d}"
    page.goto(frontend_url + ROUTE)
    expect(page.get_by_role("heading", level=1)).to_have_text("共享渠道")
    form = page.locator("#create-shared-channel-form")
    form.get_by_role("button", name="创建共享渠道").click()
    expect(form.get_by_text("请选择渠道类型。")).to_be_visible()
    expect(form.get_by_text("请输入名称，最多 200 个字符。")).to_be_visible()

    form.get_by_role("combobox", name="渠道类型").click()
    page.get_by_role("option", name=GEWE, exact=True).click()
    form.get_by_label("渠道名称", exact=True).fill(name)
    form.get_by_role("button", name="创建共享渠道").click()
    expect(form.get_by_text("此项必填。")).to_have_count(2)
    expect(form.get_by_role("alert")).to_have_text("部分设置缺失或有误，请查看下方字段。")
    expect(form.get_by_label("API 根地址（选填）", exact=True)).to_be_visible()
    assert english_outside_agents(page, "#create-shared-channel-form") == []

    form.get_by_label("应用 ID", exact=True).fill("wx_app_2024")
    form.get_by_label("GeWe 令牌", exact=True).fill("gewe-token-2024")
    form.get_by_role("button", name="创建共享渠道").click()
    expect(page.get_by_role("status").filter(has_text=f"已创建 {name}。")).to_be_visible()
    choose(page, "类型", GEWE)  # only this test makes channels of this kind
    row = page.locator("tr[data-channel]").filter(has_text=name)
    expect(row).to_contain_text("已断开")
    expect(row).to_contain_text("默认智能体")
    expect(row).to_contain_text("从未")
    in_both_languages(
        page,
        "admin-shared-channels",
        english_heading="Shared channels",
        english_left=english_outside_agents,
    )

    row.get_by_role("link", name=name).click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2).first).to_have_text(name)
    expect(main.get_by_role("button", name="显示 Webhook URL")).to_be_visible()
    expect(main).to_contain_text("GeWe 令牌")
    expect(main).to_contain_text("已设置")
    main.get_by_role("button", name="归档").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("此次更改会记入审计日志")
    assert english_words(page, "[role=alertdialog]") == []
    question.get_by_role("button", name="取消").click()
    expect(question).to_be_hidden()
    in_both_languages(
        page,
        "admin-shared-channel-detail",
        english_heading="Shared channel",
        english_left=english_outside_agents,
    )
