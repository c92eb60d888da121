//! durable-local (work in progress).
