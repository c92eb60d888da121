//! Names: kebab-case ids, Rust identifiers and type paths, and "did you mean" suggestions.

/// Rust keywords (strict and reserved, 2024 edition) that cannot be identifiers.
const KEYWORDS: [&str; 52] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Whether `name` is a Rust keyword.
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Why `id` is not a kebab-case id (`read-account`), or `None` when it is one.
pub(crate) fn kebab_case_problem(id: &str) -> Option<&'static str> {
    let mut chars = id.chars();
    match chars.next() {
        None => return Some("it is empty"),
        Some(c) if !c.is_ascii_lowercase() => return Some("it must start with a lowercase letter"),
        _ => {}
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("only lowercase letters, digits and `-` are allowed");
    }
    if id.ends_with('-') || id.contains("--") {
        return Some("`-` must separate words");
    }
    None
}

/// The snake_case identifier of a kebab-case id.
pub(crate) fn snake_of_kebab(id: &str) -> String {
    id.replace('-', "_")
}

/// A kebab-case suggestion for an id that is not one (e.g. `Read_Account` -> `read-account`).
pub(crate) fn kebab_suggestion(id: &str) -> Option<String> {
    let mut out = String::new();
    for c in id.trim().chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if (c == '_' || c == '-' || c == ' ') && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    (kebab_case_problem(&out).is_none() && out != id).then_some(out)
}

/// Whether `name` is a plain Rust identifier (ASCII; not a keyword).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    starts_well
        && name != "_"
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(name)
}

/// Whether `name` is a snake_case Rust identifier (`read_account`).
pub(crate) fn is_snake_case_identifier(name: &str) -> bool {
    is_identifier(name)
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with('_')
}

/// Whether `name` is an UpperCamelCase Rust identifier (`VersionConflict`).
pub(crate) fn is_camel_case_identifier(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// A snake_case suggestion (`readAccount`, `read-account` -> `read_account`).
pub(crate) fn snake_suggestion(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if (c == '-' || c == '_' || c == ' ') && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    (is_snake_case_identifier(&out) && out != name).then_some(out)
}

/// An UpperCamelCase suggestion (`no_change`, `no-change` -> `NoChange`).
pub(crate) fn camel_suggestion(name: &str) -> Option<String> {
    let out: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    (is_camel_case_identifier(&out) && out != name).then_some(out)
}

/// Why `path` is not a Rust type path such as `crate::tier::UpgradeRequest`, or `None` when it is one.
/// Accepted: `::`-separated identifiers, optionally starting with `::`, `crate`, `self` or `super`; no generics.
pub(crate) fn type_path_problem(path: &str) -> Option<String> {
    let trimmed = path.trim();
    if trimmed.is_empty() {
        return Some("it is empty".to_string());
    }
    if trimmed.contains('<') || trimmed.contains('>') {
        return Some("generic arguments are not supported; name a type alias instead".to_string());
    }
    let body = trimmed.strip_prefix("::").unwrap_or(trimmed);
    let segments: Vec<&str> = body.split("::").collect();
    for (index, segment) in segments.iter().enumerate() {
        let leading_path_keyword =
            matches!(*segment, "crate" | "self" | "super") && index + 1 < segments.len();
        let follows_super = *segment == "super"
            && segments[..index]
                .iter()
                .all(|s| *s == "super" || *s == "self");
        if (leading_path_keyword && (index == 0 || follows_super)) || is_identifier(segment) {
            continue;
        }
        if segment.is_empty() {
            return Some("it has an empty segment".to_string());
        }
        return Some(format!("`{segment}` is not a Rust identifier"));
    }
    None
}

/// Whether `name` is a valid environment variable name (`FETCH_ORDER_HISTORY_ACTIVITY_ARN`).
pub(crate) fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Edit distance between two strings (by characters): insertions, deletions, substitutions and
/// transpositions of neighbours (`taks` -> `task` is one edit).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The closest candidate within a third of the name's length (at least 1, at most 3 edits), if any.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` for the closest candidate.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_ids_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(kebab_case_problem("read-account"), None);
        assert_eq!(kebab_case_problem("step2"), None);
        assert_eq!(
            kebab_case_problem("Read"),
            Some("it must start with a lowercase letter")
        );
        assert_eq!(
            kebab_case_problem("read_account"),
            Some("only lowercase letters, digits and `-` are allowed")
        );
        assert_eq!(
            kebab_case_problem("read--account"),
            Some("`-` must separate words")
        );
        assert_eq!(
            kebab_suggestion("Read_Account"),
            Some("read-account".to_string())
        );
    }

    #[test]
    fn identifiers_follow_rust_rules_and_case_conventions() {
        assert!(is_snake_case_identifier("read_account"));
        assert!(!is_snake_case_identifier("type"));
        assert!(!is_snake_case_identifier("readAccount"));
        assert_eq!(
            snake_suggestion("readAccount"),
            Some("read_account".to_string())
        );
        assert!(is_camel_case_identifier("NoChange"));
        assert!(!is_camel_case_identifier("no_change"));
        assert_eq!(camel_suggestion("no-change"), Some("NoChange".to_string()));
    }

    #[test]
    fn type_paths_are_identifier_segments() {
        assert_eq!(type_path_problem("crate::tier::UpgradeRequest"), None);
        assert_eq!(type_path_problem("::std::string::String"), None);
        assert_eq!(type_path_problem("super::super::Thing"), None);
        assert_eq!(type_path_problem("u64"), None);
        assert_eq!(
            type_path_problem("crate::tier::"),
            Some("it has an empty segment".to_string())
        );
        assert_eq!(
            type_path_problem("crate::3tier::X"),
            Some("`3tier` is not a Rust identifier".to_string())
        );
        assert_eq!(
            type_path_problem("a::crate::X"),
            Some("`crate` is not a Rust identifier".to_string())
        );
        assert_eq!(
            type_path_problem("Vec<u8>"),
            Some("generic arguments are not supported; name a type alias instead".to_string())
        );
    }

    #[test]
    fn suggestions_pick_the_closest_name_within_reach() {
        assert_eq!(edit_distance("upgrade-tire", "upgrade-tier"), 1);
        assert_eq!(edit_distance("taks", "task"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            closest("upgrade-tire", ["read-account", "upgrade-tier"]),
            Some("upgrade-tier")
        );
        assert_eq!(closest("zzz", ["read-account"]), None);
    }
}
