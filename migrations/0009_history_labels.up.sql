-- The label matchers an assessment was narrowed to (SPEC §12), as the selector text;
-- null for a whole app.
alter table triage_history add column labels text;
