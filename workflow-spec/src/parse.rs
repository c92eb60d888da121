//! YAML text -> [`RawSpec`], turning serde-saphyr errors into diagnostics.

use crate::diagnostic::{Diagnostic, Reporter};
use crate::ir::Position;
use crate::names;
use crate::raw::RawSpec;
use serde_saphyr::{DefaultMessageFormatter, Location, MessageFormatter, Spanned};

/// Where a spanned node sits, with a caret as long as its text on its line.
pub(crate) fn at<T>(node: &Spanned<T>) -> crate::diagnostic::At {
    at_location(node.referenced)
}

/// Where a location sits.
pub(crate) fn at_location(location: Location) -> crate::diagnostic::At {
    let len = u32::try_from(location.span().len()).unwrap_or(1).max(1);
    crate::diagnostic::At {
        position: position(location),
        len,
    }
}

/// The IR position of a location.
pub(crate) fn position(location: Location) -> Position {
    Position {
        line: u32::try_from(location.line()).unwrap_or(u32::MAX),
        col: u32::try_from(location.column()).unwrap_or(u32::MAX),
    }
}

/// Deserializes the file, or reports the one syntax/shape error serde-saphyr found.
pub(crate) fn parse(source: &str, reporter: &mut Reporter<'_>) -> Option<RawSpec> {
    if source.trim().is_empty()
        || source
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        let position = Position { line: 1, col: 1 };
        reporter.items.push(
            Diagnostic::new(
                source,
                reporter.file,
                position,
                1,
                "the workflow file is empty",
            )
            .with_help("start with `workflow: <name>`, `input:`, `output:` and `steps:`"),
        );
        return None;
    }
    match serde_saphyr::from_str::<RawSpec>(source) {
        Ok(raw) => Some(raw),
        Err(error) => {
            let inner = error.without_snippet();
            let message = DefaultMessageFormatter
                .format_message(inner)
                .replace(['\n', '\r'], " ");
            let location = error.location();
            let at = location.map(at_location).unwrap_or(crate::diagnostic::At {
                position: Position { line: 1, col: 1 },
                len: 1,
            });
            let found = location.and_then(|location| source_text(source, location));
            if let Some(rest) = message.strip_prefix("missing field `")
                && let Some((field, _)) = rest.split_once('`')
            {
                missing_key(source, field, at, reporter);
                return None;
            }
            if let Some(rest) = message.strip_prefix("duplicate mapping key: ")
                && let Some((owner, _)) = enclosing_key(source, at.position)
                && owner == "when"
            {
                let value = rest
                    .split_once(", set DuplicateKeyPolicy")
                    .map_or(rest, |(key, _)| key);
                reporter.error_help(
                    at,
                    format!("the choice has two arms for `{value}`"),
                    "each value has one arm; merge their steps",
                );
                return None;
            }
            let (message, help) = explain(&message, found);
            reporter.error_maybe_help(at, message, help);
            None
        }
    }
}

/// The source text a location covers, when it is a short single-line slice.
fn source_text(source: &str, location: Location) -> Option<&str> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let text = source.get(start..start.checked_add(len)?)?;
    (!text.is_empty() && !text.contains('\n') && text.len() <= 80).then_some(text)
}

/// Rewords serde-saphyr's message in the DSL's terms, with a help line where a fix is obvious.
fn explain(message: &str, found: Option<&str>) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once('`')
    {
        let expected = expected
            .split_once("expected ")
            .map_or("", |(_, list)| list);
        let list = expected.strip_prefix("one of ").unwrap_or(expected);
        let candidates: Vec<&str> = list
            .split(',')
            .map(|name| name.trim().trim_matches('`'))
            .filter(|n| !n.is_empty())
            .collect();
        let help = names::did_you_mean(field, candidates.iter().copied()).or_else(|| {
            (!candidates.is_empty())
                .then(|| format!("the keys allowed here are `{}`", candidates.join("`, `")))
        });
        let step_level = ["reads", "retry", "catch", "finish-if", "finish-unless"].contains(&field);
        let kind = if candidates.contains(&"submit") {
            Some("callback")
        } else if candidates.contains(&"function") {
            Some("invoke")
        } else {
            None
        };
        let help = match kind {
            Some(kind) if step_level => Some(format!(
                "`{field}` belongs to the step: write it beside `{kind}:`, not inside it"
            )),
            _ => help,
        };
        return (format!("unknown key `{field}`"), help);
    }
    if message.starts_with("cannot deserialize null") {
        return (
            "a value is missing here".to_string(),
            Some("write the value after the `:`".to_string()),
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split_once(", set DuplicateKeyPolicy")
            .map_or(rest, |(key, _)| key);
        return (
            format!("duplicate key `{key}`"),
            Some("a mapping lists each key once; remove or rename one".to_string()),
        );
    }
    let found_text = found
        .map(|text| format!(", found `{text}`"))
        .unwrap_or_default();
    match message {
        "invalid i64" | "invalid u64" | "invalid i32" | "invalid u32" => {
            (format!("expected a whole number{found_text}"), None)
        }
        "invalid f64" | "invalid f32" => (format!("expected a number{found_text}"), None),
        _ if message.starts_with("expected sequence") => (
            "expected a list here".to_string(),
            Some("write `[a, b]` or one `- item` per line".to_string()),
        ),
        _ if message.starts_with("expected mapping") => (
            "expected a mapping here".to_string(),
            Some("write `{ key: value }` or one `key: value` per line".to_string()),
        ),
        _ => (format!("invalid YAML: {message}"), None),
    }
}

/// Reports a missing required key at the key that owns the mapping (serde-saphyr points at the mapping's last key).
fn missing_key(source: &str, field: &str, at: crate::diagnostic::At, reporter: &mut Reporter<'_>) {
    match enclosing_key(source, at.position) {
        Some((owner, owner_at)) => reporter.error_help(
            owner_at,
            format!("missing key `{field}` in `{owner}`"),
            format!("add `{field}:` to `{owner}`"),
        ),
        None => {
            let first = crate::diagnostic::yaml_lines(source)
                .position(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
                .unwrap_or(0);
            let top = crate::diagnostic::At {
                position: Position {
                    line: u32::try_from(first + 1).unwrap_or(1),
                    col: 1,
                },
                len: 1,
            };
            reporter.error_help(
                top,
                format!("missing key `{field}`"),
                format!("add `{field}:` at the top level"),
            );
        }
    }
}

/// The key whose value is the mapping containing `position`: the key before an unclosed `{` on the same line,
/// or the nearest line above that is indented less. `None` at the top level.
fn enclosing_key(source: &str, position: Position) -> Option<(String, crate::diagnostic::At)> {
    let lines: Vec<&str> = crate::diagnostic::yaml_lines(source).collect();
    let line_index = usize::try_from(position.line).ok()?.checked_sub(1)?;
    let line = *lines.get(line_index)?;
    let before: Vec<char> = line
        .chars()
        .take(usize::try_from(position.col).ok()?.saturating_sub(1))
        .collect();
    let mut open: Vec<usize> = Vec::new();
    for (index, c) in before.iter().enumerate() {
        match c {
            '{' => open.push(index),
            '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    if let Some(&brace) = open.last() {
        let head: String = before[..brace].iter().collect();
        let key_chars: Vec<char> = head
            .trim_end()
            .strip_suffix(':')?
            .trim_end()
            .chars()
            .collect();
        let key_start = key_chars
            .iter()
            .rposition(|c| matches!(c, ' ' | '{' | ',' | '-'))
            .map_or(0, |i| i + 1);
        let key: String = key_chars[key_start..].iter().collect();
        return key_at(key, line_index, key_start);
    }
    let indent = key_indent(line)?;
    for (index, candidate) in lines[..line_index].iter().enumerate().rev() {
        let Some(candidate_indent) = key_indent(candidate) else {
            continue;
        };
        if candidate_indent < indent {
            let key: String = candidate
                .chars()
                .skip(candidate_indent)
                .take_while(|c| *c != ':')
                .collect();
            return key_at(key.trim_end().to_string(), index, candidate_indent);
        }
    }
    None
}

/// Where a mapping key starts on a line (after indentation and `- ` list markers); `None` for blank and comment lines.
fn key_indent(line: &str) -> Option<usize> {
    let mut indent = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        indent += rest.len() - trimmed.len();
        match trimmed.strip_prefix("- ") {
            Some(after) => {
                indent += 2;
                rest = after;
            }
            None => {
                rest = trimmed;
                break;
            }
        }
    }
    (!rest.is_empty() && !rest.starts_with('#')).then_some(indent)
}

fn key_at(
    key: String,
    line_index: usize,
    col_index: usize,
) -> Option<(String, crate::diagnostic::At)> {
    if key.is_empty() {
        return None;
    }
    let at = crate::diagnostic::At {
        position: Position {
            line: u32::try_from(line_index + 1).ok()?,
            col: u32::try_from(col_index + 1).ok()?,
        },
        len: u32::try_from(key.chars().count()).ok()?,
    };
    Some((key, at))
}
