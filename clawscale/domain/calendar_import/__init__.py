"""Google Calendar import: a chat person brings their primary Google calendar to the runtime.

- `handoffs`: the single-use link a runtime asks for (`create_handoff`), opened by the person
  (`handoff_entry`), claimed by a signed-in customer (`claim_handoff`), then used by a run.
- `runs`: import runs and their states (`start_run`, `begin_import`, `finish_run`,
  `latest_run`); one unfinished run per customer.
- `oauth`: Google's OAuth 2.0 code flow with PKCE through Authlib, and the signed `state`.
- `google_calendar`: reading the primary calendar and its events.
- `importer`: one run from Google's callback to its outcome (`complete_authorization`,
  `import_run`).
The runtime's side of it (preflight and the import call) is `clawscale.domain.runtime.calendar`.
"""
