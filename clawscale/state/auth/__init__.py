"""The States of the sign-in pages under `/auth/` (`clawscale/pages/auth/`), one module per
page, named as the page is."""
