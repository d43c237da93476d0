//! The read routes and their queries, each with `{window}` for its window: what the bounds
//! tests send a window to the end of time (SPEC §34), in the API binary and the hostile one.

pub const READS: [&str; 10] = [
    "/profiles/apps?{window}",
    "/profiles/busy?{window}",
    "/profiles/busy/diff?{window}",
    "/profiles/busy/tree?{window}",
    "/triage/busy?{window}",
    "/diff/busy?{window}",
    "/search?function=hot&{window}",
    "/fleet/hotspots?{window}",
    "/trends/busy?{window}",
    "/pgo/busy?{window}",
];
