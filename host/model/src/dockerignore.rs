//! The .dockerignore matcher with Docker's semantics.
