drop index profile_summary_fleet_idx;
