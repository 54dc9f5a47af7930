//! Build context scans.
