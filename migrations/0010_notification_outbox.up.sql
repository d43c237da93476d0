-- The outbox: one row per notification to send (a webhook POST), with where it goes, the body
-- as rendered when it was enqueued, how often it was tried and how it ended. Rows are enqueued in
-- the transaction of what caused them (an alert transition), and drained by any replica: due
-- rows are claimed with FOR UPDATE SKIP LOCKED by `next_attempt_at`, so a fresh notification is
-- never queued behind ones that keep failing.
create table notification_outbox (
    id              bigserial    primary key,
    kind            varchar(32)  not null,
    -- What caused it, e.g. `alert_transition:42`: for operators, and for the down migration.
    subject         varchar(64),
    destination     text         not null,
    payload         jsonb        not null,
    attempts        integer      not null default 0 check (attempts >= 0),
    created_at      timestamptz  not null default now(),
    next_attempt_at timestamptz  not null default now(),
    last_attempt_at timestamptz,
    last_error      text,
    outcome         varchar(16)  check (outcome in ('delivered', 'given_up')),
    settled_at      timestamptz
);

create index notification_outbox_due_idx on notification_outbox (next_attempt_at, id)
    where outcome is null;

-- Webhooks of transitions not delivered yet move over with their ids, so a receiver that saw
-- one before the upgrade recognises its Idempotency-Key.
insert into notification_outbox (id, kind, subject, destination, payload, created_at)
select t.id, 'alert_webhook', 'alert_transition:' || t.id, t.webhook,
       jsonb_build_object(
           'status', t.transition, 'ruleId', t.rule_id, 'appName', t.app_name,
           'profileType', t.profile_type, 'value', round(t.value::numeric, 2),
           'threshold', t.threshold,
           'at', to_char(t.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
       t.at
from alert_transition t
where t.webhook is not null and t.notified_at is null;

-- New notifications number on from the highest transition id, so no key is used twice.
select setval(pg_get_serial_sequence('notification_outbox', 'id'),
              greatest((select coalesce(max(id), 0) from alert_transition), 1));

drop index if exists alert_transition_outbox_idx;
alter table alert_transition drop column notified_at;
alter table alert_transition drop column webhook;
