//! How the OpenAPI document states what a parser accepts: schemas built from the parser's own
//! tables and limits, so the two cannot drift apart.

use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A string schema: where every schema here starts.
pub fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// Gives `$ty` the OpenAPI schema `$schema` (utoipa's `PartialSchema` and `ToSchema`); with
/// `pub struct` before the name it also declares `$ty`, a marker type that a field names with
/// `#[schema(value_type = …)]` or `#[param(value_type = …)]`.
#[macro_export]
macro_rules! documented {
    ($(#[$doc:meta])* pub struct $name:ident = $schema:expr;) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                ($schema).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
    ($ty:ty = $schema:expr;) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                ($schema).into()
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}
