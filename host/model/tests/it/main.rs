//! The model's integration tests, in one test binary (one link instead of nineteen): Compose
//! loading, merging, interpolation, normalization, schema and differential conformance, the
//! Dockerfile parser, `.dockerignore`, build contexts, linking, locations, units and the YAML tree.

mod compose_conformance;
mod compose_differential;
mod compose_env_file;
mod compose_extends_include;
mod compose_interpolation;
mod compose_merge;
mod compose_normalize;
mod compose_schema;
mod context_scan;
mod dockerfile_corpus;
mod dockerfile_inline;
mod dockerfile_names;
mod dockerfile_parse;
mod dockerignore_docs;
mod link_acceptance;
mod link_services;
mod list_subjects;
mod project_locations;
mod units_table;
mod yaml_tree;
