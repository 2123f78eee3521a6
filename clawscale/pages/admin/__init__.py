"""The admin console's pages: the sign-in page, the console frame, and its built pages."""
