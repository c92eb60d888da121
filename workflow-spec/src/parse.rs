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
            let at = error
                .location()
                .map(at_location)
                .unwrap_or(crate::diagnostic::At {
                    position: Position { line: 1, col: 1 },
                    len: 1,
                });
            let help = unknown_field_help(&message);
            reporter.error_maybe_help(at, message, help);
            None
        }
    }
}

/// For serde's "unknown field `x`, expected one of a, b": the closest expected field.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let expected = expected
        .split_once("expected ")
        .map_or("", |(_, list)| list);
    let list = expected.strip_prefix("one of ").unwrap_or(expected);
    let candidates = list.split(',').map(|name| name.trim().trim_matches('`'));
    names::did_you_mean(field, candidates)
}
