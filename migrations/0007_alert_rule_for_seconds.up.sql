-- How long a rule's value must stay above its threshold before its alert fires (like
-- Prometheus `for`); 0 fires at the first evaluation above it.
alter table alert_rule
    add column for_seconds integer not null default 0 check (for_seconds >= 0);
