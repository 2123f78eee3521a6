"""The public web chat pages under `/chat`."""
