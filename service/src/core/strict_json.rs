//! JSON parsing that refuses a repeated object key at any depth, instead of letting the last one win (behaviour F1,
//! F2). One pass over the text builds the `serde_json::Value`; a duplicate stops the parse and is reported with the
//! key it repeats.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The longest key (in characters) a [`StrictJsonError::DuplicateKey`] carries; a longer one is cut and ends
/// with `...`, so an answer or a log line naming it stays short.
pub const MAX_REPORTED_KEY_CHARS: usize = 64;

/// Why a text is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrictJsonError {
    /// An object repeats this key (cut to [`MAX_REPORTED_KEY_CHARS`] characters).
    #[error("duplicate key: {0}")]
    DuplicateKey(String),
    /// Not JSON at all (the parser's reason).
    #[error("invalid JSON: {0}")]
    Invalid(String),
}

/// Parses one JSON value from `bytes` (surrounding whitespace allowed, nothing else after it), refusing any object
/// that repeats a key, at any nesting level.
pub fn from_slice(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    let duplicate = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = StrictValue {
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|error| match duplicate.take() {
        Some(key) => StrictJsonError::DuplicateKey(key),
        None => StrictJsonError::Invalid(error.to_string()),
    })
}

fn reported_key(key: &str) -> String {
    if key.chars().count() <= MAX_REPORTED_KEY_CHARS {
        key.to_owned()
    } else {
        let mut cut: String = key.chars().take(MAX_REPORTED_KEY_CHARS).collect();
        cut.push_str("...");
        cut
    }
}

/// Builds a `Value` like `serde_json`'s own, except that a repeated key is an error (recorded in `duplicate`, so
/// the caller can tell it from a syntax error).
#[derive(Clone, Copy)]
struct StrictValue<'a> {
    duplicate: &'a Cell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // As `serde_json::Value`: the parser never yields a non-finite number, so `Null` is unreachable.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element_seed(self)? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let reported = reported_key(&key);
                let error = de::Error::custom(format_args!("duplicate key `{reported}`"));
                self.duplicate.set(Some(reported));
                return Err(error);
            }
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn duplicate(text: &str) -> Result<Value, StrictJsonError> {
        from_slice(text.as_bytes())
    }

    #[test]
    fn a_document_without_repeated_keys_parses_exactly_as_serde_json_parses_it() {
        let text = r#" {"a": [1, -2, 18446744073709551615, -9223372036854775808, 1.5, 1e300, 0.0, -0.0],
            "b": {"c": null, "d": true, "e": false, "f": "text \u00e9 \"quoted\""},
            "g": [], "h": {}, "i": [{"a": 1}, {"a": 2}], "j": 12345678901234567890123} "#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(from_slice(text.as_bytes()), Ok(expected));
        // The same key in sibling objects, or as a key and a value, is no repetition.
        assert_eq!(
            duplicate(r#"{"a": {"a": "a"}, "b": {"a": 1}}"#),
            Ok(json!({"a": {"a": "a"}, "b": {"a": 1}}))
        );
    }

    #[test]
    fn a_repeated_key_is_refused_at_any_depth_and_named() {
        let cases = [
            (r#"{"points":1,"points":2}"#, "points"),
            (r#"{"points":1,"points":1}"#, "points"),
            (r#"{"a":{"b":1,"c":2,"b":3}}"#, "b"),
            (r#"{"a":[{"x":1},{"y":{"z":[1,{"k":1,"k":2}]}}]}"#, "k"),
            (r#"[{"x":1,"x":1}]"#, "x"),
            // Escapes decode before the comparison: "\u0070oints" is "points".
            (r#"{"points":1,"\u0070oints":2}"#, "points"),
            (r#"{"":1,"":2}"#, ""),
        ];
        for (text, key) in cases {
            assert_eq!(
                duplicate(text),
                Err(StrictJsonError::DuplicateKey(key.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn a_long_repeated_key_is_reported_cut_short() {
        let key = "k".repeat(1000);
        let text = format!(r#"{{"{key}":1,"{key}":2}}"#);
        let expected = format!("{}...", "k".repeat(MAX_REPORTED_KEY_CHARS));
        assert_eq!(
            from_slice(text.as_bytes()),
            Err(StrictJsonError::DuplicateKey(expected))
        );
        let exact = "é".repeat(MAX_REPORTED_KEY_CHARS);
        let text = format!(r#"{{"{exact}":1,"{exact}":2}}"#);
        assert_eq!(
            from_slice(text.as_bytes()),
            Err(StrictJsonError::DuplicateKey(exact))
        );
    }

    #[test]
    fn text_that_is_not_one_json_value_is_invalid() {
        for text in [
            "",
            "{",
            "{\"a\":1}x",
            "{\"a\":1,}",
            "[1,]",
            "nul",
            "1e309",
            "'a'",
        ] {
            assert!(
                matches!(
                    from_slice(text.as_bytes()),
                    Err(StrictJsonError::Invalid(_))
                ),
                "{text:?}"
            );
        }
        // Nesting is bounded by the parser (no stack overflow).
        let deep = "[".repeat(100_000);
        assert!(matches!(
            from_slice(deep.as_bytes()),
            Err(StrictJsonError::Invalid(_))
        ));
    }
}
