-- What the watcher has worked of each series (SPEC §20), so that a fleet answer comes from the
-- summaries only where they cover its window. `watched_from`: the first slice of the series'
-- live cursor; every slice from it up to `next_slice` has been worked (summarized, or read and
-- found without a profile). Slices before it are worked where a backfill item is done or a
-- summary exists. `failed_slice`: the live slice the watcher tried and could not read (it keeps
-- retrying it); cleared when the cursor moves on. Series known before this migration count
-- from their cursor: an answer never assumes work that cannot be shown.
alter table watch_series add column watched_from bigint;
update watch_series set watched_from = next_slice;
alter table watch_series alter column watched_from set not null;
alter table watch_series add column failed_slice bigint;

-- A window's worked and failed backfill items, looked up per series and slice.
create index watch_backfill_series_idx on watch_backfill (app_name, profile_type, slice_start)
    where state <> 'pending';
