drop table if exists triage_history;
