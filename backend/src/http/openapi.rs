//! The OpenAPI 3.1 document's frame: title, security schemes, shared schemas.
//! Paths come from the `#[utoipa::path]` on each handler via `routes!`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "MorningAI API", description = "Self-hostable AI agents for a team's repositories and knowledge."),
    modifiers(&SecuritySchemes),
    // TaskEvent: the payload of the task event stream's messages (`data`), and the dashboard's type.
    components(schemas(super::ErrorBody, morningai_core::TaskEvent)),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Sign-up, log-in and sessions"),
        (name = "api-keys", description = "API keys of the tenant"),
        (name = "tenant", description = "The tenant and its members"),
        (name = "audit", description = "The tenant's audit log"),
        (name = "queue", description = "Background jobs and workers"),
        (name = "tasks", description = "Agent runs: tasks, checkpoints, events, approvals"),
        (name = "usage", description = "Model usage, cost and budgets"),
        (name = "repositories", description = "Repositories the agents index and read"),
        (name = "documents", description = "Documents the agents wrote, with versions, evidence and verification"),
        (name = "faqs", description = "The FAQ knowledge base: FAQs, versions, categories, search, feedback, analytics"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A session token from log-in, or an API key (`mai_…`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::SESSION_COOKIE))),
        );
    }
}

/// Adds the errors every operation can answer before its handler runs, which
/// the handlers' annotations leave out: 400 when a path or query parameter
/// or the JSON body does not parse, 415 when a body is not
/// `application/json`. (Found missing by the API fuzzer.)
pub fn add_common_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let has_body = operation.request_body.is_some();
            let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let responses = &mut operation.responses.responses;
            if (has_body || has_parameters) && !responses.contains_key("400") {
                responses.insert(
                    "400".into(),
                    error("a path or query parameter, or the body, does not parse").into(),
                );
            }
            if has_body && !responses.contains_key("415") {
                responses.insert(
                    "415".into(),
                    error("the body's `Content-Type` is not one this operation accepts").into(),
                );
            }
        }
    }
}
