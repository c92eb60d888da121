//! The order of the step statements, with labeled blocks for `catch: goto`.
//!
//! A catch at step `i` that continues at step `j` wraps steps `i..j` in a labeled block and
//! breaks out of it. Values produced inside the block are out of scope after it, which matches
//! the spec's rule that a step only reads steps that always run before it. A `goto` stays in
//! its own list of steps (the workflow's, or one arm of a choice), so each list is laid out on
//! its own.

use proc_macro2::TokenStream;
use quote::quote;
use workflow_spec::{CatchAction, Step};

use crate::CodegenError;
use crate::steps::{StepWriter, goto_label};

/// A `goto` range: the catching step and the target step, as positions in their list.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Jump {
    from: usize,
    to: usize,
}

fn jumps(writer: &StepWriter<'_>, steps: &[Step]) -> Vec<Jump> {
    let mut jumps = Vec::new();
    for (from, step) in steps.iter().enumerate() {
        for catch in &step.catches {
            if let CatchAction::Goto { index, .. } = catch.action
                && let Some(to) = steps
                    .iter()
                    .position(|target| writer.index_of(target) == Some(index))
            {
                let jump = Jump { from, to };
                if to > from && !jumps.contains(&jump) {
                    jumps.push(jump);
                }
            }
        }
    }
    jumps
}

/// The statements of the workflow's steps, in order.
pub fn body(writer: &StepWriter<'_>) -> Result<TokenStream, CodegenError> {
    list(writer, &writer.workflow.steps)
}

/// The statements of one list of steps (the workflow's, or an arm's), in order.
pub fn list(writer: &StepWriter<'_>, steps: &[Step]) -> Result<TokenStream, CodegenError> {
    let jumps = jumps(writer, steps);
    range(writer, steps, &jumps, &mut Vec::new(), 0, steps.len())
}

fn range(
    writer: &StepWriter<'_>,
    steps: &[Step],
    jumps: &[Jump],
    opened: &mut Vec<Jump>,
    start: usize,
    end: usize,
) -> Result<TokenStream, CodegenError> {
    let mut out = TokenStream::new();
    let mut index = start;
    while index < end {
        let next = jumps
            .iter()
            .filter(|jump| jump.from == index && !opened.contains(jump))
            .max_by_key(|jump| jump.to)
            .copied();
        match next {
            Some(jump) if jump.to > end => {
                let step = &steps[jump.from];
                return Err(CodegenError {
                    message: format!(
                        "the `goto` of step `{}` jumps out of another step's `goto` range; the code \
                         generator supports nested `goto` ranges only",
                        step.id
                    ),
                    position: step.position,
                });
            }
            Some(jump) => {
                opened.push(jump);
                let inner = range(writer, steps, jumps, opened, index, jump.to)?;
                let label = goto_label(&steps[jump.from], &steps[jump.to]);
                out.extend(quote!(#label: { #inner }));
                index = jump.to;
            }
            None => {
                out.extend(writer.step(&steps[index])?);
                index += 1;
            }
        }
    }
    Ok(out)
}
