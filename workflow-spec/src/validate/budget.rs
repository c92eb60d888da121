//! `budget:`: its values, and every route of the workflow checked against them.

use super::Checker;
use crate::ir::{Budget, Workflow};
use crate::parse::{at, position};
use crate::raw::RawBudget;
use crate::routes::{self, Route, format_duration};
use serde_saphyr::Spanned;

/// The largest `operations` and `map-elements` a budget may state.
const MAX_BUDGET_COUNT: i64 = 1_000_000;

impl Checker<'_, '_> {
    /// The validated `budget:` values, or reports.
    pub(super) fn budget(&mut self, written: &Spanned<RawBudget>) -> Option<Budget> {
        let raw = &written.value;
        let before = self.reporter.items.len();
        let operations = raw.operations.as_ref().and_then(|value| {
            self.count(
                value,
                "operations",
                1,
                MAX_BUDGET_COUNT,
                "durable operations any route may bill",
            )
        });
        let wall_time = raw
            .wall_time
            .as_ref()
            .and_then(|text| self.duration(text, "wall-time", false));
        let map_elements = raw.map_elements.as_ref().and_then(|value| {
            self.count(
                value,
                "map-elements",
                1,
                MAX_BUDGET_COUNT,
                "elements any map runs at most",
            )
        });
        if self.reporter.items.len() > before {
            return None;
        }
        Some(Budget {
            operations: operations.map(u64::from),
            wall_time,
            map_elements,
            position: position(written.referenced),
        })
    }
}

/// Reports each budget key that a route goes over, at that key, naming the most expensive route.
pub(super) fn check(
    checker: &mut Checker<'_, '_>,
    workflow: &Workflow,
    written: &Spanned<RawBudget>,
) {
    let Some(budget) = &workflow.budget else {
        return;
    };
    let routes = match routes::routes(workflow) {
        Ok(routes) => routes,
        Err(too_many) => {
            checker.reporter.error_help(
                at(written),
                format!("cannot check `budget`: {too_many}"),
                "remove `budget`, or split the workflow",
            );
            return;
        }
    };
    let elements = budget.map_elements.map(u64::from);
    let numbered = || routes.iter().enumerate().map(|(i, route)| (i + 1, route));

    if let (Some(limit), Some(key)) = (budget.operations, &written.value.operations) {
        let cost = |route: &Route| route.operations.with_elements(elements.unwrap_or(0));
        if elements.is_none()
            && let Some((number, route)) =
                numbered().find(|(_, route)| route.operations.grows_with_elements())
        {
            checker.reporter.error_help(
                at(key),
                format!(
                    "the durable operations of route {number} grow with the elements of its maps ({}): \
                     `budget.operations` needs `budget.map-elements`",
                    route.operations
                ),
                "add `map-elements: <the most elements a map runs>` to `budget`",
            );
        } else if let Some((number, route)) = worst_over(numbered(), |route| cost(route), limit) {
            let over = numbered().filter(|(_, route)| cost(route) > limit).count();
            checker.reporter.error_help(
                at(key),
                format!(
                    "route {number} bills {} durable operations{}, over `budget.operations` ({limit})",
                    cost(route),
                    with_elements(route.operations.grows_with_elements(), elements)
                ),
                help(number, route, over),
            );
        }
    }

    if let (Some(limit), Some(key)) = (budget.wall_time, &written.value.wall_time) {
        let cost = |route: &Route| route.wall_time.with_elements(elements.unwrap_or(0));
        if elements.is_none()
            && let Some((number, route)) =
                numbered().find(|(_, route)| route.wall_time.grows_with_elements())
        {
            checker.reporter.error_help(
                at(key),
                format!(
                    "the worst-case wall time of route {number} grows with the elements of its maps ({}): \
                     `budget.wall-time` needs `budget.map-elements`",
                    route.wall_time
                ),
                "add `map-elements: <the most elements a map runs>` to `budget`",
            );
        } else if let Some((number, route)) = worst_over(numbered(), |route| cost(route), limit) {
            let over = numbered().filter(|(_, route)| cost(route) > limit).count();
            checker.reporter.error_help(
                at(key),
                format!(
                    "route {number} takes up to {}{} plus the activities' own time, over `budget.wall-time` ({})",
                    format_duration(cost(route)),
                    with_elements(route.wall_time.grows_with_elements(), elements),
                    crate::duration::format(limit)
                ),
                help(number, route, over),
            );
        }
    }
}

/// The route with the highest cost above `limit` (the last of equals: the route that goes on comes last).
fn worst_over<'r, T: Ord + Copy>(
    routes: impl Iterator<Item = (usize, &'r Route)>,
    cost: impl Fn(&Route) -> T,
    limit: T,
) -> Option<(usize, &'r Route)> {
    routes.filter(|(_, route)| cost(route) > limit).fold(
        None,
        |worst: Option<(usize, &Route)>, candidate| match worst {
            Some(known) if cost(known.1) > cost(candidate.1) => Some(known),
            _ => Some(candidate),
        },
    )
}

/// ` with 10 elements per map` when the figure depends on them.
fn with_elements(grows: bool, elements: Option<u64>) -> String {
    match (grows, elements) {
        (true, Some(elements)) => format!(" with {elements} elements per map"),
        _ => String::new(),
    }
}

/// `route 11: read-account -> ... => Upgraded`, and how many routes are over.
fn help(number: usize, route: &Route, over: usize) -> String {
    let others = match over {
        0 | 1 => String::new(),
        _ => format!(" ({over} routes are over; `workflow cost` lists them)"),
    };
    format!("route {number}: {route}{others}")
}
