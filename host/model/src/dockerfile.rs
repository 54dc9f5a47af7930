//! Dockerfile parser with positions.
