"""Admin accounts in the domain: creation, sign-in and sign-out, listing, and removal rules."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from clawscale.domain.accounts.admins import (
    Removal,
    add_admin,
    authenticate_admin,
    create_admin,
    list_admins,
    remove_admin,
    sign_in_admin,
    sign_out_admin,
)
from clawscale.domain.accounts.sessions import issue_session, resolve_session
from clawscale.domain.errors import Conflict, Invalid, NotFound
from clawscale.models import AdminAccount, AuditLog, AuthSession, SessionSubject
from clawscale.models.base import utcnow

PASSWORD = "correct horse"
SECRET = "domain-test-admin-secret-32-bytes!"


def make_admin(session, email, *, active=True, audited=False):
    admin = create_admin(session, email, PASSWORD)
    admin.is_active = active
    if audited:
        session.add(AuditLog(admin_id=admin.id, action="test.action"))
    session.commit()
    return admin


def audit(session):
    query = select(AuditLog.action, AuditLog.target_id).order_by(col(AuditLog.created_at))
    return list(session.exec(query))


def test_create_admin_stores_a_normalised_email_and_a_hash(session):
    admin = create_admin(session, "  Ops@Example.COM ", PASSWORD)
    assert admin.email == "ops@example.com"
    assert admin.password_hash.startswith("$argon2id$")
    assert admin.is_active is True


def test_create_admin_refuses_a_duplicate_in_any_case(session):
    make_admin(session, "ops@example.com")
    with pytest.raises(Conflict) as raised:
        create_admin(session, "OPS@example.com", "another pass")
    assert raised.value.code == "admin_already_exists"
    session.rollback()
    assert len(session.exec(select(AdminAccount)).all()) == 1


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        ("no-at-sign.example.com", PASSWORD, "invalid_email"),
        ("ops@localhost", PASSWORD, "invalid_email"),
        ("ops@example.com", "short", "password_too_short"),
    ],
)
def test_create_admin_refuses_bad_input(session, email, password, code):
    with pytest.raises(Invalid) as raised:
        create_admin(session, email, password)
    assert raised.value.code == code


def test_add_admin_audits_without_the_password(session):
    actor = make_admin(session, "ops@example.com")
    admin = add_admin(session, actor.id, "new@example.com", PASSWORD)
    [entry] = session.exec(select(AuditLog)).all()
    assert (entry.admin_id, entry.action, entry.target_id) == (actor.id, "admin.create", admin.id)
    assert entry.details == {"email": "new@example.com"}


def test_authenticate_admin_accepts_only_an_active_admin_with_the_right_password(session):
    admin = make_admin(session, "ops@example.com")
    make_admin(session, "gone@example.com", active=False)
    assert authenticate_admin(session, " OPS@example.com", PASSWORD) is admin
    assert authenticate_admin(session, "ops@example.com", "wrong password") is None
    assert authenticate_admin(session, "nobody@example.com", PASSWORD) is None
    assert authenticate_admin(session, "gone@example.com", PASSWORD) is None


def test_sign_in_and_out_record_the_session_and_audit_both(session):
    assert sign_in_admin(session, "ops@example.com", PASSWORD, SECRET) is None
    admin = make_admin(session, "ops@example.com")
    signed_in = sign_in_admin(session, "ops@example.com", PASSWORD, SECRET)
    assert signed_in is not None and signed_in.admin is admin
    assert admin.last_login_at is not None
    row = resolve_session(session, signed_in.issued.token, SessionSubject.ADMIN, SECRET)
    assert row is signed_in.issued.session
    sign_out_admin(session, admin.id, row)
    assert resolve_session(session, signed_in.issued.token, SessionSubject.ADMIN, SECRET) is None
    assert audit(session) == [("admin.login", row.id), ("admin.logout", row.id)]


def test_list_admins_pages_oldest_first(session):
    start = utcnow()
    for minutes, email in enumerate(["b@example.com", "a@example.com", "c@example.com"]):
        make_admin(session, email).created_at = start + timedelta(minutes=minutes)
    session.commit()
    assert [admin.email for admin in list_admins(session, 2, 0)] == [
        "b@example.com",
        "a@example.com",
    ]
    assert [admin.email for admin in list_admins(session, 2, 2)] == ["c@example.com"]


def test_removing_an_unaudited_admin_deletes_it_and_ends_its_sessions(session):
    actor = make_admin(session, "ops@example.com")
    target = make_admin(session, "other@example.com")
    issue_session(session, SessionSubject.ADMIN, target.id, SECRET)
    assert remove_admin(session, actor.id, target.id) is Removal.DELETED
    assert session.get(AdminAccount, target.id) is None
    [row] = session.exec(select(AuthSession)).all()
    assert row.revoked_at is not None
    assert audit(session) == [("admin.deleted", target.id)]


def test_removing_an_audited_admin_deactivates_it(session):
    actor = make_admin(session, "ops@example.com")
    target = make_admin(session, "other@example.com", audited=True)
    assert remove_admin(session, actor.id, target.id) is Removal.DEACTIVATED
    assert session.get(AdminAccount, target.id).is_active is False
    assert audit(session)[-1] == ("admin.deactivated", target.id)


def test_removal_refuses_an_unknown_admin_oneself_and_the_last_active_admin(session):
    actor = make_admin(session, "ops@example.com")
    refusals = {"adm_missing": "admin_not_found", actor.id: "cannot_delete_last_active_admin"}
    for admin_id, code in refusals.items():
        with pytest.raises((NotFound, Invalid)) as raised:
            remove_admin(session, actor.id, admin_id)
        assert raised.value.code == code
    make_admin(session, "other@example.com")
    with pytest.raises(Invalid) as raised:
        remove_admin(session, actor.id, actor.id)
    assert raised.value.code == "cannot_delete_self"
    assert audit(session) == []


def test_an_inactive_admin_can_be_removed_while_one_admin_is_active(session):
    actor = make_admin(session, "ops@example.com")
    retired = make_admin(session, "retired@example.com", active=False)
    assert remove_admin(session, actor.id, retired.id) is Removal.DELETED
