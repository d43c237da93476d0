-- The front door (SPEC §24): which series have summaries since a time, of every type, in one
-- index-only read of the newest slices (the fleet index leads with the type, the primary key
-- with the app: neither serves a range of slice starts across every series).
create index profile_summary_recent_idx on profile_summary (slice_start, app_name, profile_type);
