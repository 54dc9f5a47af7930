//! `security/dangerous-capabilities`: `cap_add` of capabilities that amount to host access.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `cap_add` entries in the `dangerous-capabilities` list: `ALL`, `SYS_ADMIN`,
    /// `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH`, `BPF`, …
    ///
    /// ## Why is this bad?
    /// These capabilities break the isolation the container relies on: `SYS_ADMIN` allows mounts
    /// and most known escapes, `SYS_MODULE` loads kernel code, `SYS_PTRACE` reads other processes'
    /// memory, `NET_ADMIN` rewrites the host's firewall when combined with host networking, and
    /// `ALL` is `privileged` without the name.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     cap_add: [ALL]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   vpn:
    ///     cap_add: [NET_ADMIN]   # only what it needs, with an exception that says why
    ///     cap_drop: [ALL]
    /// ```
    ///
    /// ## Settings
    /// - `dangerous-capabilities`: the capabilities to report (without `CAP_`).
    ///
    /// ## References
    /// - [capabilities(7)](https://man7.org/linux/man-pages/man7/capabilities.7.html)
    /// - [Docker: Linux capabilities](https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities)
    pub static RULE = {
        id: "dangerous-capabilities",
        severity: High,
        category: "security",
        summary: "`cap_add` grants a capability that amounts to host access",
    }
}

/// Report every dangerous `cap_add` entry.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (index, cap) in service.cap_add.iter().enumerate() {
            let name = cap.trim().to_ascii_uppercase();
            let name = name.strip_prefix("CAP_").unwrap_or(&name);
            if !settings.dangerous_capabilities.iter().any(|c| c.eq_ignore_ascii_case(name)) {
                continue;
            }
            report
                .add(
                    &RULE,
                    entry(&service.name, "cap_add", index),
                    format!(
                        "service `{}` adds capability `{name}`, which gives it control over the host",
                        service.name
                    ),
                )
                .help("remove the capability or replace it with the narrowest one the service needs");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn dangerous_entries_only() {
        let project = from_compose("services:\n  a:\n    image: x:1\n    cap_add: [CHOWN, CAP_SYS_ADMIN, net_admin]\n");
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].message, "service `a` adds capability `SYS_ADMIN`, which gives it control over the host");
        assert_eq!(found[0].subject, Subject::Compose(["services", "a", "cap_add", "1"].map(String::from).to_vec()));
    }
}
