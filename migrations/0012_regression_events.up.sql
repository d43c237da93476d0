-- Regressions found without rules (SPEC §15): one row per event of one function of one series,
-- from its suspicion to its end (went away or resolved). Times named `*_at` are slice starts
-- (epoch seconds, the data's time, the same in a backfill as live); `*_time` are when the
-- transition was stored.
create table regression_event (
    id             bigserial    primary key,
    app_name       text         not null,
    profile_type   text         not null,
    function_name  text         not null,
    state          varchar(16)  not null
        check (state in ('suspected', 'confirmed', 'went_away', 'resolved')),
    -- `regression` until a confirmation finds the cost moved from another function.
    kind           varchar(16)  not null default 'regression'
        check (kind in ('regression', 'cost_shift')),
    shifted_from   text,
    version_before text,
    version_after  text,
    -- The newest slice when suspected, and the first of the recent slices then.
    suspected_at   bigint       not null,
    first_recent   bigint       not null,
    -- The change point: `first_recent` while suspected, re-estimated at the decision.
    changed_at     bigint       not null,
    before_percent double precision not null,
    after_percent  double precision not null,
    delta_percent  double precision not null,
    delta_low      double precision not null,
    delta_high     double precision not null,
    p_value        double precision not null,
    confirmed_at   bigint,
    went_away_at   bigint,
    resolved_at    bigint,
    -- The function's share over the slices that resolved it.
    resolved_share double precision,
    -- Delivered (SPEC §15): set at confirmation, false for a backfill without `notify` and
    -- for a cost shift unless `watch.notify_cost_shifts`.
    announced      boolean      not null default false,
    -- When Alertmanager was sent the resolution (once).
    alert_resolved_time timestamptz,
    suspected_time timestamptz  not null default now(),
    decided_time   timestamptz,
    resolved_time  timestamptz,
    -- One event per change: a restart, a handover or a backfill over examined slices cannot
    -- suspect the same function at the same slice twice.
    unique (app_name, profile_type, function_name, suspected_at)
);

-- The open events of a series, read before every examination.
create index regression_event_open_idx on regression_event (app_name, profile_type)
    where state in ('suspected', 'confirmed');
-- `GET /regressions`, newest first.
create index regression_event_changed_idx on regression_event (changed_at desc, id desc);

-- The newest slice the detector examined per series: a backfill that fills an older gap is
-- summarized but not examined again (its events would come out of time order).
alter table watch_series add column examined_through bigint;
