//! Checked SQLite files: refuse a damaged database instead of starting empty.
