alter table alert_rule drop column if exists for_seconds;
