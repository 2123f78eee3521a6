"""The admin console in a browser that asks for Simplified Chinese: the overview, customers
(with a customer's detail), channels (with the disconnect confirmation), the audit log, agents
(with the registration form's problems), deliveries and admins (with the add form) read
in Chinese, with no English word left but names, ids, emails and codes shown as codes; each
fits a laptop and a phone, then switches to English at once. Screenshots of each page in both
languages go to `test-results/screenshots/`.

The rows each test looks at are its own, named in Chinese and tagged with digits (a tag of
letters would read as an English word).
"""

# The Chinese the pages show is written with full-width punctuation.
# ruff: noqa: RUF001

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from clawscale.components.admin.shared_channel_form import KIND_LABELS
from clawscale.state.admin.pagination import PAGE_SIZE
from tests.browser.conftest import AdminLogin, warm_up
from tests.browser.languages import (
    NEVER_TRANSLATED,
    WORD,
    english_words,
    in_both_languages,
    screenshots,
)

pytestmark = pytest.mark.browser
ROUTES = ("/admin", "/admin/customers", "/admin/channels", "/admin/audit", "/admin/agents")


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, ROUTES)


@pytest.fixture
def context(chinese_context: BrowserContext) -> Iterator[BrowserContext]:
    """Every page of these tests opens in the Chinese profile (so `signed_in_admin` signs that
    profile in)."""
    yield chinese_context


def new_tag() -> str:
    """Six digits telling this test's rows apart."""
    return f"{secrets.randbelow(10**6):06d}"


PRODUCT_WORDS = frozenset(WORD.findall(" ".join(KIND_LABELS.values())))
"""The words of the shared channel kinds' names: products and providers, never translated."""


def english_outside_codes(page: Page, selector: str = "body") -> list[str]:
    """The English words of `selector` but those of codes shown as codes (audit actions,
    identity providers and types) and of products' names."""
    codes = set(WORD.findall(" ".join(page.locator(f"{selector} code").all_inner_texts())))
    return [word for word in english_words(page, selector) if word not in codes | PRODUCT_WORDS]


def console_in_both_languages(page: Page, name: str, english_heading: str) -> None:
    """`in_both_languages` for a console page: codes aside, left in English to check on."""
    in_both_languages(
        page,
        name,
        english_heading=english_heading,
        english_left=english_outside_codes,
        back_to_chinese=False,
    )


def test_the_overview_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("概览")
    expect(page.get_by_role("group", name="客户", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="近 24 小时投递")).to_contain_text("已放弃")
    expect(page.get_by_role("status").filter(has_text="实时")).to_contain_text("UTC")
    chart = page.get_by_role("group", name="每小时投递量")
    expect(chart.get_by_role("application")).to_be_visible()
    in_both_languages(
        page,
        "admin-overview",
        english_heading="Overview",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
    expect(page.get_by_role("group", name="Deliveries, last 24 hours")).to_contain_text("Dead")


def seed_customers(tag: str) -> str:
    """Two customers named in Chinese: 林小雨 (signed up, a Telegram channel in error, a chat
    identity) and 王大海 (made by a chat, unclaimed); the first one's id."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import (
        Channel,
        ChannelStatus,
        ClaimStatus,
        Customer,
        ExternalIdentity,
        Identity,
        Membership,
    )

    with session_scope(get_engine()) as db:
        lin = Customer(display_name=f"林小雨 {tag}")
        wang = Customer(display_name=f"王大海 {tag}")
        lin_login = Identity(email=f"lin-{tag}@example.com", claim_status=ClaimStatus.ACTIVE)
        wang_login = Identity(email=f"wang-{tag}@example.com", claim_status=ClaimStatus.UNCLAIMED)
        db.add_all([lin, wang, lin_login, wang_login])
        db.flush()
        db.add(Membership(identity_id=lin_login.id, customer_id=lin.id))
        db.add(Membership(identity_id=wang_login.id, customer_id=wang.id))
        channel = Channel(
            kind="telegram",
            owner_customer_id=lin.id,
            name=f"客服机器人 {tag}",
            status=ChannelStatus.ERROR,
            last_error="令牌已失效",
        )
        db.add(channel)
        db.flush()
        db.add(
            ExternalIdentity(
                provider="telegram",
                identity_type="user_id",
                identity_value=f"chat-{tag}",
                customer_id=lin.id,
                first_seen_channel_id=channel.id,
            )
        )
        return lin.id


def test_customers_and_a_customer_s_detail_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    tag = new_tag()
    lin_id = seed_customers(tag)
    page.goto(frontend_url + "/admin/customers")
    expect(page.get_by_role("heading", level=1)).to_have_text("客户")
    page.get_by_label("搜索").fill(tag)
    page.get_by_role("button", name="查询").click()
    pager = page.get_by_role("status").filter(has_text="共 2 条")
    expect(pager).to_contain_text("第 1\N{EN DASH}2 条")
    row = page.locator(f'tr[data-customer="{lin_id}"]')
    expect(row).to_contain_text("出错 1 个")
    expect(row).to_contain_text("未分配智能体")
    expect(page.get_by_role("table", name="客户")).to_contain_text("未认领")
    created = page.get_by_role("columnheader", name="创建时间")
    expect(created).to_have_attribute("aria-sort", "descending")
    ascending = re.compile("^按创建时间.*升序")
    expect(created.get_by_role("button")).to_have_attribute("title", ascending)

    row.get_by_role("button", name=f"林小雨 {tag} 的详情").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("table", name="聊天身份")).to_contain_text(f"chat-{tag}")
    expect(dialog.get_by_role("table", name="客户的渠道")).to_contain_text("Telegram")
    expect(dialog).to_contain_text("暂无会话。")
    assert english_outside_codes(page, "[role=dialog]") == []
    screenshots(page, "admin-customer-detail")
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()

    in_both_languages(
        page,
        "admin-customers",
        english_heading="Customers",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
    expect(page.get_by_role("status").filter(has_text="customers")).to_have_text(
        "1\N{EN DASH}2 of 2 customers"
    )


def seed_channels(tag: str) -> str:
    """A kind of this test's own with three channels named in Chinese: a customer's, connected;
    an agent's shared one in error (which may be disconnected); one never active. The shared
    one's id."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Agent, Channel, ChannelScope, ChannelStatus, Customer
    from clawscale.models.base import utcnow

    kind = f"kind-{tag}"
    with session_scope(get_engine()) as db:
        owner = Customer(display_name=f"陈晓 {tag}")
        agent = Agent(slug=f"helper-{tag}", name=f"小助手 {tag}", endpoint="http://127.0.0.1:9/")
        db.add_all([owner, agent])
        db.flush()
        shared = Channel(
            kind=kind,
            scope=ChannelScope.SHARED,
            owner_agent_id=agent.id,
            name=f"售后 {tag}",
            status=ChannelStatus.ERROR,
            last_error="服务商拒绝了令牌",
            last_activity_at=utcnow(),
        )
        db.add_all(
            [
                shared,
                Channel(
                    kind=kind,
                    owner_customer_id=owner.id,
                    name=f"前台 {tag}",
                    status=ChannelStatus.CONNECTED,
                    last_activity_at=utcnow(),
                ),
                Channel(kind=kind, name=f"备用 {tag}", status=ChannelStatus.DISCONNECTED),
            ]
        )
        db.flush()
        return shared.id


def test_channels_and_the_disconnect_question_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    tag = new_tag()
    shared_id = seed_channels(tag)
    page.goto(frontend_url + "/admin/channels")
    expect(page.get_by_role("heading", level=1)).to_have_text("渠道")
    page.get_by_role("combobox", name="类型").click()
    page.get_by_role("option", name=f"kind-{tag}", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="共 3 条")).to_be_visible()
    row = page.locator(f'tr[data-channel="{shared_id}"]')
    expect(row).to_contain_text(f"智能体 小助手 {tag}")
    expect(row).to_contain_text("共享")
    expect(page.get_by_role("table", name="渠道")).to_contain_text("从未")

    row.get_by_role("button", name=f"断开 售后 {tag}").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("此次断开会记入审计日志")
    assert english_outside_codes(page, "[role=alertdialog]") == []
    question.get_by_role("button", name="取消").click()
    expect(question).to_be_hidden()

    in_both_languages(
        page,
        "admin-channels",
        english_heading="Channels",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
    expect(row).to_contain_text(f"Agent 小助手 {tag}")


def seed_audit_entries(admin: AdminLogin) -> None:
    """A page of entries by `admin`, one of each action the log names in words, over and over
    (the newest of the log)."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.audit import record_admin_action
    from clawscale.models import AdminAccount
    from clawscale.pages.admin.audit import ACTION_LABELS, TARGET_LABELS

    actions, targets = list(ACTION_LABELS), list(TARGET_LABELS)
    with session_scope(get_engine()) as db:
        admin_id = db.exec(select(AdminAccount.id).where(AdminAccount.email == admin.email)).one()
        for number in range(PAGE_SIZE):
            action, target = actions[number % len(actions)], targets[number % len(targets)]
            record_admin_action(db, admin_id, action, target, f"t{number}")


def test_the_audit_log_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    seed_audit_entries(signed_in_admin)
    page.goto(frontend_url + "/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    log = page.get_by_role("table", name="审计日志")
    expect(log).to_contain_text("断开渠道")
    expect(log).to_contain_text(signed_in_admin.email)
    expect(page.get_by_role("status").filter(has_text="第 1\N{EN DASH}20 条")).to_be_visible()
    in_both_languages(
        page,
        "admin-audit",
        english_heading="Audit log",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("Disconnected a channel")


def test_agents_and_the_registration_form_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin/agents")
    expect(page.get_by_role("heading", level=1)).to_have_text("智能体")
    page.get_by_role("button", name="登记智能体").click()
    form = page.locator("form").first
    expect(form.get_by_text("请输入名称，最多 200 个字符。")).to_be_visible()
    expect(form.get_by_text("请输入 1 到 600 之间的整数秒数。")).not_to_be_visible()
    assert english_outside_codes(page, "form") == []
    headers = " ".join(page.get_by_role("columnheader").all_inner_texts())
    assert [word for word in WORD.findall(headers) if word not in NEVER_TRANSLATED] == []
    screenshots(page, "admin-agents")
    page.get_by_role("radio", name="English").click()
    expect(form.get_by_text("Enter a name of up to 200 characters.")).to_be_visible()
    screenshots(page, "admin-agents")


def test_deliveries_with_nothing_matching_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin/deliveries")
    expect(page.get_by_role("heading", level=1)).to_have_text("消息投递")
    page.get_by_label("客户 ID").fill(f"ck_{new_tag()}")
    page.get_by_label("客户 ID").press("Enter")
    expect(page.get_by_text("没有符合条件的投递")).to_be_visible()
    in_both_languages(
        page,
        "admin-deliveries",
        english_heading="Deliveries",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
    expect(page.get_by_text("No deliveries match")).to_be_visible()


def test_admins_and_the_add_form_in_chinese(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin/admins")
    expect(page.get_by_role("heading", level=1)).to_have_text("管理员")
    expect(page.get_by_role("table", name="管理员")).to_contain_text(signed_in_admin.email)
    page.get_by_role("button", name="添加管理员").click()
    expect(page.get_by_text("请输入邮箱地址")).to_be_visible()
    expect(page.get_by_text("至少需要 8 个字符")).to_be_visible()
    in_both_languages(
        page,
        "admin-admins",
        english_heading="Admins",
        english_left=english_outside_codes,
        back_to_chinese=False,
    )
