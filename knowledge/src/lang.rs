//! Language detection by file name and extension.

use serde::{Deserialize, Serialize};

/// A file's language, as far as indexing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    TypeScript,
    Tsx,
    JavaScript,
    Go,
    Markdown,
    Toml,
    Json,
    Yaml,
    Shell,
    Sql,
    Html,
    Css,
    Dockerfile,
    Makefile,
    Java,
    Kotlin,
    Ruby,
    Php,
    C,
    Cpp,
    CSharp,
    Swift,
    /// Text in a format not listed above.
    Text,
}

impl Language {
    /// Detects a file's language from its path (the last segment).
    pub fn detect(path: &str) -> Language {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
        {
            return Language::Dockerfile;
        }
        if matches!(lower.as_str(), "makefile" | "gnumakefile") || lower.ends_with(".mk") {
            return Language::Makefile;
        }
        let ext = match lower.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => ext,
            _ => return Language::Text,
        };
        match ext {
            "rs" => Language::Rust,
            "py" | "pyi" => Language::Python,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "js" | "jsx" | "mjs" | "cjs" => Language::JavaScript,
            "go" => Language::Go,
            "md" | "markdown" | "mdx" => Language::Markdown,
            "toml" => Language::Toml,
            "json" => Language::Json,
            "yml" | "yaml" => Language::Yaml,
            "sh" | "bash" | "zsh" => Language::Shell,
            "sql" => Language::Sql,
            "html" | "htm" => Language::Html,
            "css" | "scss" | "sass" | "less" => Language::Css,
            "java" => Language::Java,
            "kt" | "kts" => Language::Kotlin,
            "rb" => Language::Ruby,
            "php" => Language::Php,
            "c" | "h" => Language::C,
            "cc" | "cpp" | "cxx" | "hpp" | "hh" => Language::Cpp,
            "cs" => Language::CSharp,
            "swift" => Language::Swift,
            _ => Language::Text,
        }
    }

    /// The lowercase name used in the index and in facts.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
            Language::Go => "go",
            Language::Markdown => "markdown",
            Language::Toml => "toml",
            Language::Json => "json",
            Language::Yaml => "yaml",
            Language::Shell => "shell",
            Language::Sql => "sql",
            Language::Html => "html",
            Language::Css => "css",
            Language::Dockerfile => "dockerfile",
            Language::Makefile => "makefile",
            Language::Java => "java",
            Language::Kotlin => "kotlin",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::CSharp => "csharp",
            Language::Swift => "swift",
            Language::Text => "text",
        }
    }

    /// Whether the language is a programming language (counted in facts), as
    /// opposed to documentation, configuration or data.
    pub fn is_programming(self) -> bool {
        !matches!(
            self,
            Language::Markdown
                | Language::Toml
                | Language::Json
                | Language::Yaml
                | Language::Dockerfile
                | Language::Makefile
                | Language::Text
                | Language::Html
                | Language::Css
        )
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_extension_and_name() {
        assert_eq!(Language::detect("src/main.rs"), Language::Rust);
        assert_eq!(Language::detect("web/App.tsx"), Language::Tsx);
        assert_eq!(Language::detect("Dockerfile"), Language::Dockerfile);
        assert_eq!(
            Language::detect("deploy/Dockerfile.prod"),
            Language::Dockerfile
        );
        assert_eq!(Language::detect("Makefile"), Language::Makefile);
        assert_eq!(Language::detect(".gitignore"), Language::Text);
        assert_eq!(Language::detect("README"), Language::Text);
        assert_eq!(Language::detect("go.mod"), Language::Text);
    }
}
