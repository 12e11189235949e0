//! The OpenAPI 3.1 document's frame: title, security schemes, shared schemas.
//! Paths come from the `#[utoipa::path]` on each handler via `routes!`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "MorningAI API", description = "Self-hostable AI agents for a team's repositories and knowledge."),
    modifiers(&SecuritySchemes),
    components(schemas(super::ErrorBody)),
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
