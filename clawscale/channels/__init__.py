"""Channel adapters: one module per channel kind behind one small interface, and a registry."""
