//! `image/download-not-verified`: a build that runs or installs something it downloaded without
//! checking it (`curl … | sh`, `ADD https://…` without `--checksum`).

use plimsoll_sdk::model::{Instruction, Project, SimpleCommand};
use plimsoll_sdk::query::program;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags, in Dockerfiles:
    /// - `RUN curl … | sh` (or `wget -O- … | bash`, `sh -c "$(curl …)"`, `bash <(curl …)`): a
    ///   script from the network piped straight into a shell;
    /// - `ADD http(s)://…` without `--checksum=sha256:…`;
    /// - a `RUN` that downloads a file with `curl -o`/`-O` or `wget` and then executes or installs
    ///   it (`chmod +x`, `sh file`, `./file`, `dpkg -i`, `rpm -i`, `tar -x`, `unzip`, `install`, a
    ///   move into a `bin` directory) when nothing in the same `RUN` verifies it (`sha256sum -c`,
    ///   `gpg --verify`, `cosign verify`, … from `verify-programs`).
    ///
    /// ## Why is this bad?
    /// TLS proves who served the file, not what it is: a compromised release page, CDN or mirror,
    /// a moved tag or a typo in the URL puts someone else's code in the image, as root, and the
    /// build stays green. A pinned checksum makes the build fail instead, and records in the
    /// Dockerfile exactly what was installed.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.example.com/install.sh | sh
    /// RUN curl -fsSLo /usr/local/bin/tool https://example.com/tool && chmod +x /usr/local/bin/tool
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// ADD --checksum=sha256:4f53e5a6… https://example.com/tool /usr/local/bin/tool
    /// RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz \
    ///     && echo "4f53e5a6…  /tmp/tool.tgz" | sha256sum -c - \
    ///     && tar -xzf /tmp/tool.tgz -C /usr/local/bin
    /// ```
    ///
    /// ## Settings
    /// - `verify-programs`: programs whose presence in a `RUN` counts as verification.
    ///
    /// ## References
    /// - [Docker: ADD --checksum](https://docs.docker.com/reference/dockerfile/#add---checksum)
    /// - [CWE-494: download of code without integrity check](https://cwe.mitre.org/data/definitions/494.html)
    pub static RULE = {
        id: "download-not-verified",
        severity: Medium,
        category: "image",
        summary: "downloaded code is run or installed without a checksum",
    }
}

/// Shells (and interpreters) that run a script read from their input.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node"];

/// Report each `ADD` of a URL without a checksum and each `RUN` that runs or installs an unverified download.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            let problem = match instruction.keyword.as_str() {
                "ADD" => unchecked_add(instruction),
                "RUN" => unverified_run(instruction, settings),
                _ => None,
            };
            let Some(problem) = problem else { continue };
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`{}` {problem}", short(&instruction.text)),
                )
                .help("pin the download's checksum: `ADD --checksum=sha256:…`, or `echo \"<sha256>  file\" | sha256sum -c -` before using it");
        }
    }
}

/// `ADD https://…` without `--checksum`.
fn unchecked_add(instruction: &Instruction) -> Option<String> {
    if instruction.flags.iter().any(|f| f.name == "checksum") {
        return None;
    }
    let (_, sources) = instruction.arguments.split_last()?;
    let url = sources.iter().find(|s| s.starts_with("http://") || s.starts_with("https://"))?;
    // A git source pinned to a commit is content-addressed already.
    let pinned_git = url.contains(".git#") && url.rsplit('#').next().is_some_and(|r| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()));
    (!pinned_git).then(|| "downloads a URL without `--checksum`".to_string())
}

/// Whether a command is a download tool.
fn is_download(command: &SimpleCommand) -> bool {
    program(command).is_some_and(|(_, p)| p == "curl" || p == "wget")
}

/// What an unverified download in a `RUN` is used for, if anything.
fn unverified_run(instruction: &Instruction, settings: &Settings) -> Option<String> {
    let commands = &instruction.commands;
    let verified = commands.iter().any(|c| {
        program(c).is_some_and(|(_, p)| settings.verify_programs.iter().any(|v| v == p))
    });
    // `curl … | sh`: a download followed by a shell that reads its input, with a pipe between.
    for pair in commands.windows(2) {
        let Some((at, shell)) = program(&pair[1]) else { continue };
        let reads_stdin = pair[1].words[at + 1..].iter().all(|w| w.starts_with('-'));
        if is_download(&pair[0]) && SHELLS.contains(&shell) && reads_stdin && pipes_into(&instruction.text, shell) {
            return Some(format!("pipes a download into `{shell}` without verifying it"));
        }
    }
    // `sh -c "$(curl …)"`, `bash <(curl …)`.
    for command in commands {
        let Some((at, shell)) = program(command) else { continue };
        if SHELLS.contains(&shell)
            && command.words[at + 1..].iter().any(|w| ["$(curl", "$(wget", "<(curl", "<(wget", "`curl", "`wget"].iter().any(|p| w.contains(p)))
        {
            return Some(format!("runs a downloaded script with `{shell}` without verifying it"));
        }
    }
    if verified {
        return None;
    }
    let files: Vec<String> = commands.iter().filter(|c| is_download(c)).filter_map(downloaded_file).collect();
    for file in &files {
        let name = file.rsplit('/').next().unwrap_or(file);
        let used = commands.iter().filter(|c| !is_download(c)).find_map(|c| uses(c, file, name));
        if let Some(how) = used {
            return Some(format!("downloads `{name}` and {how} without a checksum"));
        }
    }
    None
}

/// Whether the instruction's text pipes into `shell` (`| sh`, `|bash -s --`).
fn pipes_into(text: &str, shell: &str) -> bool {
    text.split('|').skip(1).any(|after| {
        let word = after.split_whitespace().find(|w| *w != "sudo" && !w.contains('='));
        word.is_some_and(|w| w.rsplit('/').next() == Some(shell))
    })
}

/// The file a `curl`/`wget` command writes, if it writes one (not standard output).
fn downloaded_file(command: &SimpleCommand) -> Option<String> {
    let (at, prog) = program(command)?;
    let args = &command.words[at + 1..];
    let url = args.iter().find(|a| a.starts_with("http://") || a.starts_with("https://") || a.starts_with("ftp://"))?;
    let remote_name = || url.split(['?', '#']).next().and_then(|u| u.rsplit('/').next()).filter(|n| !n.is_empty()).map(String::from);
    let value_of = |short: &str, long: &str| -> Option<String> {
        args.iter().enumerate().find_map(|(i, a)| {
            if a == short || a == long {
                return args.get(i + 1).cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{long}=")) {
                return Some(v.to_string());
            }
            // Bundled short options ending in the one that takes the value (`-fsSLo file`).
            let letter = short.strip_prefix('-')?;
            (a.starts_with('-') && !a.starts_with("--") && a.ends_with(letter) && a.len() > 2).then(|| args.get(i + 1).cloned())?
        })
    };
    let file = match prog {
        "curl" => match value_of("-o", "--output") {
            Some(f) => Some(f),
            None if args.iter().any(|a| a == "-O" || a == "--remote-name" || (a.starts_with('-') && !a.starts_with("--") && a.contains('O'))) => remote_name(),
            None => None,
        },
        // wget writes the remote name unless `-O` says otherwise.
        _ => value_of("-O", "--output-document").or_else(remote_name),
    }?;
    (file != "-" && file != "/dev/stdout").then_some(file)
}

/// How a command uses a downloaded file (`runs it`, `installs it`), if it does.
fn uses(command: &SimpleCommand, file: &str, name: &str) -> Option<&'static str> {
    let (at, prog) = program(command)?;
    let args = &command.words[at + 1..];
    let mentions = |w: &String| w == file || w == name || w.ends_with(&format!("/{name}"));
    let first = &command.words[at];
    if mentions(first) {
        return Some("runs it");
    }
    let named = args.iter().any(mentions);
    if !named {
        return None;
    }
    match prog {
        p if SHELLS.contains(&p) => Some("runs it"),
        // `+x`, `u+rx`, or an octal mode with an execute bit (`755`, not `644`).
        "chmod"
            if args.iter().any(|a| {
                (a.contains('+') && a.contains('x'))
                    || (a.chars().all(|c| c.is_ascii_digit()) && a.chars().any(|c| matches!(c, '1' | '3' | '5' | '7')))
            }) =>
        {
            Some("makes it executable")
        }
        "dpkg" | "rpm" | "apk" | "install" => Some("installs it"),
        "apt-get" | "apt" | "yum" | "dnf" | "pip" | "pip3" | "npm" => Some("installs it"),
        "tar" | "unzip" | "gunzip" | "bsdtar" => Some("unpacks it"),
        "mv" | "cp" if args.last().is_some_and(|d| d.contains("/bin")) => Some("installs it"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    fn messages(dockerfile: &str) -> Vec<String> {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", dockerfile), (".dockerignore", ".git\n")],
        );
        run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect()
    }

    #[test]
    fn piped_scripts_and_unchecked_adds() {
        let found = messages(
            "FROM debian:12\nRUN curl -fsSL https://get.example.com/i.sh | sh\nRUN wget -qO- https://x.example/i.sh | sudo bash -s -- --yes\nRUN sh -c \"$(curl -fsSL https://x.example/i.sh)\"\nADD https://x.example/tool.tgz /tmp/\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://x.example/tool.tgz /tmp/\nRUN curl -fsSL https://x.example/data.json | jq .version\n",
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].ends_with("pipes a download into `sh` without verifying it"), "{}", found[0]);
        assert!(found[1].ends_with("pipes a download into `bash` without verifying it"), "{}", found[1]);
        assert!(found[2].ends_with("runs a downloaded script with `sh` without verifying it"), "{}", found[2]);
        assert!(found[3].ends_with("downloads a URL without `--checksum`"), "{}", found[3]);
    }

    #[test]
    fn downloads_run_or_installed_need_a_checksum() {
        let found = messages(
            "FROM debian:12\nRUN curl -fsSLo /usr/local/bin/tool https://x.example/tool && chmod +x /usr/local/bin/tool\nRUN wget https://x.example/pkg.deb && dpkg -i pkg.deb\nRUN curl -fsSLO https://x.example/t.tgz && echo \"abc  t.tgz\" | sha256sum -c - && tar -xzf t.tgz\nRUN curl -fsSLo /etc/app.json https://x.example/app.json\nRUN curl -fsSLo /etc/x.conf https://x.example/x.conf && chmod 644 /etc/x.conf\n",
        );
        assert_eq!(
            found,
            [
                "`RUN curl -fsSLo /usr/local/bin/tool https://x.example/too…` downloads `tool` and makes it executable without a checksum",
                "`RUN wget https://x.example/pkg.deb && dpkg -i pkg.deb` downloads `pkg.deb` and installs it without a checksum",
            ]
        );
    }
}
