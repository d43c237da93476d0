alter table triage_history drop column if exists record_key;
