"""The personal WeChat channel's lifecycle table: every state against every action."""

import pytest

from clawscale.domain.channels.wechat_personal import TRANSITIONS, Action, apply_transition
from clawscale.domain.errors import Conflict
from clawscale.models import Channel, ChannelStatus

P, C, D, E, A = (
    ChannelStatus.PENDING,
    ChannelStatus.CONNECTED,
    ChannelStatus.DISCONNECTED,
    ChannelStatus.ERROR,
    ChannelStatus.ARCHIVED,
)

EXPECTED = {
    # action: {from status: to status}; every other status is a 409 with the code below.
    Action.START_LOGIN: ({P: P, D: P, E: P}, "channel_already_connected"),
    Action.CONFIRM_LOGIN: ({P: C}, "login_not_pending"),
    Action.DISCONNECT: ({P: D, C: D, E: D, D: D}, "channel_archived"),
    Action.ARCHIVE: ({D: A, E: A, A: A}, "disconnect_before_archive"),
    Action.EXPIRE_SESSION: ({C: E}, "channel_not_connected"),
}


def test_the_table_covers_every_action():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(ChannelStatus))
def test_each_state_and_action(status, action):
    allowed, code = EXPECTED[action]
    channel = Channel(kind="wechat_personal", status=status)
    if status in allowed:
        apply_transition(channel, action)
        assert channel.status == allowed[status]
    else:
        with pytest.raises(Conflict) as raised:
            apply_transition(channel, action)
        assert raised.value.code == code
        assert channel.status == status
