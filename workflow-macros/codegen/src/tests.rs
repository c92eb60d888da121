//! Unit tests of the generator: spec text in, formatted Rust out.

const HEAD: &str = "workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
  Rejected: no
steps:
";

fn generated(steps: &str) -> String {
    let source = format!("{HEAD}{steps}finish: Done\n");
    let tokens = crate::expand(&source, "demo.workflow.yaml")
        .unwrap_or_else(|diagnostics| panic!("{}", diagnostics.join("\n")));
    crate::pretty(&tokens).unwrap()
}

/// The code without whitespace or trailing commas, so assertions do not depend on line breaks.
fn squeeze(text: &str) -> String {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .replace(",)", ")")
        .replace(",}", "}")
        .replace(",>", ">")
}

/// The index just past the brace that closes the one opening at `open`.
fn closing_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (index, c) in code.char_indices().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces")
}

#[test]
fn a_goto_wraps_the_skipped_steps_in_a_block_the_catch_breaks_out_of() {
    let code = squeeze(&generated(
        "  - first:
      task: do_first
      catch: [{ error: Rejected, goto: third }]
  - second: { task: do_second }
  - third: { task: do_third }
",
    ));

    assert!(
        code.contains(r#"::core::option::Option::Some("Rejected")=>{break'from_first_to_third;}"#),
        "{code}"
    );
    let block = code.find("'from_first_to_third:{").unwrap();
    let block_end = closing_brace(&code, block);
    let first = code.find(r#".name("first")"#).unwrap();
    let second = code.find(r#".name("second")"#).unwrap();
    let third = code.find(r#".name("third")"#).unwrap();
    assert!(block < first && first < second && second < block_end && block_end < third);
}

#[test]
fn crossing_goto_ranges_are_reported_at_the_inner_catching_step() {
    let source = format!(
        "{HEAD}  - a:
      task: do_a
      catch: [{{ error: Rejected, goto: c }}]
  - b:
      task: do_b
      catch: [{{ error: Rejected, goto: d }}]
  - c: {{ task: do_c }}
  - d: {{ task: do_d }}
finish: Done
"
    );

    let diagnostics = crate::expand(&source, "demo.workflow.yaml").unwrap_err();

    assert_eq!(
        diagnostics,
        [
            "error: the `goto` of step `b` jumps out of another step's `goto` range; the code \
          generator supports nested `goto` ranges only
  --> demo.workflow.yaml:11:5
   |
11 |   - b:
   |     ^"
        ]
    );
}

#[test]
fn a_step_without_retry_gets_exactly_one_attempt() {
    let code = squeeze(&generated("  - first: { task: do_first }\n"));

    assert!(
        code.contains(".retry_strategy(rt::never_retry())"),
        "{code}"
    );
    assert!(!code.contains("RETRY_POLICY_"));
}

#[test]
fn a_retry_policy_becomes_a_const_with_the_spec_values() {
    let code = squeeze(&generated(
        "  - first:
      task: do_first
      retry: { attempts: 4, delay: 250ms, backoff: 1.5, max-delay: 2s, jitter: half, on: [Transient] }
  - second: { task: do_second }
",
    ));

    assert!(
        code.contains(&squeeze(
            "const RETRY_POLICY_1: rt::RetryPolicy =
             rt::RetryPolicy { max_attempts: 4, initial_delay:
             rt::Duration::from_millis(250), backoff_rate: 1.5,
             max_delay: rt::Duration::from_secs(2), jitter:
             rt::Jitter::Half, retry_on: &[\"Transient\"], };"
        )),
        "{code}"
    );
    assert_eq!(
        code.matches(".retry_strategy(RETRY_POLICY_1.strategy())")
            .count(),
        1
    );
}

#[test]
fn an_invoke_reading_two_values_builds_its_payload_from_a_tuple_of_references() {
    let code = squeeze(&generated(
        "  - first: { task: do_first, output: crate::First }
  - call:
      invoke: { function: { name: partner }, input: crate::Request, output: crate::Reply }
      reads: [input, first]
",
    ));

    assert!(
        code.contains(&squeeze(
            "let payload: crate::Request = ::core::convert::From::from((&*input, &*first));"
        )),
        "{code}"
    );
    assert!(
        code.contains(&squeeze(
            ".invoke::<crate::Request, crate::Reply>(&ctx, operations.name(\"call\"), payload)"
        )),
        "{code}"
    );
    assert!(
        code.contains(&squeeze(
            "call: rt::FunctionTarget::Lambda(
                ::std::string::String::from(\"partner\"))"
        )),
        "{code}"
    );
}

#[test]
fn a_callback_passes_its_id_first_and_sets_timeout_and_heartbeat() {
    let code = squeeze(&generated(
        "  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 1h, heartbeat: 10m }
      reads: [input]
",
    ));

    assert!(
        code.contains(&squeeze(
            "fn send_ack(&self, callback_id: &str, input: &crate::Input)"
        )),
        "{code}"
    );
    assert!(code.contains(".send_ack(&callback_id,&input)"), "{code}");
    assert!(
        code.contains(&squeeze(
            ".timeout(rt::Duration::from_secs(3600))
             .heartbeat(rt::Duration::from_secs(600))"
        )),
        "{code}"
    );
}

#[test]
fn an_invalid_spec_yields_every_rustc_style_diagnostic() {
    let source = format!("{HEAD}  - first: {{ task: do_first, reads: [secnd] }}\nfinish: Done\n");

    let diagnostics = crate::expand(&source, "demo.workflow.yaml").unwrap_err();

    assert_eq!(diagnostics.len(), 1);
    assert!(
        diagnostics[0].starts_with(
            "error: step `first` reads unknown step `secnd`\n --> demo.workflow.yaml:8:38\n"
        ),
        "{}",
        diagnostics[0]
    );
}

#[test]
fn a_bool_choice_is_an_if_and_an_enum_choice_a_match_that_lets_other_variants_through() {
    let code = squeeze(&generated(
        "  - check: { task: check, output: crate::Check }
  - quiet:
      choice:
        on: check.loud
        when:
          false:
            - whisper: { task: whisper }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          Gold:
            - gold: { task: gold }
",
    ));

    assert!(code.contains("if!check.loud{"), "{code}");
    assert!(
        code.contains("match&check.tier{crate::Tier::Gold{..}=>{"),
        "{code}"
    );
    assert!(
        code.contains("#[allow(unreachable_patterns)]_=>{}"),
        "{code}"
    );
}

#[test]
fn a_map_sets_only_the_limits_the_spec_gives_and_catches_too_many_failures() {
    let code = squeeze(&generated(
        "  - list: { task: list, output: crate::List }
  - each:
      map: { items: list.entries, item: crate::Entry, task: handle, max-concurrency: 3 }
      reads: [item]
      catch: [{ error: TooManyFailures, finish: Partly }]
",
    ));

    assert!(
        code.contains(".name(operations.name(\"each\")).max_concurrency(3).await"),
        "{code}"
    );
    assert!(!code.contains(".completion("), "{code}");
    assert!(code.contains("matchrt::map_failure_kind(&error)"), "{code}");
    assert!(
        code.contains("&rt::map_items::<crate::Entry,_>(&list.entries)[index]"),
        "{code}"
    );
}

#[test]
fn a_poll_passes_its_bounds_retry_and_done_field_and_catches_by_poll_failure_kind() {
    let code = squeeze(&generated(
        "  - ship: { task: ship, output: crate::Shipment }
  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, backoff: 1.5, max-interval: 2m, deadline: 1h }
      reads: [ship]
      output: crate::Delivery
      retry: { attempts: 2, on: [Transient] }
      catch: [{ error: PollTimeout, finish: Late }, { error: Rejected, fail: rejected }]
  - record: { task: record, reads: [await-delivery] }
",
    ));

    assert!(
        code.contains(
            "rt::PollPolicy{\
             interval:rt::Duration::from_secs(30),\
             backoff_rate:1.5,\
             max_interval:rt::Duration::from_secs(120),\
             max_attempts:::core::option::Option::None,\
             deadline:::core::option::Option::Some(rt::Duration::from_secs(3600))}"
        ),
        "{code}"
    );
    assert!(
        code.contains("},::core::option::Option::Some(RETRY_POLICY_1),move||{"),
        "{code}"
    );
    assert!(
        code.contains("activities.check_delivery(&ship).await"),
        "{code}"
    );
    assert!(
        code.contains("|output:&crate::Delivery|rt::poll_done(&output.delivered)"),
        "{code}"
    );
    // The poll's value is already shared: it is bound as it is, not wrapped again.
    assert!(
        code.contains("::core::result::Result::Ok(value)=>value,"),
        "{code}"
    );
    assert!(
        code.contains("matchrt::poll_failure_kind(&error).as_deref(){::core::option::Option::Some(\"PollTimeout\")"),
        "{code}"
    );
    assert!(code.contains("Some(\"Rejected\")"), "{code}");
}

#[test]
fn a_poll_without_retry_passes_none_and_its_attempt_bound() {
    let code = squeeze(&generated(
        "  - await-ready:
      poll: { task: check_ready, done: ready, interval: 10s, max-attempts: 4 }
      output: crate::Ready
",
    ));

    assert!(
        code.contains(
            "max_attempts:::core::option::Option::Some(4),deadline:::core::option::Option::None}"
        ),
        "{code}"
    );
    assert!(
        code.contains("},::core::option::Option::None,move||{"),
        "{code}"
    );
    // Five minutes is the default cap of the interval.
    assert!(
        code.contains("max_interval:rt::Duration::from_secs(300)"),
        "{code}"
    );
    assert!(!code.contains("RETRY_POLICY"), "{code}");
}
