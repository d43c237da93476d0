drop table if exists alert_rule;
