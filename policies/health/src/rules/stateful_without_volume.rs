//! `health/stateful-without-volume`: a database or cache that keeps its data in the container's
//! writable layer.

use plimsoll_sdk::model::{MountKind, Project, Service};
use plimsoll_sdk::query::{base_image, extension_strings, glob_match, target_stage};
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services running a stateful image — Postgres, MySQL/MariaDB, MongoDB, Redis/Valkey,
    /// Elasticsearch, RabbitMQ, … (the `stateful-images` table, matched on the image's last path
    /// component, or the base of the image a service builds) — with no mount on or above the
    /// image's data directory (`/var/lib/postgresql/data`, `/data`, …). A `tmpfs` mount counts
    /// (data meant to be thrown away), and so does a mount below the directory. Redis with
    /// persistence off (`--save ""` and no `--appendonly yes`) is not reported.
    ///
    /// ## Why is this bad?
    /// Without a named volume or a bind mount, the data lives in an anonymous volume or the
    /// container layer: `docker compose down` followed by `up`, a `--force-recreate`, or an image
    /// upgrade starts with an empty database, and the old data is left in a dangling volume that
    /// the next `docker volume prune` deletes.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     volumes: [pgdata:/var/lib/postgresql/data]
    /// volumes:
    ///   pgdata:
    /// ```
    ///
    /// ## Settings
    /// - `stateful-images`: rows of `images` globs and the `data-paths` they keep data in.
    /// - `exempt-services`: services left out.
    ///
    /// ## References
    /// - [Docker: volumes](https://docs.docker.com/engine/storage/volumes/)
    pub static RULE = {
        id: "stateful-without-volume",
        severity: Medium,
        category: "health",
        summary: "database or cache keeps its data without a volume",
    }
}

/// The last path component of the image a service runs: its `image:` when it only pulls one,
/// else the base image of the stage it builds.
fn image_name(project: &Project, service: &Service) -> Option<String> {
    let image = match target_stage(project, service) {
        Some((_, dockerfile, stage)) => base_image(dockerfile, stage)?,
        None if service.build.is_none() => service.image.as_ref()?,
        None => return None,
    };
    Some(image.repository.rsplit('/').next().unwrap_or(&image.repository).to_string())
}

/// Whether a Redis service has persistence turned off on its command line.
fn redis_without_persistence(service: &Service) -> bool {
    let words: Vec<&str> = service
        .effective
        .command
        .iter()
        .flatten()
        .flat_map(|w| if w.trim().is_empty() { vec![""] } else { w.split_whitespace().collect() })
        .collect();
    let save_off = words
        .windows(2)
        .any(|w| w[0] == "--save" && (matches!(w[1], "\"\"" | "''" | "") || w[1].starts_with("--")))
        || words.last() == Some(&"--save");
    let aof_on = words.windows(2).any(|w| w[0] == "--appendonly" && w[1] == "yes");
    save_off && !aof_on
}

/// Report each stateful service without a mount on its data directory.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let Some(name) = image_name(project, service) else { continue };
        let Some(row) = settings.stateful_images.iter().find(|r| r.images.iter().any(|g| glob_match(g, &name))) else {
            continue;
        };
        if (name.contains("redis") || name == "valkey" || name == "keydb") && redis_without_persistence(service) {
            continue;
        }
        let covered = row.data_paths.iter().any(|data| {
            let data = data.trim_end_matches('/');
            service.volumes.iter().any(|m| {
                let target = m.target.trim_end_matches('/');
                matches!(m.kind, MountKind::Bind | MountKind::Volume | MountKind::Tmpfs | MountKind::Cluster)
                    && (target == data || data.starts_with(&format!("{target}/")) || target.starts_with(&format!("{data}/")) || target.is_empty())
            })
        });
        let tmpfs = extension_strings(service, "tmpfs");
        let in_tmpfs = row.data_paths.iter().any(|data| {
            tmpfs.iter().any(|t| {
                let t = t.split(':').next().unwrap_or(t).trim_end_matches('/');
                let data = data.trim_end_matches('/');
                t == data || data.starts_with(&format!("{t}/"))
            })
        });
        if covered || in_tmpfs {
            continue;
        }
        let path = row.data_paths.first().map(String::as_str).unwrap_or("/data");
        report
            .add(
                &RULE,
                subject::service(&service.name, &[]),
                format!("service `{}` ({name}) keeps its data in `{path}` without a volume", service.name),
            )
            .help(format!("mount a named volume on it: `volumes: [\"{}-data:{path}\"]`", service.name));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn data_directories_need_a_mount() {
        let project = from_compose(
            "services:\n  pg:\n    image: postgres:16\n  pg-ok:\n    image: postgres:16\n    volumes: [\"pgdata:/var/lib/postgresql/data\"]\n  my:\n    image: mariadb:11\n    volumes: [\"./db:/var/lib/mysql/\"]\n  cache:\n    image: redis:7\n    command: [redis-server, --save, \"\", --appendonly, \"no\"]\n  redis:\n    image: redis:7\n  test-db:\n    image: mongo:7\n    tmpfs: [/data/db]\n  api:\n    image: acme/api:1\nvolumes:\n  pgdata: {}\n",
        );
        let found: Vec<String> =
            run::<Health>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "service `pg` (postgres) keeps its data in `/var/lib/postgresql/data` without a volume",
                "service `redis` (redis) keeps its data in `/data` without a volume",
            ]
        );
    }
}
