//! lambdas (work in progress).
