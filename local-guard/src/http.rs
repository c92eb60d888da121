//! An HTTP/1.1 listener with connection limits.
