-- The profile watcher (SPEC §13). One summary per app, profile type and slice: the slice's
-- total samples, the version-label values seen in it, and its top functions as one JSON array
-- of [name, selfSamples, totalSamples] (one row per summary, not one per function), kept as its
-- text: it is only ever read whole, and text goes out as stored where jsonb is rewritten on the
-- way (a day's trend reads 288 of them). Partitioned by day of slice start (epoch seconds,
-- UTC), so retention drops whole days.
create table profile_summary (
    app_name      text     not null,
    profile_type  text     not null,
    slice_start   bigint   not null,
    slice_secs    integer  not null check (slice_secs > 0),
    total_samples bigint   not null check (total_samples >= 0),
    versions      text[]   not null default '{}',
    functions     text     not null,
    created_at    timestamptz not null default now(),
    primary key (app_name, profile_type, slice_start)
) partition by range (slice_start);

-- Creates the partition of the UTC day holding `at` (epoch seconds), unless it exists. Callers
-- use it before writing a day they have not written yet; the advisory lock keeps two replicas
-- from creating the same table at once, and one that still finds it made by the other (its
-- statement began before the other committed) takes that as done.
create function profile_summary_partition(at bigint) returns text
language plpgsql as $$
declare
    day_start bigint := at - (((at % 86400) + 86400) % 86400);
    name text := 'profile_summary_' || to_char(to_timestamp(day_start) at time zone 'UTC', 'YYYYMMDD');
begin
    if to_regclass(name) is null then
        perform pg_advisory_xact_lock(hashtext('profile_summary_partition'));
        if to_regclass(name) is null then
            begin
                execute format('create table %I partition of profile_summary for values from (%s) to (%s)',
                               name, day_start, day_start + 86400);
            exception when duplicate_table or unique_violation then
                null;
            end;
        end if;
    end if;
    return name;
end $$;

-- Work shared by replicas: one row per series (app x profile type). `next_slice` is the live
-- cursor (the next slice to summarize); the lease (holder, token, until) says which replica
-- works on it. The token grows at each claim and fences every write of the holder.
create table watch_series (
    app_name     text        not null,
    profile_type text        not null,
    next_slice   bigint      not null,
    holder       text,
    lease_token  bigint      not null default 0,
    lease_until  timestamptz not null default '-infinity',
    last_error   text,
    primary key (app_name, profile_type)
);

create index watch_series_claim_idx on watch_series (lease_until, next_slice);

-- Past slices to summarize: one row per app x profile type x slice, in time order per series.
create table watch_backfill (
    id           bigserial   primary key,
    app_name     text        not null,
    profile_type text        not null,
    slice_start  bigint      not null,
    notify       boolean     not null default false,
    state        varchar(8)  not null default 'pending' check (state in ('pending', 'done', 'failed')),
    attempts     integer     not null default 0,
    last_error   text,
    created_at   timestamptz not null default now(),
    settled_at   timestamptz
);

create index watch_backfill_pending_idx on watch_backfill (app_name, profile_type, slice_start, id)
    where state = 'pending';
