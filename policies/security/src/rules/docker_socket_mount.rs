//! `security/docker-socket-mount`: the Docker (or Podman, containerd) socket mounted into a container.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{MountKind, Project};
use plimsoll_sdk::query::glob_match;

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags bind mounts of a container runtime socket: `/var/run/docker.sock`, Podman's, containerd's.
    /// Read-only mounts are reported too: `:ro` protects the socket file, not the API behind it.
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the Docker API can start a privileged container that mounts `/`: access
    /// to the socket is root on the host. A vulnerability in the service (a dashboard, a CI runner,
    /// an auto-updater) becomes a full host compromise.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   portainer:
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock
    /// ```
    ///
    /// ## Use instead
    /// Put a filtering proxy in front of the API (e.g. `tecnativa/docker-socket-proxy` allowing only
    /// the endpoints needed), use rootless Docker, or record an exception with the reason.
    ///
    /// ## Settings
    /// - `socket-paths`: globs of socket paths (default `*/docker.sock`, `*/podman.sock`,
    ///   `*/containerd.sock`, `*/crio.sock`).
    ///
    /// ## References
    /// - [Docker: protect the Docker daemon socket](https://docs.docker.com/engine/security/protect-access/)
    /// - [OWASP Docker security cheat sheet, rule 1](https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html)
    pub static RULE = {
        id: "docker-socket-mount",
        severity: High,
        category: "security",
        summary: "container runtime socket is mounted into the container",
    }
}

/// Report every bind mount of a runtime socket.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (index, mount) in service.volumes.iter().enumerate() {
            if mount.kind != MountKind::Bind {
                continue;
            }
            let Some(source) = &mount.source else { continue };
            if !settings.socket_paths.iter().any(|p| glob_match(p, source)) {
                continue;
            }
            let ro = if mount.read_only { " (read-only does not limit the API)" } else { "" };
            report
                .add(
                    &RULE,
                    entry(&service.name, "volumes", index),
                    format!(
                        "service `{}` mounts the container runtime socket `{source}`{ro}: it can take over the host",
                        service.name
                    ),
                )
                .help("remove the mount, or put a filtering socket proxy in front of it");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn sockets_and_not_their_neighbours() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    volumes:\n      - /var/lib/docker/containers:/var/lib/docker/containers:ro\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n",
        );
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`/var/run/docker.sock` (read-only does not limit the API)"));
    }
}
