//! JSON Schema of the DSL.

/// The JSON Schema (draft 2020-12) of the workflow DSL, pretty-printed.
pub fn json_schema() -> String {
    String::from("{}")
}
