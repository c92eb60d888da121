#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Generated artefacts committed to the repository stay in sync with their sources.

const TIER: &str = include_str!("../../tier-upgrade.workflow.yaml");
const ROOT_README: &str = include_str!("../../README.md");
const SCHEMA_FILE: &str = include_str!("../workflow.schema.json");

#[test]
fn the_readme_diagram_is_the_diagram_of_the_tier_workflow() {
    let workflow = workflow_spec::load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let start = "<!-- workflow-diagram:start -->\n";
    let end = "<!-- workflow-diagram:end -->";
    let from = ROOT_README
        .find(start)
        .expect("README.md has the diagram start marker")
        + start.len();
    let to = ROOT_README
        .find(end)
        .expect("README.md has the diagram end marker");
    let in_readme = &ROOT_README[from..to];
    let expected = format!("```mermaid\n{}```\n", workflow_spec::mermaid(&workflow));
    assert_eq!(
        in_readme, expected,
        "README.md's diagram is stale; regenerate it with `cargo run -p workflow-spec --bin workflow -- diagram tier-upgrade.workflow.yaml`"
    );
}

#[test]
fn the_committed_json_schema_is_the_one_the_binary_prints() {
    assert_eq!(
        SCHEMA_FILE,
        workflow_spec::json_schema(),
        "workflow-spec/workflow.schema.json is stale; regenerate it with `cargo run -p workflow-spec --bin workflow -- schema > workflow-spec/workflow.schema.json`"
    );
}

#[test]
fn the_schema_is_json_that_requires_the_top_level_keys_and_knows_every_step_kind() {
    let schema: serde_json::Value = serde_json::from_str(&workflow_spec::json_schema()).unwrap();
    assert_eq!(
        schema["required"],
        serde_json::json!(["workflow", "input", "output", "steps"])
    );
    let kinds: Vec<&str> = schema["$defs"]["step"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["required"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "task", "parallel", "invoke", "callback", "wait", "succeed", "fail", "choice", "map",
            "poll", "group", "use"
        ]
    );
    assert_eq!(schema["$defs"]["callback"], serde_json::Value::Null);
    assert_eq!(
        schema["$defs"]["step"]["properties"]["callback"]["required"],
        serde_json::json!(["submit", "result", "timeout"])
    );
}

#[test]
fn the_schema_nests_steps_in_choice_arms_and_maps() {
    let schema: serde_json::Value = serde_json::from_str(&workflow_spec::json_schema()).unwrap();
    let defs = &schema["$defs"];
    let steps = serde_json::json!({ "$ref": "#/$defs/steps" });
    assert_eq!(schema["properties"]["steps"]["$ref"], steps["$ref"]);
    assert_eq!(
        defs["steps"]["items"]["additionalProperties"]["$ref"],
        "#/$defs/step"
    );
    assert_eq!(
        defs["step"]["properties"]["choice"]["$ref"],
        "#/$defs/choice"
    );
    assert_eq!(defs["step"]["properties"]["map"]["$ref"], "#/$defs/map");

    let choice = &defs["choice"];
    assert_eq!(choice["required"], serde_json::json!(["on", "when"]));
    assert_eq!(choice["properties"]["when"]["additionalProperties"], steps);
    assert_eq!(choice["properties"]["otherwise"]["$ref"], steps["$ref"]);
    assert_eq!(choice["properties"]["enum"]["$ref"], "#/$defs/typePath");

    let map = &defs["map"];
    assert_eq!(map["required"], serde_json::json!(["items", "item"]));
    assert_eq!(
        map["oneOf"],
        serde_json::json!([{ "required": ["task"] }, { "required": ["steps"] }])
    );
    assert_eq!(map["properties"]["steps"]["$ref"], steps["$ref"]);
    for key in ["max-concurrency", "tolerated-failures", "batch"] {
        assert!(map["properties"][key].is_object(), "{key}");
    }
}

#[test]
fn the_schema_requires_a_poll_check_and_one_of_its_bounds() {
    let schema: serde_json::Value = serde_json::from_str(&workflow_spec::json_schema()).unwrap();
    let defs = &schema["$defs"];
    assert_eq!(defs["step"]["properties"]["poll"]["$ref"], "#/$defs/poll");
    let poll = &defs["poll"];
    assert_eq!(poll["additionalProperties"], serde_json::json!(false));
    assert_eq!(
        poll["required"],
        serde_json::json!(["task", "done", "interval"])
    );
    assert_eq!(
        poll["anyOf"],
        serde_json::json!([{ "required": ["max-attempts"] }, { "required": ["deadline"] }])
    );
    assert_eq!(poll["properties"]["max-attempts"]["minimum"], 1);
    for key in ["interval", "max-interval", "deadline"] {
        assert_eq!(poll["properties"][key]["$ref"], "#/$defs/duration", "{key}");
    }
    assert_eq!(poll["properties"]["backoff"]["minimum"], 1.0);
}

#[test]
fn the_tier_workflow_points_editors_at_the_committed_schema() {
    let first_line = TIER.lines().next().unwrap();
    let schema = first_line
        .strip_prefix("# yaml-language-server: $schema=")
        .expect("first line names the schema");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(schema);
    assert_eq!(std::fs::read_to_string(path).unwrap(), SCHEMA_FILE);
}
