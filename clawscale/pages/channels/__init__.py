"""The customer's channel pages under `/channels`."""
