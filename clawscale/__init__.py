"""ClawScale Gateway: a multi-tenant IM gateway between chat channels and an agent runtime."""

__version__ = "0.1.0"
