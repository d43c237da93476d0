alter table triage_history drop column if exists labels;
