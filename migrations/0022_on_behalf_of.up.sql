-- Who the audit names (SPEC §35): with API tokens, `requested_by` and `created_by` are the
-- token's name; whom the request said it acted for (`X-Requested-By`, a body's `createdBy`)
-- is kept beside it, never instead.
alter table triage_history add column on_behalf_of varchar(255);
alter table performance_baseline add column on_behalf_of varchar(255);
alter table alert_rule add column on_behalf_of varchar(255);
