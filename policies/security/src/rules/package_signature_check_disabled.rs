//! `security/package-signature-check-disabled`: a `RUN` that installs packages with their signature
//! or repository checks turned off (`apt-get --allow-unauthenticated`, `--nogpgcheck`, …).

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::{glob_match, program};
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags Dockerfile `RUN`s that turn package signature checks off: `apt-get
    /// --allow-unauthenticated`, `--force-yes`, `--allow-insecure-repositories`, a `[trusted=yes]`
    /// source, `rpm --nosignature`/`--nodigest`, `yum`/`dnf`/`microdnf`/`tdnf --nogpgcheck`,
    /// `gpgcheck=0` or `sslverify=0` written into a repository file, `apk --allow-untrusted`,
    /// `zypper --no-gpg-checks`. The switches are a settings table (`PROGRAM WORD` globs).
    ///
    /// ## Why is this bad?
    /// Signatures are what proves a package comes from the distribution and was not changed on a
    /// mirror, a proxy or the network. Without them, anyone who can answer the download installs
    /// their code as root in the image, and the build still succeeds.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --allow-unauthenticated acme-agent
    /// RUN dnf install -y --nogpgcheck https://vendor.example/agent.rpm
    /// ```
    ///
    /// ## Use instead
    /// Import the repository's key and keep the checks on:
    /// ```dockerfile
    /// COPY acme.gpg /etc/apt/keyrings/acme.gpg
    /// RUN echo "deb [signed-by=/etc/apt/keyrings/acme.gpg] https://apt.acme.example stable main" > /etc/apt/sources.list.d/acme.list \
    ///     && apt-get update && apt-get install -y --no-install-recommends acme-agent
    /// ```
    ///
    /// ## Settings
    /// - `unsigned-install-switches`: `PROGRAM WORD` globs (`apt-get --force-yes`, `* *gpgcheck=0*`);
    ///   `*` as the program matches any command (an `echo` writing a repository file).
    ///
    /// ## References
    /// - [Debian: SecureApt](https://wiki.debian.org/SecureApt)
    /// - [dnf: gpgcheck](https://dnf.readthedocs.io/en/latest/conf_ref.html)
    pub static RULE = {
        id: "package-signature-check-disabled",
        severity: High,
        category: "security",
        summary: "packages are installed with signature checks turned off",
    }
}

/// Report each `RUN` that turns package signature checks off, once, naming the first switch.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "RUN" {
                continue;
            }
            let found = instruction.commands.iter().find_map(|command| {
                let (at, prog) = program(command)?;
                command.words[at + 1..].iter().find_map(|word| {
                    let pair = format!("{prog} {word}");
                    settings.unsigned_install_switches.iter().any(|g| glob_match(g, &pair)).then_some((prog, word))
                })
            });
            let Some((prog, word)) = found else { continue };
            let shown = if word.chars().count() > 40 { format!("{}…", word.chars().take(39).collect::<String>()) } else { word.clone() };
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`{prog} {shown}` in `{}` turns package signature checks off", dockerfile.path),
                )
                .help("import the repository's signing key (`signed-by=`, `rpm --import`) and keep the checks on");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Security;

    #[test]
    fn switches_of_every_manager() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[(
                "Dockerfile",
                "FROM debian:12\nRUN apt-get install -y --allow-unauthenticated x\nRUN apt-get -y --force-yes install x\nRUN echo 'deb [trusted=yes] http://repo.example/ ./' > /etc/apt/sources.list.d/x.list\nRUN rpm -i --nosignature x.rpm\nRUN dnf install -y --nogpgcheck x\nRUN apk add --no-cache --allow-untrusted /tmp/x.apk\nRUN echo gpgcheck=0 >> /etc/yum.repos.d/x.repo\nRUN apt-get install -y --no-install-recommends curl\nRUN dnf install -y x\n",
            )],
        );
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "`apt-get --allow-unauthenticated` in `Dockerfile` turns package signature checks off",
                "`apt-get --force-yes` in `Dockerfile` turns package signature checks off",
                "`echo deb [trusted=yes] http://repo.example/ …` in `Dockerfile` turns package signature checks off",
                "`rpm --nosignature` in `Dockerfile` turns package signature checks off",
                "`dnf --nogpgcheck` in `Dockerfile` turns package signature checks off",
                "`apk --allow-untrusted` in `Dockerfile` turns package signature checks off",
                "`echo gpgcheck=0` in `Dockerfile` turns package signature checks off",
            ]
        );
    }
}
