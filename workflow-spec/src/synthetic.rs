//! A valid synthetic workflow of any length, for benchmarks (here and in `workflow-macros`).

use std::fmt::Write;

/// A valid workflow source with `steps` steps (at least 1). Every tenth step is a parallel of two branches,
/// every tenth (offset 5) a callback with a timeout catch; the rest are tasks that read `input` and the step
/// before, and every seventh task has a catch that jumps two steps ahead.
pub fn synthetic_spec(steps: usize) -> String {
    let steps = steps.max(1);
    let mut out = String::from(
        "workflow: synthetic\ninput: crate::Input\noutput: crate::Outcome\nerrors:\n  Transient: retry me\n  Skip: jump ahead\n\
         defaults:\n  retry: { attempts: 6, delay: 5s, backoff: 2.0, max-delay: 60s, jitter: full, on: [Transient] }\nsteps:\n",
    );
    for index in 0..steps {
        let id = format!("step-{index}");
        // A catch of step k jumps to k + 2, so k + 2 reads k - 1: the latest step that always ran before it.
        let is_goto_target = index >= 3 && (index - 2) % 7 == 3 && is_catching_task(index - 2);
        let reads = match index {
            0 => "[input]".to_string(),
            _ if is_goto_target => format!("[input, step-{}]", index - 3),
            _ => format!("[input, step-{}]", index - 1),
        };
        let _ = writeln!(out, "  - {id}:");
        if index.is_multiple_of(10) && index > 0 {
            let _ = writeln!(out, "      parallel:");
            let _ = writeln!(
                out,
                "        left-{index}: {{ task: left_{index}, reads: {reads}, output: crate::Value }}"
            );
            let _ = writeln!(
                out,
                "        right-{index}: {{ task: right_{index}, output: crate::Value }}"
            );
            // A parallel step's value is read as a whole; readers after it read it like any step.
        } else if index % 10 == 5 {
            let _ = writeln!(
                out,
                "      callback: {{ submit: submit_{index}, result: crate::Value, timeout: 5m, heartbeat: 1m }}"
            );
            let _ = writeln!(out, "      reads: {reads}");
            let _ = writeln!(
                out,
                "      catch: [{{ error: CallbackTimeout, finish: TimedOut }}]"
            );
        } else {
            let _ = writeln!(out, "      task: task_{index}");
            let _ = writeln!(out, "      reads: {reads}");
            let _ = writeln!(out, "      output: crate::Value");
            if is_catching_task(index) && index + 2 < steps {
                let _ = writeln!(
                    out,
                    "      catch: [{{ error: Skip, goto: step-{} }}]",
                    index + 2
                );
            }
        }
    }
    out.push_str("finish: Done\n");
    out
}

/// Whether step `index` is a task with a catch that jumps two steps ahead.
fn is_catching_task(index: usize) -> bool {
    index % 7 == 3 && index % 10 != 5 && !(index.is_multiple_of(10) && index > 0)
}
