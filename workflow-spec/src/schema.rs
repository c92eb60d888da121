//! JSON Schema of the DSL, for editors (`# yaml-language-server: $schema=...`).
//!
//! It describes the shape only; `workflow check` does the rest (references, flow, durations against each other).

use serde_json::{Value, json};

/// The JSON Schema (draft 2020-12) of the workflow DSL, pretty-printed with a trailing newline.
pub fn json_schema() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.invalid/workflow-spec/workflow.schema.json",
        "title": "Workflow",
        "description": "A durable workflow compiled to a typed Rust orchestrator. Reference: workflow-spec/README.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["workflow", "input", "output", "steps"],
        "properties": {
            "workflow": { "$ref": "#/$defs/kebabId", "description": "The workflow name, kebab-case." },
            "about": { "type": "string", "description": "What the workflow does, for people." },
            "input": { "$ref": "#/$defs/typePath", "description": "Rust type of the workflow input." },
            "output": { "$ref": "#/$defs/typePath", "description": "Rust enum whose unit variants are the outcomes." },
            "errors": {
                "type": "object",
                "description": "The error kinds `retry` and `catch` may name: `Kind: description`.",
                "propertyNames": { "$ref": "#/$defs/camelIdent" },
                "additionalProperties": { "type": "string" }
            },
            "defaults": {
                "type": "object",
                "additionalProperties": false,
                "properties": { "retry": { "$ref": "#/$defs/retry" } }
            },
            "steps": { "$ref": "#/$defs/steps", "description": "The steps, run in order. Each item maps one kebab-case id to its body." },
            "finish": { "$ref": "#/$defs/camelIdent", "description": "The outcome when the last step completes." },
            "timeout": { "$ref": "#/$defs/duration", "description": "The execution timeout the deployment gives the durable function, in whole seconds; `workflow cost` names the routes whose worst case is longer." },
            "budget": {
                "type": "object",
                "additionalProperties": false,
                "description": "The most any route may cost (`workflow cost`); a route over it is an error.",
                "properties": {
                    "operations": { "type": "integer", "minimum": 1, "maximum": 1000000, "description": "Durable operations any route may bill." },
                    "wall-time": { "$ref": "#/$defs/duration", "description": "Worst-case wall time of any route, the activities' own time excluded." },
                    "map-elements": { "type": "integer", "minimum": 1, "maximum": 1000000, "description": "The most elements any map runs, to count per-element costs." }
                }
            }
        },
        "$defs": definitions()
    })
}

fn definitions() -> Value {
    json!({
        "kebabId": { "type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$" },
        "snakeIdent": { "type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "A snake_case Rust identifier." },
        "camelIdent": { "type": "string", "pattern": "^[A-Z][A-Za-z0-9]*$", "description": "An UpperCamelCase Rust identifier." },
        "typePath": {
            "type": "string",
            "pattern": "^(::)?[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$",
            "description": "A Rust type path such as `crate::tier::UpgradeRequest` (no generics)."
        },
        "duration": { "type": "string", "pattern": "^[0-9]+(ms|s|m|h)$", "description": "e.g. `500ms`, `30s`, `5m`, `1h`." },
        "reads": {
            "type": "array",
            "items": { "type": "string" },
            "description": "`input` and ids of earlier steps (`item` inside a map), passed to the step in this order."
        },
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "propertyNames": { "$ref": "#/$defs/kebabId" },
                "additionalProperties": { "$ref": "#/$defs/step" }
            }
        },
        "fieldRef": {
            "type": "string",
            "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*(\\.[a-z][a-z0-9_]*)?$",
            "description": "`step.field`, `input.field` or `step`: a value (or one of its fields) that always ran before."
        },
        "choice": {
            "type": "object",
            "additionalProperties": false,
            "required": ["on", "when"],
            "properties": {
                "on": { "$ref": "#/$defs/fieldRef", "description": "The `bool` or enum field that selects the arm." },
                "enum": { "$ref": "#/$defs/typePath", "description": "The field's enum type; leave it out for a `bool`." },
                "when": {
                    "type": "object",
                    "minProperties": 1,
                    "description": "One arm per value (`true`/`false`, or enum variants): the steps run when the field has it.",
                    "propertyNames": { "pattern": "^(true|false|[A-Z][A-Za-z0-9]*)$" },
                    "additionalProperties": { "$ref": "#/$defs/steps" }
                },
                "otherwise": { "$ref": "#/$defs/steps", "description": "The steps run when no arm matches." }
            }
        },
        "map": {
            "type": "object",
            "additionalProperties": false,
            "required": ["items", "item"],
            "properties": {
                "items": { "$ref": "#/$defs/fieldRef", "description": "The list: a `Vec` field of an earlier output (or a map's results)." },
                "item": { "$ref": "#/$defs/typePath", "description": "The element type of the list." },
                "task": { "$ref": "#/$defs/snakeIdent", "description": "The activity run for each element." },
                "steps": { "$ref": "#/$defs/steps", "description": "The `task` steps run in order for each element." },
                "max-concurrency": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Elements run at once (default: all)." },
                "tolerated-failures": {
                    "type": ["integer", "string"],
                    "pattern": "^[0-9]+%?$",
                    "minimum": 0,
                    "description": "Failed elements tolerated before `TooManyFailures`: a count (`2`) or a percentage (`10%`). Default 0."
                },
                "batch": { "type": "integer", "minimum": 1, "maximum": 10000, "description": "Elements per call: the activity gets a slice." }
            },
            "oneOf": [{ "required": ["task"] }, { "required": ["steps"] }]
        },
        "poll": {
            "type": "object",
            "additionalProperties": false,
            "required": ["task", "done", "interval"],
            "properties": {
                "task": { "$ref": "#/$defs/snakeIdent", "description": "The check activity, called once per check; the step's `output` is its output." },
                "done": { "$ref": "#/$defs/snakeIdent", "description": "The `bool` field of the output that is true once the poll is done." },
                "interval": { "$ref": "#/$defs/duration", "description": "The wait after the first check that is not done." },
                "backoff": { "type": "number", "minimum": 1.0, "maximum": 100.0, "description": "Wait multiplier after each check (default 1.0: a fixed interval)." },
                "max-interval": { "$ref": "#/$defs/duration", "description": "Upper bound of a wait (default 5m, or `interval` if longer)." },
                "max-attempts": { "type": "integer", "minimum": 1, "maximum": 100000, "description": "At most this many checks, then `PollTimeout`." },
                "deadline": { "$ref": "#/$defs/duration", "description": "No check starts later than this after the first one; then `PollTimeout`." }
            },
            "anyOf": [{ "required": ["max-attempts"] }, { "required": ["deadline"] }]
        },
        "retry": {
            "type": "object",
            "additionalProperties": false,
            "required": ["attempts", "on"],
            "properties": {
                "attempts": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Total attempts, the first included." },
                "delay": { "$ref": "#/$defs/duration", "description": "Delay before the first retry (default 5s)." },
                "backoff": { "type": "number", "minimum": 1.0, "maximum": 100.0, "description": "Delay multiplier (default 2.0)." },
                "max-delay": { "$ref": "#/$defs/duration", "description": "Upper bound of a delay (default 60s)." },
                "jitter": { "enum": ["none", "half", "full"], "description": "Default `full`." },
                "on": { "type": "array", "items": { "$ref": "#/$defs/camelIdent" }, "description": "Declared error kinds to retry." }
            }
        },
        "catch": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["error"],
                "properties": {
                    "error": { "$ref": "#/$defs/camelIdent" },
                    "finish": { "$ref": "#/$defs/camelIdent", "description": "Finish with this outcome." },
                    "goto": { "$ref": "#/$defs/kebabId", "description": "Continue at this later step." },
                    "fail": { "type": "string", "description": "Fail the workflow with this message." }
                },
                "oneOf": [{ "required": ["finish"] }, { "required": ["goto"] }, { "required": ["fail"] }]
            }
        },
        "semantics": {
            "enum": ["at-least-once", "at-most-once"],
            "description": "What replay does with an attempt that started but recorded no outcome: run it again (`at-least-once`, the default) or count it as a failed attempt without running it (`at-most-once`). For task steps, parallel branches and a map's tasks."
        },
        "finishWhen": {
            "type": "object",
            "additionalProperties": false,
            "required": ["field", "outcome"],
            "properties": { "field": { "$ref": "#/$defs/snakeIdent" }, "outcome": { "$ref": "#/$defs/camelIdent" } }
        },
        "branch": {
            "type": "object",
            "additionalProperties": false,
            "required": ["task"],
            "properties": {
                "task": { "$ref": "#/$defs/snakeIdent" },
                "output": { "$ref": "#/$defs/typePath" },
                "reads": { "$ref": "#/$defs/reads" },
                "retry": { "$ref": "#/$defs/retry" },
                "semantics": { "$ref": "#/$defs/semantics" }
            }
        },
        "step": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "task": { "$ref": "#/$defs/snakeIdent", "description": "Call this activity method." },
                "parallel": {
                    "type": "object",
                    "minProperties": 2,
                    "propertyNames": { "$ref": "#/$defs/kebabId" },
                    "additionalProperties": { "$ref": "#/$defs/branch" }
                },
                "invoke": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["function", "input"],
                    "properties": {
                        "function": {
                            "type": "object",
                            "additionalProperties": false,
                            "properties": {
                                "env": { "type": "string", "pattern": "^[A-Z_][A-Z0-9_]*$" },
                                "name": { "type": "string", "minLength": 1 }
                            },
                            "oneOf": [{ "required": ["env"] }, { "required": ["name"] }]
                        },
                        "input": { "$ref": "#/$defs/typePath" },
                        "output": { "$ref": "#/$defs/typePath" }
                    }
                },
                "callback": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["submit", "result", "timeout"],
                    "properties": {
                        "submit": { "$ref": "#/$defs/snakeIdent" },
                        "result": { "$ref": "#/$defs/typePath" },
                        "timeout": { "$ref": "#/$defs/duration" },
                        "heartbeat": { "$ref": "#/$defs/duration" }
                    }
                },
                "wait": { "$ref": "#/$defs/duration" },
                "succeed": { "$ref": "#/$defs/camelIdent" },
                "fail": { "type": "string" },
                "choice": { "$ref": "#/$defs/choice", "description": "Run the arm selected by a field of an earlier value." },
                "map": { "$ref": "#/$defs/map", "description": "Run a task, or steps, for each element of a list." },
                "poll": { "$ref": "#/$defs/poll", "description": "Repeat a check activity, waiting between checks, until its output is done." },
                "group": { "$ref": "#/$defs/steps", "description": "Run these steps in order in a child context of their own; the group's value is its last step's output." },
                "use": { "type": "string", "pattern": "\\.ya?ml$", "description": "Run the workflow in this file (relative to this one) in a child context, on the one value `reads` names; the step's value is its outcome." },
                "output": { "$ref": "#/$defs/typePath" },
                "reads": { "$ref": "#/$defs/reads" },
                "retry": { "$ref": "#/$defs/retry" },
                "catch": { "$ref": "#/$defs/catch" },
                "finish-unless": { "$ref": "#/$defs/finishWhen" },
                "finish-if": { "$ref": "#/$defs/finishWhen" },
                "semantics": { "$ref": "#/$defs/semantics" }
            },
            "oneOf": [
                { "required": ["task"] },
                { "required": ["parallel"] },
                { "required": ["invoke"] },
                { "required": ["callback"] },
                { "required": ["wait"] },
                { "required": ["succeed"] },
                { "required": ["fail"] },
                { "required": ["choice"] },
                { "required": ["map"] },
                { "required": ["poll"] },
                { "required": ["group"] },
                { "required": ["use"] }
            ]
        }
    })
}
