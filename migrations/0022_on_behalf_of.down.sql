alter table alert_rule drop column on_behalf_of;
alter table performance_baseline drop column on_behalf_of;
alter table triage_history drop column on_behalf_of;
