//! `security/no-new-privileges-missing`: a service that lets its processes gain privileges through
//! setuid binaries and file capabilities.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services without `security_opt: ["no-new-privileges:true"]` (or `=true`). It is a
    /// hardening rule: reported at `info` by default. Services that only run under a profile are
    /// included; exempt services with an inline ignore or an exception.
    ///
    /// ## Why is this bad?
    /// Without the flag, a process in the container can gain privileges by running a setuid
    /// binary (`su`, `sudo`, `passwd`, `ping` in older images) or a file with capabilities. With
    /// it, the kernel refuses the elevation, which turns many local privilege escalations into
    /// dead ends. Almost no service needs to gain privileges after it starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:1.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:1.4
    ///     security_opt: ["no-new-privileges:true"]
    /// ```
    ///
    /// ## References
    /// - [Docker: no-new-privileges](https://docs.docker.com/reference/cli/docker/container/run/#security-opt)
    /// - [Linux: no_new_privs](https://docs.kernel.org/userspace-api/no_new_privs.html)
    pub static RULE = {
        id: "no-new-privileges-missing",
        severity: Info,
        category: "security",
        summary: "service does not set `no-new-privileges`",
    }
}

/// Whether a `security_opt` entry turns `no-new-privileges` on.
fn sets_no_new_privileges(option: &str) -> bool {
    let o = option.trim().to_ascii_lowercase().replace('=', ":");
    o == "no-new-privileges" || o == "no-new-privileges:true"
}

/// Report each service that does not set `no-new-privileges`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.security_opt.iter().any(|o| sets_no_new_privileges(o)) {
            continue;
        }
        report
            .add(
                &RULE,
                subject::service(&service.name, &[]),
                format!("service `{}` does not set `no-new-privileges`: setuid binaries can raise its privileges", service.name),
            )
            .help(query::source(project).say(
                "add `security_opt: [\"no-new-privileges:true\"]`",
                "run it with `--security-opt no-new-privileges:true`",
                "set `securityContext.allowPrivilegeEscalation: false` on the container",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn both_spellings_count() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n  b:\n    image: x:1\n    security_opt: [\"no-new-privileges:true\"]\n  c:\n    image: x:1\n    security_opt: [\"no-new-privileges=true\"]\n  d:\n    image: x:1\n    security_opt: [\"no-new-privileges:false\"]\n",
        );
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("service `a` ") && found[1].starts_with("service `d` "));
    }
}
