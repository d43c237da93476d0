-- Approved per-function thresholds.
create table performance_baseline (
    id               serial primary key,
    app_name         varchar(255) not null check (char_length(app_name) >= 1),
    profile_type     varchar(16)  not null check (profile_type in ('cpu', 'alloc', 'lock', 'wall')),
    function_name    varchar(1024) not null check (char_length(function_name) >= 1),
    max_self_percent double precision not null check (max_self_percent > 0 and max_self_percent <= 100),
    severity         varchar(16)  not null default 'warning' check (severity in ('info', 'warning', 'critical')),
    created_by       varchar(255),
    created_at       timestamptz  not null default now(),
    updated_at       timestamptz  not null default now(),
    -- Also serves lookups by (app_name) and (app_name, profile_type).
    constraint performance_baseline_app_type_function_key unique (app_name, profile_type, function_name)
);

create trigger performance_baseline_updated_at
    before update on performance_baseline
    for each row execute function set_updated_at();
