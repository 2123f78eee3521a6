"""The signed-in customer's account pages under `/account`."""
