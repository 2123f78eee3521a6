"""HTTP API of the gateway: one router module per namespace, thin over the domain."""
