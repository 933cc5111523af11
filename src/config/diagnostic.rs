//! Turns TOML syntax errors and serde errors into a line, a key path and a problem that
//! the config and theme messages can name in the user's words.
//!
//! serde only hands over text ("unknown field `x`, expected one of `a`, `b`"), so the
//! problem is recovered from serde's stable message shapes; anything else is kept as is.

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

/// One step of the key path to the value that was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A key of a table.
    Key(String),
    /// An element of an array (of tables, or of values).
    Index(usize),
}

/// What was wrong, before it is worded for a particular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The text is not TOML.
    Syntax(String),
    /// A key the table does not take; `expected` lists the keys it does.
    UnknownKey { key: String, expected: Vec<String> },
    /// A name outside a fixed set; `expected` lists the set.
    UnknownName { name: String, expected: Vec<String> },
    /// A key the table needs is absent.
    Missing(String),
    /// A value of the wrong type or out of range, worded "expected X, found Y".
    BadValue(String),
}

/// A located problem in a TOML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// 1-based line, when the parser knew where.
    pub line: Option<usize>,
    /// Key path to the value (for an unknown key, to the table holding it).
    pub path: Vec<Step>,
    pub problem: Problem,
}

/// Parses a TOML document into `T`, keeping where and what went wrong.
pub(crate) fn deserialize<T: DeserializeOwned>(text: &str) -> Result<T, Diagnostic> {
    let deserializer = toml::de::Deserializer::parse(text).map_err(|error| Diagnostic {
        line: error.span().map(|span| line_of(text, span.start)),
        path: Vec::new(),
        problem: Problem::Syntax(error.message().trim().to_string()),
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = steps(error.path());
        let inner = error.into_inner();
        let line = inner.span().map(|span| line_of(text, span.start));
        let problem = problem_of(inner.message());
        Diagnostic {
            line,
            path: trim_path(path, &problem),
            problem,
        }
    })
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A key path as written in messages: `polling.replication`, `pipeline[0].stage[1].dag`.
pub(crate) fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// The header of the table a path leads to: `[polling]`, `[[pipeline.stage]]`; `None` for
/// the top level.
pub(crate) fn table_header(path: &[Step]) -> Option<String> {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|step| match step {
            Step::Key(key) => Some(key.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    if keys.is_empty() {
        return None;
    }
    let name = keys.join(".");
    Some(match path.last() {
        Some(Step::Index(_)) => format!("[[{name}]]"),
        _ => format!("[{name}]"),
    })
}

/// Converts serde_path_to_error's path, dropping the private keys of `toml::Spanned`.
fn steps(path: &serde_path_to_error::Path) -> Vec<Step> {
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                (!key.starts_with("$__serde_spanned")).then(|| Step::Key(key.clone()))
            }
            Segment::Unknown => None,
        })
        .collect()
}

/// For a problem with a key itself, the path should lead to the table that holds the key;
/// serde_path_to_error sometimes appends the offending key.
fn trim_path(mut path: Vec<Step>, problem: &Problem) -> Vec<Step> {
    let offending = match problem {
        Problem::UnknownKey { key, .. } => key,
        Problem::UnknownName { name, .. } => name,
        _ => return path,
    };
    if path.last() == Some(&Step::Key(offending.clone())) {
        path.pop();
    }
    path
}

/// Recovers the problem from serde's message.
fn problem_of(message: &str) -> Problem {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (key, expected) = name_and_choices(rest);
        return Problem::UnknownKey { key, expected };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = name_and_choices(rest);
        return Problem::UnknownName { name, expected };
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return Problem::Missing(rest.trim_matches('`').to_string());
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(at) = rest.rfind(", expected ")
        {
            let found = found(&rest[..at]);
            let expected = &rest[at + ", expected ".len()..];
            return Problem::BadValue(format!("expected {expected}, found {found}"));
        }
    }
    Problem::BadValue(message.to_string())
}

/// Splits "`x`, expected one of `a`, `b`" into `x` and `[a, b]`.
fn name_and_choices(rest: &str) -> (String, Vec<String>) {
    let (name, choices) = match rest.find("`, ") {
        Some(at) => (&rest[..at + 1], &rest[at + 3..]),
        None => (rest, ""),
    };
    let choices = choices
        .strip_prefix("expected one of ")
        .or_else(|| choices.strip_prefix("expected "))
        .unwrap_or("");
    // serde writes one choice as "`a`", two as "`a` or `b`", more as "`a`, `b`, `c`".
    let expected = choices
        .split(", ")
        .flat_map(|choice| choice.split("` or `"))
        .map(|choice| choice.trim_matches('`'))
        .filter(|choice| !choice.is_empty())
        .map(str::to_string)
        .collect();
    (name.trim_matches('`').to_string(), expected)
}

/// Words serde's description of an unexpected value ("string \"fast\"", "integer `0`")
/// the way a config file writes it.
fn found(unexpected: &str) -> String {
    for prefix in ["integer ", "floating point ", "boolean ", "character "] {
        if let Some(value) = unexpected.strip_prefix(prefix) {
            return value.trim_matches('`').to_string();
        }
    }
    if let Some(value) = unexpected.strip_prefix("string ") {
        return value.to_string();
    }
    match unexpected {
        "map" => "a table".to_string(),
        "sequence" => "a list".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_unknown_fields_and_variants() {
        assert_eq!(
            problem_of("unknown field `colour`, expected one of `a`, `b_c`"),
            Problem::UnknownKey {
                key: "colour".into(),
                expected: vec!["a".into(), "b_c".into()],
            }
        );
        assert_eq!(
            problem_of("unknown field `x`, expected `only`"),
            Problem::UnknownKey {
                key: "x".into(),
                expected: vec!["only".into()],
            }
        );
        assert_eq!(
            problem_of("unknown field `x`, there are no fields"),
            Problem::UnknownKey {
                key: "x".into(),
                expected: vec![],
            }
        );
        assert_eq!(
            problem_of("unknown variant `explode`, expected one of `quit`, `help`"),
            Problem::UnknownName {
                name: "explode".into(),
                expected: vec!["quit".into(), "help".into()],
            }
        );
        assert_eq!(
            problem_of("unknown field `nme`, expected `name` or `stage`"),
            Problem::UnknownKey {
                key: "nme".into(),
                expected: vec!["name".into(), "stage".into()],
            }
        );
        assert_eq!(
            problem_of("missing field `name`"),
            Problem::Missing("name".into())
        );
    }

    #[test]
    fn words_bad_values_as_expected_found() {
        let bad = |m| match problem_of(m) {
            Problem::BadValue(text) => text,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad("invalid type: string \"fast, expected slow\", expected a number"),
            "expected a number, found \"fast, expected slow\""
        );
        assert_eq!(
            bad("invalid value: integer `0`, expected 1 or more"),
            "expected 1 or more, found 0"
        );
        assert_eq!(
            bad("invalid type: floating point `1.5`, expected a whole number"),
            "expected a whole number, found 1.5"
        );
        assert_eq!(
            bad("invalid type: map, expected a string"),
            "expected a string, found a table"
        );
        assert_eq!(
            bad("invalid type: sequence, expected a string"),
            "expected a string, found a list"
        );
        assert_eq!(bad("something custom"), "something custom");
    }

    #[test]
    fn paths_and_headers() {
        let path = vec![
            Step::Key("pipeline".into()),
            Step::Index(0),
            Step::Key("stage".into()),
            Step::Index(2),
        ];
        assert_eq!(dotted(&path), "pipeline[0].stage[2]");
        assert_eq!(table_header(&path).as_deref(), Some("[[pipeline.stage]]"));
        assert_eq!(
            table_header(&[Step::Key("polling".into())]).as_deref(),
            Some("[polling]")
        );
        assert_eq!(table_header(&[]), None);
    }

    #[test]
    fn lines_are_one_based() {
        let text = "a = 1\nb = 2\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of(text, 999), 3);
    }
}
