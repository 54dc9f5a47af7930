//! Helpers several `security` rules share: the SDK's subjects for list entries, what counts as a
//! literal value (as opposed to a reference resolved at run time), and port mappings folded back
//! from the model's expanded ranges for messages.
//!
//! Plain functions over the model; rule-specific logic stays in the rule files.

use plimsoll_sdk::model::Port;

pub use plimsoll_sdk::subject::entry;

/// Whether a value is written literally, rather than left to the shell or a file
/// (`$VAR`, `${VAR}`, `/run/secrets/…`, a path such as `/badger/key` or `./certs/tls.key`), and
/// is not empty. A path names where a secret is kept, not the secret.
pub fn is_literal(value: &str) -> bool {
    let v = value.trim();
    let path = (v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/"))
        && !v.contains(char::is_whitespace);
    !v.is_empty() && !v.starts_with('$') && !path
}

/// Whether a value is a plain switch or number rather than a secret (`true`, `0`, `none`).
pub fn is_trivial(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    matches!(v.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "disabled" | "enabled")
        || v.chars().all(|c| c.is_ascii_digit())
}

/// Whether a user (`root`, `0`, `0:0`, `root:root`) is root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    // runc reads a numeric user with `Atoi`: `00` and `+0` are uid 0 too.
    name == "root" || name.parse::<i64>() == Ok(0)
}

/// The words of a command, with words holding spaces (`sh -c "…"`) split further.
pub fn words(command: &[String]) -> Vec<(usize, String)> {
    command
        .iter()
        .enumerate()
        .flat_map(|(i, w)| w.split_whitespace().map(move |part| (i, part.trim_matches(['"', '\'']).to_string())))
        .collect()
}

/// One port mapping as written: the model expands a range (`7000-7100:7000-7100`) into one port
/// per number, and this folds consecutive numbers back into one mapping.
#[derive(Debug, Clone)]
pub struct PortMapping<'a> {
    /// The model index of the mapping's first port (the subject index of `ports`).
    pub entry: usize,
    /// The first expanded port of the mapping.
    pub first: &'a Port,
    /// Container ports, first and last.
    pub targets: (u32, u32),
    /// Host ports, first and last, when published on fixed ports.
    pub published: Option<(u32, u32)>,
}

impl PortMapping<'_> {
    /// The container port or range for messages: `80`, `7000-7100`.
    pub fn target_text(&self) -> String {
        range_text(self.targets)
    }

    /// The host port or range for messages (`8080`, `7000-7100`), `None` for a random port.
    pub fn published_text(&self) -> Option<String> {
        match (self.published, self.first.published.as_deref()) {
            (Some(range), _) => Some(range_text(range)),
            (None, Some(text)) => Some(text.to_string()),
            (None, None) => None,
        }
    }

    /// Whether the mapping is a range of more than one port.
    pub fn is_range(&self) -> bool {
        self.targets.0 != self.targets.1
    }
}

fn range_text((lo, hi): (u32, u32)) -> String {
    if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }
}

/// A service's ports folded into mappings: three or more consecutive container ports with the same
/// interface and protocol whose host ports are consecutive too (or all random) are one mapping, a
/// range as written. Two consecutive ports stay two mappings: `8081:8081` and `8082:8082` written
/// one per line are more common than a two-port range. Every mapping's `entry` is the model index
/// of its first port, which the host locates where that port was written (a range's line).
pub fn port_mappings(ports: &[Port]) -> Vec<PortMapping<'_>> {
    let index = |port: &Port| ports.iter().position(|p| std::ptr::eq(p, port)).unwrap_or(0);
    let mut out: Vec<PortMapping<'_>> = Vec::new();
    for run in consecutive_runs(ports) {
        if run.targets.1 - run.targets.0 + 1 >= 3 {
            out.push(PortMapping { entry: index(run.first), ..run });
            continue;
        }
        let first = index(run.first);
        let count = (run.targets.1 - run.targets.0 + 1) as usize;
        for (offset, port) in ports[first..first + count].iter().enumerate() {
            let published = port.published.as_deref().and_then(|p| p.parse::<u32>().ok());
            out.push(PortMapping {
                entry: first + offset,
                first: port,
                targets: (port.target, port.target),
                published: published.map(|p| (p, p)),
            });
        }
    }
    out
}

/// Consecutive ports folded into runs, whatever their length.
fn consecutive_runs(ports: &[Port]) -> Vec<PortMapping<'_>> {
    let mut out: Vec<PortMapping<'_>> = Vec::new();
    for port in ports {
        let published = port.published.as_deref().and_then(|p| p.parse::<u32>().ok());
        if let Some(last) = out.last_mut()
            && last.first.host_ip == port.host_ip
            && last.first.protocol == port.protocol
            && port.target == last.targets.1 + 1
            && match (last.published, published) {
                (Some((_, hi)), Some(p)) => p == hi + 1,
                (None, None) => last.first.published.is_none() && port.published.is_none(),
                _ => false,
            }
        {
            last.targets.1 = port.target;
            if let (Some(range), Some(p)) = (last.published.as_mut(), published) {
                range.1 = p;
            }
            continue;
        }
        let entry = out.len();
        out.push(PortMapping {
            entry,
            first: port,
            targets: (port.target, port.target),
            published: published.map(|p| (p, p)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(target: u32, published: Option<&str>) -> Port {
        Port { target, published: published.map(String::from), host_ip: None, protocol: "tcp".into(), mode: None }
    }

    #[test]
    fn ranges_fold_into_one_mapping() {
        let mut ports: Vec<Port> = (7000..=7100).map(|p| port(p, Some(&p.to_string()))).collect();
        ports.push(port(80, Some("8080")));
        ports.push(port(3000, None));
        ports.push(port(3001, None));
        ports.push(port(3002, None));
        ports.push(port(8081, Some("8081")));
        ports.push(port(8082, Some("8082")));
        ports.push(port(9092, Some("9092")));
        let mappings = port_mappings(&ports);
        let shown: Vec<(usize, String)> = mappings.iter().map(|m| (m.entry, m.target_text())).collect();
        let want = [(0, "7000-7100"), (101, "80"), (102, "3000-3002"), (105, "8081"), (106, "8082"), (107, "9092")];
        assert_eq!(shown, want.map(|(e, t)| (e, t.to_string())));
        assert_eq!(mappings[0].published_text(), Some("7000-7100".into()));
        assert_eq!(mappings[2].published_text(), None);
    }

    #[test]
    fn literals_roots_and_words() {
        assert!(is_literal("admin") && !is_literal("${X}") && !is_literal("") && !is_literal("/run/secrets/db"));
        assert!(!is_literal("/badger/key") && !is_literal("./certs/tls.key") && is_literal("s3cr3t/with/slash"));
        assert!(is_trivial("true") && is_trivial("3600") && !is_trivial("admin"));
        assert!(is_root_user("0:0") && is_root_user("root") && !is_root_user("1000") && !is_root_user("rootless"));
        let split = words(&["sh".into(), "-c".into(), "run --password=x 'y'".into()]);
        assert_eq!(split[3], (2, "--password=x".to_string()));
        assert_eq!(split[4], (2, "y".to_string()));
    }
}
