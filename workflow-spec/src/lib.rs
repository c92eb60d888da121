//! workflow-spec (work in progress).
