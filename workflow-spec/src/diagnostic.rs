//! rustc-style diagnostics: `error: <what>`, ` --> file:line:col`, the source line with a caret, `= help:`.

use crate::ir::Position;
use std::fmt;

/// One error found in a workflow file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, one line.
    pub message: String,
    /// The file name as given to [`crate::load`].
    pub file: String,
    /// Where (1-based line and column).
    pub position: Position,
    /// How many characters the caret underlines (at least 1).
    pub len: u32,
    /// The source line at `position.line` (empty when the position is past the end).
    pub source_line: String,
    /// A fix, when one is obvious.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `position` of `source`, underlining `len` characters.
    pub fn new(
        source: &str,
        file: &str,
        position: Position,
        len: u32,
        message: impl Into<String>,
    ) -> Self {
        let line_index = position.line.max(1) as usize - 1;
        let source_line = yaml_lines(source).nth(line_index).unwrap_or("").to_string();
        Self {
            message: message.into(),
            file: file.to_string(),
            position: Position {
                line: position.line.max(1),
                col: position.col.max(1),
            },
            len: len.max(1),
            source_line,
            help: None,
        }
    }

    /// The same diagnostic with a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line_number = self.position.line.to_string();
        let gutter = " ".repeat(line_number.len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{gutter}--> {}:{}:{}",
            self.file, self.position.line, self.position.col
        )?;
        writeln!(f, "{gutter} |")?;
        let shown: String = self
            .source_line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        writeln!(f, "{line_number} | {}", shown.trim_end())?;
        let indent = " ".repeat(self.position.col as usize - 1);
        let line_chars = shown.chars().count();
        let room = line_chars
            .saturating_sub(self.position.col as usize - 1)
            .max(1);
        let carets = "^".repeat((self.len as usize).min(room));
        write!(f, "{gutter} | {indent}{carets}")?;
        if let Some(help) = &self.help {
            writeln!(f)?;
            writeln!(f, "{gutter} |")?;
            write!(f, "{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// One or more diagnostics, in source order. Displays all of them separated by blank lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The diagnostics (never empty when returned by [`crate::load`]).
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Diagnostics holding exactly one item.
    pub fn single(diagnostic: Diagnostic) -> Self {
        Self {
            items: vec![diagnostic],
        }
    }

    /// The number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.items.iter().enumerate() {
            if index > 0 {
                write!(f, "\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The lines of a YAML source: like YAML, `\r\n`, `\r` and `\n` all end a line.
pub fn yaml_lines(source: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(source);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(end) => {
                let skip = if text[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&text[end + skip..]);
                Some(&text[..end])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// Collects diagnostics for one source file.
pub(crate) struct Reporter<'a> {
    pub(crate) source: &'a str,
    pub(crate) file: &'a str,
    pub(crate) items: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(source: &'a str, file: &'a str) -> Self {
        Self {
            source,
            file,
            items: Vec::new(),
        }
    }

    /// Records an error at `at` (position + caret length).
    pub(crate) fn error(&mut self, at: At, message: impl Into<String>) {
        self.items.push(Diagnostic::new(
            self.source,
            self.file,
            at.position,
            at.len,
            message,
        ));
    }

    /// Records an error with a help line.
    pub(crate) fn error_help(
        &mut self,
        at: At,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.items.push(
            Diagnostic::new(self.source, self.file, at.position, at.len, message).with_help(help),
        );
    }

    /// Records an error with an optional help line.
    pub(crate) fn error_maybe_help(
        &mut self,
        at: At,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let diagnostic = Diagnostic::new(self.source, self.file, at.position, at.len, message);
        self.items.push(match help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        });
    }
}

/// A position with a caret length.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub(crate) position: Position,
    pub(crate) len: u32,
}
