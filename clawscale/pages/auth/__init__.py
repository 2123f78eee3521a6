"""The customer sign-in pages: sign in, create an account, verify, reset, claim."""
