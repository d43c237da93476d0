//! The OpenAPI document as a process serves it when tokens are required: the bearer scheme,
//! and each operation's access (docs/configuration.md#access-control).

use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema, Type};

use crate::auth::is_exempt;

/// The name of the bearer scheme in `components.securitySchemes`.
pub const BEARER_SCHEME: &str = "bearerToken";

/// `doc` as served when tokens are required: the bearer scheme (Swagger UI's Authorize
/// button), required by every operation except those on `exempt` paths, whose 401 and (for
/// methods that change something) 403 answers are listed.
pub fn secured(mut doc: utoipa::openapi::OpenApi, exempt: &[String]) -> utoipa::openapi::OpenApi {
    let scheme = SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer));
    let error = |description: &str| {
        let body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        ResponseBuilder::new()
            .description(description)
            .content("application/json", body)
    };
    let mut challenge = Header::new(ObjectBuilder::new().schema_type(Type::String));
    challenge.description = Some("`Bearer`".into());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(BEARER_SCHEME, scheme);
    let unauthorized = error("No known bearer token").header("WWW-Authenticate", challenge);
    (components.responses).insert(UNAUTHORIZED.into(), unauthorized.build().into());
    let forbidden = error(
        "A token that may not make this change: a read-only token, another team's app for a \
         token bound to a team, or what only an admin token may do",
    );
    (components.responses).insert(FORBIDDEN.into(), forbidden.build().into());
    let no_scopes = Vec::<String>::new();
    doc.security = Some(vec![SecurityRequirement::new(BEARER_SCHEME, no_scopes)]);
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = is_exempt(exempt, path);
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.options, false),
            (&mut item.trace, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            if let Some(operation) = operation {
                document_access(operation, open, writes);
            }
        }
    }
    doc
}

/// The names of the shared 401 and 403 answers under `components.responses`.
const UNAUTHORIZED: &str = "Unauthorized";
const FORBIDDEN: &str = "Forbidden";

fn document_access(operation: &mut Operation, open: bool, writes: bool) {
    if open {
        // An empty list: this operation needs no token.
        operation.security = Some(Vec::new());
        return;
    }
    let shared = |name: &str| RefOr::Ref(Ref::new(format!("#/components/responses/{name}")));
    let responses = &mut operation.responses.responses;
    responses.insert("401".into(), shared(UNAUTHORIZED));
    if writes {
        responses.insert("403".into(), shared(FORBIDDEN));
    }
}

/// `schemas`, partial-update bodies, each require a field: the server answers `{}` with 400.
pub fn require_a_field(doc: &mut utoipa::openapi::OpenApi, schemas: &[&str]) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in schemas {
        if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(*name) {
            body.min_properties = Some(1);
        }
    }
}
