//! Building subjects: where a finding points in the model.

use crate::{InstructionRef, Subject};

/// A key path in the merged compose document (`["services", "redis", "mem_limit"]`).
///
/// ```
/// use plimsoll_sdk::{Subject, subject};
/// let at = subject::compose(["volumes", "pgdata"]);
/// assert_eq!(at, Subject::Compose(vec!["volumes".into(), "pgdata".into()]));
/// ```
pub fn compose<I, S>(path: I) -> Subject
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Subject::Compose(path.into_iter().map(Into::into).collect())
}

/// A key below a service: `service("redis", &["deploy", "resources"])`.
///
/// ```
/// use plimsoll_sdk::{Subject, subject};
/// let at = subject::service("redis", &["mem_limit"]);
/// assert_eq!(at, Subject::Compose(vec!["services".into(), "redis".into(), "mem_limit".into()]));
/// ```
pub fn service(name: &str, path: &[&str]) -> Subject {
    let mut full = Vec::with_capacity(path.len() + 2);
    full.push("services".to_string());
    full.push(name.to_string());
    full.extend(path.iter().map(|p| p.to_string()));
    Subject::Compose(full)
}

/// Entry `index` of a service's list `key` (`entry("web", "ports", 2)` is
/// `["services", "web", "ports", "2"]`): list indexes in a subject are decimal strings.
///
/// The index is the one of the model's list: every model list that comes from a compose list
/// (`ports`, `volumes`, `cap_add`, `security_opt`, `devices`, `command`…) keeps the compose order
/// one entry per item, and a port range expanded into several ports is one item per port in the
/// merged document too (as `docker compose config` lists them), so `service.ports[i]`'s subject
/// locates where that port was written.
///
/// ```
/// use plimsoll_sdk::{Subject, subject};
/// let at = subject::entry("web", "ports", 2);
/// assert_eq!(at, Subject::Compose(["services", "web", "ports", "2"].map(String::from).to_vec()));
/// ```
pub fn entry(service_name: &str, key: &str, index: usize) -> Subject {
    service(service_name, &[key, &index.to_string()])
}

/// An instruction of a Dockerfile.
///
/// ```
/// use plimsoll_sdk::{InstructionRef, Subject, subject};
/// assert_eq!(subject::instruction(0, 3), Subject::Instruction(InstructionRef { dockerfile: 0, instruction: 3 }));
/// ```
pub fn instruction(dockerfile: u32, instruction: u32) -> Subject {
    Subject::Instruction(InstructionRef { dockerfile, instruction })
}

/// A file relative to the project directory.
///
/// ```
/// use plimsoll_sdk::{Subject, subject};
/// assert_eq!(subject::file(".env"), Subject::File(".env".into()));
/// ```
pub fn file(path: impl Into<String>) -> Subject {
    Subject::File(path.into())
}
