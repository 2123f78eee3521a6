"""The customer sign-in pages under `/auth/`, one module per route with its State: sign in,
create an account, verify the email, forgotten and reset password, claim."""
