"""The site's two languages, Simplified Chinese and English: which locales exist and how a
visitor's is chosen (`locales`), the gettext catalogs compiled from `locales/*/LC_MESSAGES`
(`catalogs`), and dates and numbers formatted for a locale on the server (`formatting`, for
email). The pages translate in the browser from the same catalogs (`components/translated.py`).

Catalogs: `scripts/i18n extract` rewrites `locales/messages.pot` from the source and merges it
into each `.po`; `scripts/i18n compile` writes the `.mo` files the app reads (set-up runs it).
"""
