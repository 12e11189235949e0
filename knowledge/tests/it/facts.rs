//! Repository facts with evidence lines, and no fact without evidence.

use morningai_knowledge::TechCategory;

use crate::fixture::{self, indexed, line_of, Fixture};

#[test]
fn facts_carry_the_lines_that_prove_them() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let facts = index.facts();
    let tech = |name: &str| {
        facts
            .technologies()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} missing from {facts:#?}"))
    };
    let evidence = |name: &str| tech(name).evidence.to_string();

    assert_eq!(
        evidence("axum"),
        format!(
            "server/Cargo.toml:{}",
            line_of(fixture::SERVER_CARGO, "axum =")
        )
    );
    assert_eq!(
        evidence("Tokio"),
        format!(
            "server/Cargo.toml:{}",
            line_of(fixture::SERVER_CARGO, "tokio =")
        )
    );
    assert_eq!(
        evidence("Flask"),
        format!(
            "api/requirements.txt:{}",
            line_of(fixture::REQUIREMENTS, "flask")
        )
    );
    assert_eq!(
        evidence("Gunicorn"),
        format!(
            "api/requirements.txt:{}",
            line_of(fixture::REQUIREMENTS, "gunicorn")
        )
    );
    assert_eq!(
        evidence("React"),
        format!(
            "web/package.json:{}",
            line_of(fixture::PACKAGE_JSON, "\"react\":")
        )
    );
    assert_eq!(
        evidence("Vite"),
        format!(
            "web/package.json:{}",
            line_of(fixture::PACKAGE_JSON, "\"vite\": \"^")
        )
    );
    assert_eq!(
        evidence("PostgreSQL"),
        format!(
            "docker-compose.yml:{}",
            line_of(fixture::COMPOSE, "image: postgres")
        )
    );
    assert_eq!(tech("PostgreSQL").category, TechCategory::Database);
    assert_eq!(evidence("Docker"), "Dockerfile:1");
    // go.mod's require also proves PostgreSQL; the first evidence wins, and
    // the Go component is there.
    assert!(facts
        .components
        .iter()
        .any(|c| c.name == "example.com/worker"
            && c.path == "worker"
            && c.evidence.to_string() == "worker/go.mod:1"));

    let component = |name: &str| {
        facts
            .components
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name}: {:?}", facts.components))
    };
    assert_eq!(component("server").path, "server");
    assert_eq!(
        component("server").evidence.to_string(),
        "server/Cargo.toml:2"
    );
    assert_eq!(component("web").language, "typescript");
    assert_eq!(component("web").evidence.to_string(), "web/package.json:2");
    assert_eq!(component("api").language, "python");

    let languages: Vec<(&str, usize)> = facts
        .languages
        .iter()
        .map(|l| (l.language.as_str(), l.files))
        .collect();
    for language in ["rust", "python", "tsx", "javascript", "go"] {
        assert!(
            languages.iter().any(|(l, n)| *l == language && *n == 1),
            "{language}: {languages:?}"
        );
    }

    let entry = |target: &str| {
        facts
            .entry_points
            .iter()
            .find(|e| e.target == target)
            .unwrap_or_else(|| panic!("{target}: {:?}", facts.entry_points))
    };
    assert_eq!(
        entry("server/src/main.rs").evidence.line,
        line_of(fixture::SERVER_MAIN, "fn main")
    );
    assert_eq!(
        entry("api/app.py").evidence.line,
        line_of(fixture::APP_PY, "if __name__")
    );
    assert_eq!(
        entry("worker/main.go").evidence.line,
        line_of(fixture::WORKER_GO, "func main")
    );
    assert_eq!(
        entry("[\"gunicorn\", \"app:app\"]").evidence.to_string(),
        "Dockerfile:5"
    );

    let build = facts.scripts.iter().find(|s| s.name == "build").unwrap();
    assert_eq!(build.command, "tsc && vite build");
    assert_eq!(
        build.evidence.line,
        line_of(fixture::PACKAGE_JSON, "\"build\"")
    );

    // Every evidence line exists in its file.
    for t in facts.technologies() {
        assert_eq!(
            index.verify_citation(&t.evidence.path, t.evidence.line, t.evidence.line),
            morningai_knowledge::CitationCheck::Ok,
            "{t:?}"
        );
    }
}

#[test]
fn no_fact_for_a_technology_not_used() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let facts = index.facts();
    for absent in [
        "Redis", "RQ", "Celery", "Django", "Express", "MySQL", "MongoDB", "Kafka", "Vue",
    ] {
        assert!(!facts.uses(absent), "{absent} reported: {facts:#?}");
    }
    // serde is a dependency but not a technology worth reporting.
    assert!(!facts.uses("serde"));
}

#[test]
fn redis_is_reported_only_when_the_repository_has_it() {
    let with = Fixture::new(true);
    let (_dir, index, _) = indexed(&with);
    let redis = index
        .facts()
        .services
        .iter()
        .find(|t| t.name == "Redis")
        .expect("redis");
    assert_eq!(
        redis.evidence.to_string(),
        format!(
            "docker-compose.yml:{}",
            line_of(fixture::COMPOSE_WITH_REDIS, "image: redis")
        )
    );
    assert_eq!(redis.category, TechCategory::Cache);
}
