"""Large exports built by a background task rather than inside the request (docs/exports.md).

A staff member asks for an export (`services.request_export`: validated, scoped to their
agency, audited); a task builds the file into the non-public "exports" storage
(`services.build_export`, retried with backoff); they download it from *My exports* until it
expires (`manage.py prune_exports`). What can be exported is a registry of kinds
(`registry`): compliance registers its own (`kinds`), apps above compliance (oversight)
register theirs from their `AppConfig.ready`.
"""
