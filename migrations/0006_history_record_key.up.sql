-- The key each assessment record gets when it is made: a write retried after a lost answer
-- finds its key already stored and is skipped (`on conflict do nothing`), so no record is
-- stored twice. Nullable because rows written before this migration have no key, and a
-- volatile default would rewrite the whole table; new rows always carry one.
alter table triage_history add column record_key uuid;

alter table triage_history add constraint triage_history_record_key_key unique (record_key);
