-- Keeps updated_at current on every update, in one place for all tables.
create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end;
$$;
