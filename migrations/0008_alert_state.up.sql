-- Where each rule's alert stands, kept by the evaluator so that a restart neither announces a
-- firing alert again nor forgets one. A rule whose alert is inactive has no row. No foreign key:
-- a deleted rule's alert must still be resolved, and in a split deployment the rules live in
-- another database.
create table alert_state (
    rule_id      integer primary key,
    app_name     varchar(255) not null,
    profile_type varchar(16)  not null,
    state        varchar(16)  not null check (state in ('pending', 'firing')),
    since        timestamptz  not null,
    value        double precision not null,
    threshold    double precision not null,
    evaluated_at timestamptz  not null
);

-- Every firing and resolution, for /alerts/history; also the outbox of webhooks: a transition
-- whose rule has a webhook is delivered until `notified_at` is set, so none is lost to a crash.
create table alert_transition (
    id           bigserial primary key,
    rule_id      integer      not null,
    app_name     varchar(255) not null,
    profile_type varchar(16)  not null,
    transition   varchar(16)  not null check (transition in ('firing', 'resolved')),
    value        double precision not null,
    threshold    double precision not null,
    at           timestamptz  not null,
    webhook      varchar(255),
    notified_at  timestamptz
);

create index alert_transition_outbox_idx on alert_transition (id) where webhook is not null and notified_at is null;

create index alert_transition_app_at_idx on alert_transition (app_name, at desc, id desc);
