"""Development-only pages under `/dev`."""
