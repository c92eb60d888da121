//! Read-only API: GetDurableExecution, GetDurableExecutionHistory,
//! ListDurableExecutionsByFunction.

use serde_json::{Value, json};

use super::{Service, function_arn, invalid};
use crate::error::{ServiceError, ServiceResult};
use crate::info::OperationInfo;
use crate::model::Execution;
use crate::wire::{ExecutionStatus, to_wire_seconds};

/// Filters of ListDurableExecutionsByFunction.
#[derive(Debug, Default, Clone)]
pub(crate) struct ListFilter {
    /// Only this execution name.
    pub(crate) name: Option<String>,
    /// Only these statuses.
    pub(crate) statuses: Vec<ExecutionStatus>,
    /// Started after, epoch ms.
    pub(crate) started_after_ms: Option<i64>,
    /// Started before, epoch ms.
    pub(crate) started_before_ms: Option<i64>,
    /// Newest first.
    pub(crate) reverse: bool,
    /// Offset marker.
    pub(crate) marker: Option<String>,
    /// Page size.
    pub(crate) max_items: Option<usize>,
}

fn summary(e: &Execution) -> Value {
    let h = &e.header;
    let mut v = json!({
        "DurableExecutionArn": h.arn,
        "DurableExecutionName": h.name,
        "FunctionArn": format!("{}:$LATEST", function_arn(&h.function_name)),
        "Status": h.status.as_str(),
        "StartTimestamp": to_wire_seconds(h.start_ms),
    });
    if let (Some(end), Some(m)) = (h.end_ms, v.as_object_mut()) {
        m.insert("EndTimestamp".into(), json!(to_wire_seconds(end)));
    }
    v
}

fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max: Option<usize>,
) -> ServiceResult<(Vec<T>, Option<String>)> {
    let start = match marker.filter(|m| !m.is_empty()) {
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| invalid(format!("Invalid Marker '{m}'")))?,
        None => 0,
    };
    let size = max.filter(|m| *m > 0).unwrap_or(1000).min(1000);
    let total = items.len();
    let out: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next = start + out.len();
    Ok((out, (next < total).then(|| next.to_string())))
}

impl Service {
    /// GetDurableExecution.
    pub(crate) fn get_execution(&self, arn: &str, include_data: bool) -> ServiceResult<Value> {
        let inner = self.lock();
        let Some(e) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        let h = &e.header;
        let mut v = summary(e);
        if let Some(m) = v.as_object_mut() {
            m.insert("Version".into(), json!("$LATEST"));
            m.insert(
                "DurableConfig".into(),
                json!({"ExecutionTimeout": h.timeout_s, "RetentionPeriodInDays": 14}),
            );
            if include_data {
                m.insert("InputPayload".into(), json!(h.input));
                if let Some(r) = &h.result {
                    m.insert("Result".into(), json!(r));
                }
                m.insert("ExecutionDataIncluded".into(), json!(true));
            }
            if let Some(err) = &h.error {
                m.insert("Error".into(), json!(err));
            }
        }
        Ok(v)
    }

    /// GetDurableExecutionHistory.
    pub(crate) fn history(
        &self,
        arn: &str,
        include_data: bool,
        reverse: bool,
        marker: Option<&str>,
        max_items: Option<usize>,
    ) -> ServiceResult<Value> {
        if !self.lock().execs.contains_key(arn) {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        }
        self.flush()?;
        let mut events = self.reader().events(arn)?;
        if !include_data {
            for e in &mut events {
                strip_payloads(e);
            }
        }
        if reverse {
            events.reverse();
        }
        let (events, next) = page(events, marker, max_items)?;
        let mut v = json!({"Events": events});
        if let (Some(n), Some(m)) = (next, v.as_object_mut()) {
            m.insert("NextMarker".into(), json!(n));
        }
        Ok(v)
    }

    /// ListDurableExecutionsByFunction.
    pub(crate) fn list_by_function(
        &self,
        function_name: &str,
        filter: &ListFilter,
    ) -> ServiceResult<Value> {
        let inner = self.lock();
        let mut execs: Vec<&Execution> = inner
            .execs
            .values()
            .filter(|e| e.header.function_name == function_name)
            .filter(|e| filter.name.as_ref().is_none_or(|n| *n == e.header.name))
            .filter(|e| filter.statuses.is_empty() || filter.statuses.contains(&e.header.status))
            .filter(|e| {
                filter
                    .started_after_ms
                    .is_none_or(|t| e.header.start_ms > t)
            })
            .filter(|e| {
                filter
                    .started_before_ms
                    .is_none_or(|t| e.header.start_ms < t)
            })
            .collect();
        execs.sort_by(|a, b| {
            a.header
                .start_ms
                .cmp(&b.header.start_ms)
                .then(a.header.arn.cmp(&b.header.arn))
        });
        if filter.reverse {
            execs.reverse();
        }
        let items: Vec<Value> = execs.into_iter().map(summary).collect();
        let (items, next) = page(items, filter.marker.as_deref(), filter.max_items)?;
        let mut v = json!({"DurableExecutions": items});
        if let (Some(n), Some(m)) = (next, v.as_object_mut()) {
            m.insert("NextMarker".into(), json!(n));
        }
        Ok(v)
    }
}

/// Removes payloads from an event's details (IncludeExecutionData=false).
fn strip_payloads(event: &mut Value) {
    if let Some(m) = event.as_object_mut() {
        for (k, v) in m.iter_mut() {
            if k.ends_with("Details")
                && let Some(d) = v.as_object_mut()
            {
                for key in ["Result", "Input"] {
                    if let Some(p) = d.get_mut(key).and_then(Value::as_object_mut) {
                        p.remove("Payload");
                    }
                }
            }
        }
    }
}

impl Service {
    /// The operations of an execution, without the EXECUTION operation.
    pub fn operations(&self, arn: &str) -> ServiceResult<Vec<OperationInfo>> {
        let inner = self.lock();
        let Some(e) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        Ok(e.ops
            .iter()
            .skip(1)
            .map(|o| OperationInfo {
                id: o.id.clone(),
                parent_id: o.parent_id.clone(),
                name: o.name.clone(),
                op_type: o.op_type,
                sub_type: o.sub_type.clone(),
                status: o.status,
                attempt: o.attempt,
                result: o.result.clone(),
                error: o.error.clone(),
                callback_id: o.callback_id.clone(),
            })
            .collect())
    }

    /// How many invocations the execution had.
    pub(crate) fn invocation_count(&self, arn: &str) -> i64 {
        self.lock()
            .execs
            .get(arn)
            .map_or(0, |e| e.header.invocations)
    }
}
