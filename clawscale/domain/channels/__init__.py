"""Channel records and their lifecycle (the provider adapters are `clawscale.channels`).

- `store`: channel rows with encrypted config and secrets (`create_channel`,
  `channel_credentials`).
- `shared`, `connections`: admin-managed shared channels; connecting, disconnecting and
  archiving them at their provider.
- `admin`: operators disconnecting a channel from the console.
- `wechat_personal`, `wechat_login`, `wechat_polling`: a customer's own WeChat: its states, its
  QR login, and what its poller reads and writes.
- `customer_channels`: the channels a customer owns, each with its state and the next thing to
  do about it, for their channel index.
- `secret_rotation`: re-encrypting every stored credential under a new key.
"""
