"""Which console navigation entry a page lights up."""

from clawscale.components.admin.console import nav_route_of


def test_a_page_lights_its_own_entry_and_a_detail_page_its_section():
    assert nav_route_of("/admin") == "/admin"
    assert nav_route_of("/admin/customers") == "/admin/customers"
    assert nav_route_of("/admin/shared-channels") == "/admin/shared-channels"
    assert nav_route_of("/admin/shared-channels/[shared_channel_id]") == "/admin/shared-channels"
    assert nav_route_of("/admin/channels-archive") == "/admin"
    assert nav_route_of("/account") == ""
