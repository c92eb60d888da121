//! workflow-macros (work in progress).
