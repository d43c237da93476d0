drop table if exists service_registry;
