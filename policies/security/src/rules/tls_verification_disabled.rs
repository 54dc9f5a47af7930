//! `security/tls-verification-disabled`: TLS certificate checks turned off (`curl -k`,
//! `--no-check-certificate`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, …).

use plimsoll_sdk::model::{Project, SimpleCommand};
use plimsoll_sdk::query::program;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{entry, words};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags settings that turn TLS certificate verification off: in Dockerfile `RUN`s and in
    /// compose `command`/`entrypoint`, `curl -k`/`--insecure`, `wget --no-check-certificate`,
    /// `pip --trusted-host`, `git -c http.sslVerify=false`, `npm config set strict-ssl false`; in
    /// `ENV` and `environment`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
    /// `GIT_SSL_NO_VERIFY`, `PIP_TRUSTED_HOST`, … — also when a `RUN` sets them inline
    /// (`RUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm i`, `export GIT_SSL_NO_VERIFY=1`); and
    /// `pip config set global.trusted-host`, `conda config --set ssl_verify false`. Healthchecks
    /// are not checked (self-signed certificates on localhost). Package signature checks have a
    /// rule of their own (`package-signature-check-disabled`).
    ///
    /// ## Why is this bad?
    /// Without verification anyone on the network path — a compromised Wi-Fi, a hostile mirror, a
    /// proxy — can impersonate the server: the build downloads their script, the app sends them its
    /// credentials. Set in `ENV`, the switch applies to every connection the app makes for its life.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSLk https://example.com/install.sh | sh
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// ```
    ///
    /// ## Use instead
    /// Install the CA that signs the server's certificate (`COPY corp-ca.crt
    /// /usr/local/share/ca-certificates/` and `update-ca-certificates`), or point the tool at it
    /// (`NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE`, `curl --cacert`).
    ///
    /// ## Settings
    /// - `insecure-env`: `NAME=VALUE` globs of environment settings that disable verification.
    ///
    /// ## References
    /// - [CWE-295: improper certificate validation](https://cwe.mitre.org/data/definitions/295.html)
    /// - [Node.js: NODE_TLS_REJECT_UNAUTHORIZED](https://nodejs.org/api/cli.html#node_tls_reject_unauthorizedvalue)
    pub static RULE = {
        id: "tls-verification-disabled",
        severity: High,
        category: "security",
        summary: "TLS certificate verification is turned off",
    }
}

/// Report insecure commands and environment settings, once per instruction or key.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            let found = match instruction.keyword.as_str() {
                "RUN" => instruction.commands.iter().find_map(|c| insecure_command(c).or_else(|| insecure_assignment(c, settings))),
                "ENV" => instruction.arguments.iter().find_map(|a| {
                    let (name, value) = a.split_once('=')?;
                    settings.is_insecure_env(name, value).then(|| format!("`{name}={value}`"))
                }),
                _ => None,
            };
            let Some(what) = found else { continue };
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("{what} in `{}` turns TLS verification off", dockerfile.path),
                )
                .help("trust the server's CA instead (`update-ca-certificates`, `--cacert`, `NODE_EXTRA_CA_CERTS`)");
        }
    }
    for service in &project.services {
        for kv in &service.environment {
            let Some(value) = &kv.value else { continue };
            if settings.is_insecure_env(&kv.name, value) {
                report
                    .add(
                        &RULE,
                        subject::service(&service.name, &["environment", &kv.name]),
                        format!(
                            "service `{}` sets `{}={value}`, which turns TLS verification off",
                            service.name, kv.name
                        ),
                    )
                    .help("remove it and trust the server's CA instead (`NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE`)");
            }
        }
        for (key, command) in [("command", &service.command), ("entrypoint", &service.entrypoint)] {
            let Some(command) = command else { continue };
            let split: Vec<String> = words(command).into_iter().map(|(_, w)| w).collect();
            let Some(what) = insecure_command(&SimpleCommand { words: split.clone() }).or_else(|| {
                split
                    .iter()
                    .find(|w| {
                        matches!(w.as_str(), "--insecure-skip-tls-verify" | "--tls-verify=false" | "--no-verify-ssl")
                    })
                    .map(|w| format!("`{w}`"))
            }) else {
                continue;
            };
            report
                .add(
                    &RULE,
                    entry(&service.name, key, 0),
                    format!("service `{}` runs {what} in its `{key}`, which turns TLS verification off", service.name),
                )
                .help("trust the server's CA instead of skipping verification");
        }
    }
}

/// An insecure environment setting a command makes for itself or the rest of the script:
/// `NODE_TLS_REJECT_UNAUTHORIZED=0 npm i`, `export GIT_SSL_NO_VERIFY=1`.
fn insecure_assignment(command: &SimpleCommand, settings: &Settings) -> Option<String> {
    let words = &command.words;
    let start = usize::from(words.first().is_some_and(|w| w == "export" || w == "env"));
    words[start..]
        .iter()
        .take_while(|w| w.contains('=') && !w.starts_with('-'))
        .filter_map(|w| w.split_once('='))
        .find(|(name, value)| settings.is_insecure_env(name, value.trim_matches(['"', '\''])))
        .map(|(name, value)| format!("`{name}={}`", value.trim_matches(['"', '\''])))
}

/// The insecure option a command uses, for messages (`` `curl -k` ``).
fn insecure_command(command: &SimpleCommand) -> Option<String> {
    let (at, prog) = program(command)?;
    let args = &command.words[at + 1..];
    let has = |flag: &str| args.iter().any(|a| a == flag);
    match prog {
        "curl" => {
            let short_k = args.iter().any(|a| {
                a.starts_with('-')
                    && !a.starts_with("--")
                    && a.len() > 1
                    && a[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && a.contains('k')
            });
            (short_k || has("--insecure")).then(|| "`curl -k`".to_string())
        }
        "wget" => has("--no-check-certificate").then(|| "`wget --no-check-certificate`".to_string()),
        p if p.starts_with("pip") => {
            if let Some(key) = args.iter().find(|a| a.ends_with(".trusted-host")) {
                return Some(format!("`{p} config set {key}`"));
            }
            args.iter()
                .any(|a| a == "--trusted-host" || a.starts_with("--trusted-host="))
                .then(|| format!("`{p} --trusted-host`"))
        }
        "git" => {
            let off = args.iter().enumerate().any(|(i, a)| {
                a.eq_ignore_ascii_case("http.sslVerify=false")
                    || (a.eq_ignore_ascii_case("http.sslVerify") && args.get(i + 1).is_some_and(|v| v == "false"))
            });
            off.then(|| "`git http.sslVerify=false`".to_string())
        }
        "npm" | "yarn" | "pnpm" => (args.iter().any(|a| a == "strict-ssl" || a == "strict-ssl=false")
            && args.iter().any(|a| a == "false" || a.ends_with("=false")))
        .then(|| format!("`{prog} config set strict-ssl false`")),
        "conda" | "mamba" | "micromamba" => (args.iter().any(|a| a == "ssl_verify")
            && args.iter().any(|a| a.eq_ignore_ascii_case("false") || a == "no" || a == "0"))
        .then(|| format!("`{prog} config --set ssl_verify false`")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Security;

    #[test]
    fn dockerfile_and_compose_switches() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n    environment:\n      NODE_TLS_REJECT_UNAUTHORIZED: \"0\"\n      PYTHONHTTPSVERIFY: \"1\"\n",
            &[(
                "Dockerfile",
                "FROM node:20\nRUN curl -fsSLk https://x.example/i.sh | sh\nRUN curl -fsSL https://x.example/ok.sh | sh\nRUN wget --no-check-certificate https://x.example/a\nENV PYTHONHTTPSVERIFY=0\nRUN git config --global http.sslVerify false\nRUN npm config set strict-ssl false\nRUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm i\nRUN export GIT_SSL_NO_VERIFY=1 && git clone https://x.example/r\nRUN PYTHONHTTPSVERIFY=1 pip install --no-cache-dir x\n",
            )],
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "`curl -k` in `Dockerfile` turns TLS verification off",
                "`wget --no-check-certificate` in `Dockerfile` turns TLS verification off",
                "`PYTHONHTTPSVERIFY=0` in `Dockerfile` turns TLS verification off",
                "`git http.sslVerify=false` in `Dockerfile` turns TLS verification off",
                "`npm config set strict-ssl false` in `Dockerfile` turns TLS verification off",
                "`NODE_TLS_REJECT_UNAUTHORIZED=0` in `Dockerfile` turns TLS verification off",
                "`GIT_SSL_NO_VERIFY=1` in `Dockerfile` turns TLS verification off",
                "service `a` sets `NODE_TLS_REJECT_UNAUTHORIZED=0`, which turns TLS verification off",
            ]
        );
    }
}
