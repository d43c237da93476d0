-- Ownership and tier of monitored services.
create table service_registry (
    id                   serial primary key,
    app_name             varchar(255) not null check (char_length(app_name) >= 1),
    team_owner           varchar(255),
    tier                 varchar(16)  not null default 'standard' check (tier in ('critical', 'high', 'standard', 'low')),
    environment          varchar(255),
    notification_channel varchar(255),
    pyroscope_labels     jsonb not null default '{}'::jsonb check (jsonb_typeof(pyroscope_labels) = 'object'),
    metadata             jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    constraint service_registry_app_name_key unique (app_name)
);

create index service_registry_tier_idx on service_registry (tier);

create trigger service_registry_updated_at
    before update on service_registry
    for each row execute function set_updated_at();
