//! `security/confinement-disabled`: a service that turns off AppArmor, seccomp, SELinux labels or
//! masked system paths, or shares the host's cgroup namespace.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::extension_strings;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `security_opt` entries that switch a confinement layer off — `apparmor:unconfined`,
    /// `seccomp:unconfined`, `label:disable` (SELinux), `systempaths=unconfined` (unmasks `/proc`
    /// and `/sys` paths) — in either the `:` or the `=` form, and `cgroup: host`.
    ///
    /// ## Why is this bad?
    /// Seccomp blocks the system calls most kernel exploits need; AppArmor and SELinux stop a
    /// process that escapes its namespaces from touching the host's files; masked paths hide
    /// kernel knobs such as `/proc/sysrq-trigger`. Each one turned off makes a container escape a
    /// matter of one bug instead of several. The host cgroup namespace shows and lets the container
    /// reach the host's cgroup tree.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   builder:
    ///     security_opt: ["seccomp:unconfined", "apparmor:unconfined"]
    /// ```
    ///
    /// ## Use instead
    /// Keep the default profiles; when a tool needs one more system call, give it a custom seccomp
    /// profile (`seccomp:./seccomp.json`) that allows only that call.
    ///
    /// ## References
    /// - [Docker: seccomp profiles](https://docs.docker.com/engine/security/seccomp/)
    /// - [Docker: AppArmor](https://docs.docker.com/engine/security/apparmor/)
    pub static RULE = {
        id: "confinement-disabled",
        severity: High,
        category: "security",
        summary: "AppArmor, seccomp, SELinux or masked paths are turned off",
    }
}

/// What an unconfined `security_opt` entry turns off, if it does.
fn unconfined(option: &str) -> Option<&'static str> {
    let normalized = option.trim().to_ascii_lowercase().replacen('=', ":", 1);
    match normalized.as_str() {
        "apparmor:unconfined" => Some("AppArmor"),
        "seccomp:unconfined" => Some("seccomp"),
        "label:disable" => Some("SELinux labels"),
        "systempaths:unconfined" => Some("masked system paths"),
        _ => None,
    }
}

/// Report each unconfined `security_opt` entry and a host cgroup namespace.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (index, option) in service.security_opt.iter().enumerate() {
            let Some(layer) = unconfined(option) else { continue };
            report
                .add(
                    &RULE,
                    entry(&service.name, "security_opt", index),
                    format!("service `{}` sets `{option}`: it runs without {layer}", service.name),
                )
                .help("remove it, or give the service a custom profile that allows only what it needs");
        }
        if extension_strings(service, "cgroup").iter().any(|c| c == "host") {
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["cgroup"]),
                    format!("service `{}` sets `cgroup: host`: it shares the host's cgroup namespace", service.name),
                )
                .help("remove `cgroup: host` (the default `private` namespace is enough for almost every workload)");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn unconfined_options_and_host_cgroup() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    security_opt: [\"seccomp:unconfined\", \"apparmor=unconfined\", \"no-new-privileges:true\", \"label:disable\", \"systempaths=unconfined\"]\n  b:\n    image: x:1\n    cgroup: host\n  c:\n    image: x:1\n    security_opt: [\"seccomp=./profile.json\"]\n",
        );
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "service `a` sets `seccomp:unconfined`: it runs without seccomp",
                "service `a` sets `apparmor=unconfined`: it runs without AppArmor",
                "service `a` sets `label:disable`: it runs without SELinux labels",
                "service `a` sets `systempaths=unconfined`: it runs without masked system paths",
                "service `b` sets `cgroup: host`: it shares the host's cgroup namespace",
            ]
        );
    }
}
