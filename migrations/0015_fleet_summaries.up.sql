-- The fleet from the summaries (SPEC §18): every app's summaries of one type whose slice starts
-- in a window, in one read. The primary key leads with the app, so it cannot serve a read of
-- all apps; this index does (one range per day partition), and hands the rows out by app.
create index profile_summary_fleet_idx on profile_summary (profile_type, slice_start, app_name);
