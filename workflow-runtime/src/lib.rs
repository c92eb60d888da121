//! workflow-runtime (work in progress).
