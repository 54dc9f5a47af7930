//! `resources/app-memory-exceeds-limit`: an application memory setting larger than the container's limit.

use plimsoll_sdk::model::{Origin, Project, Service};
use plimsoll_sdk::units::{GIB, KIB, MIB, format_bytes};
use plimsoll_sdk::{Report, Severity, Subject, query, subject};

use super::memory_limit_key;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Reads the memory settings of the application inside a container and compares them with the
    /// container's memory limit:
    /// - Node.js `--max-old-space-size=<MiB>`;
    /// - JVM `-Xmx<size>`, and `-XX:MaxRAMPercentage` above `jvm-max-ram-percentage`;
    /// - Redis `--maxmemory <size>` (Redis units: `1gb` is 1024³ bytes, `1g` is 10⁹);
    /// - Postgres `shared_buffers` (`-c shared_buffers=768MB`): above
    ///   `postgres-shared-buffers-high` % of the limit is high, above `postgres-shared-buffers-low` % is low;
    /// - MongoDB `--wiredTigerCacheSizeGB`.
    ///
    /// They are read from the effective command and entrypoint (compose, else the image's
    /// `CMD`/`ENTRYPOINT`) and from the environment variables in `options-env-vars`
    /// (`NODE_OPTIONS`, `JAVA_OPTS`, `JAVA_TOOL_OPTIONS`, …, compose or the image's `ENV`).
    /// Services without a memory limit are left to `memory-limit-missing`.
    ///
    /// ## Why is this bad?
    /// The application plans its memory on its own setting, not on the container's limit. When
    /// the heap or cache grows past the limit, the kernel kills the container (exit 137) instead
    /// of the application evicting keys or collecting garbage: a crash loop under load that never
    /// shows in a quiet test.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.2
    ///     command: ["redis-server", "--maxmemory", "2gb"]
    ///     deploy: { resources: { limits: { memory: 1G } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.2
    ///     command: ["redis-server", "--maxmemory", "800mb"]
    ///     deploy: { resources: { limits: { memory: 1G } } }
    /// ```
    ///
    /// ## Settings
    /// - `jvm-max-ram-percentage` (default `90`).
    /// - `postgres-shared-buffers-high` (default `40`) and `postgres-shared-buffers-low` (default `25`).
    /// - `options-env-vars`: environment variables whose value holds runtime options.
    ///
    /// ## References
    /// - [Node.js: --max-old-space-size](https://nodejs.org/api/cli.html#--max-old-space-sizesize-in-mib)
    /// - [Java: -Xmx and MaxRAMPercentage](https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html)
    /// - [Redis: maxmemory](https://redis.io/docs/latest/operate/oss_and_stack/management/config/)
    /// - [Postgres: shared_buffers](https://www.postgresql.org/docs/current/runtime-config-resource.html)
    /// - [MongoDB: --wiredTigerCacheSizeGB](https://www.mongodb.com/docs/manual/reference/program/mongod/)
    pub static RULE = {
        id: "app-memory-exceeds-limit",
        severity: High,
        category: "resources",
        summary: "application memory setting is larger than the container's memory limit",
    }
}

/// A memory setting found in an application's arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum AppSetting {
    /// Node.js old-space heap, bytes.
    NodeHeap(u64),
    /// JVM maximum heap, bytes.
    JvmHeap(u64),
    /// JVM heap as a percentage of the container's memory.
    JvmPercent(f64),
    /// Redis `maxmemory`, bytes.
    RedisMaxmemory(u64),
    /// Postgres `shared_buffers`, bytes.
    SharedBuffers(u64),
    /// MongoDB WiredTiger cache, bytes.
    WiredTigerCache(u64),
}

/// A setting with the text it was written as.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The setting.
    pub setting: AppSetting,
    /// As written (`-Xmx6g`, `maxmemory 2gb`).
    pub text: String,
}

/// Find the memory settings in a list of words (each word is split on whitespace first).
pub fn parse_args<S: AsRef<str>>(words: &[S]) -> Vec<Found> {
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.as_ref().split_whitespace()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].trim_matches(|c| c == '"' || c == '\'');
        let next = tokens.get(i + 1).map(|n| n.trim_matches(|c| c == '"' || c == '\''));
        let mut push = |setting: Option<AppSetting>, text: String| {
            if let Some(setting) = setting {
                out.push(Found { setting, text });
            }
        };
        if let Some(v) = t.strip_prefix("--max-old-space-size=").or_else(|| t.strip_prefix("--max_old_space_size=")) {
            push(v.parse::<f64>().ok().map(|mib| AppSetting::NodeHeap((mib * MIB as f64) as u64)), t.to_string());
        } else if (t == "--max-old-space-size" || t == "--max_old_space_size") && next.is_some() {
            let v = next.unwrap_or_default();
            push(v.parse::<f64>().ok().map(|mib| AppSetting::NodeHeap((mib * MIB as f64) as u64)), format!("{t} {v}"));
            i += 1;
        } else if let Some(v) = t.strip_prefix("-Xmx") {
            push(jvm_size(v).map(AppSetting::JvmHeap), t.to_string());
        } else if let Some(v) = t.strip_prefix("-XX:MaxRAMPercentage=") {
            push(v.parse::<f64>().ok().map(AppSetting::JvmPercent), t.to_string());
        } else if (t == "--maxmemory" || t == "maxmemory") && next.is_some() {
            let v = next.unwrap_or_default();
            push(redis_size(v).map(AppSetting::RedisMaxmemory), format!("maxmemory {v}"));
            i += 1;
        } else if let Some(v) = t.trim_start_matches('-').strip_prefix("shared_buffers=") {
            push(postgres_size(v).map(AppSetting::SharedBuffers), format!("shared_buffers={v}"));
        } else if let Some(v) = t.strip_prefix("--wiredTigerCacheSizeGB=") {
            push(gib(v).map(AppSetting::WiredTigerCache), t.to_string());
        } else if t == "--wiredTigerCacheSizeGB" && next.is_some() {
            let v = next.unwrap_or_default();
            push(gib(v).map(AppSetting::WiredTigerCache), format!("{t} {v}"));
            i += 1;
        }
        i += 1;
    }
    out
}

fn split_number(text: &str) -> Option<(f64, String)> {
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let number: f64 = text[..end].parse().ok()?;
    (number.is_finite() && number >= 0.0).then(|| (number, text[end..].to_ascii_lowercase()))
}

/// JVM sizes: `6g`, `512m`, `1024k`, bytes without a suffix (powers of 1024).
fn jvm_size(text: &str) -> Option<u64> {
    let (n, unit) = split_number(text)?;
    let mult = match unit.as_str() {
        "" => 1,
        "k" => KIB,
        "m" => MIB,
        "g" => GIB,
        "t" => GIB * 1024,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

/// Redis sizes: `1gb` is 1024³ bytes, `1g` is 10⁹ bytes.
fn redis_size(text: &str) -> Option<u64> {
    let (n, unit) = split_number(text)?;
    let mult: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" => 1e3,
        "kb" => KIB as f64,
        "m" => 1e6,
        "mb" => MIB as f64,
        "g" => 1e9,
        "gb" => GIB as f64,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// Postgres memory units (`kB`, `MB`, `GB`, `TB`, powers of 1024); a bare number counts 8 kB pages.
fn postgres_size(text: &str) -> Option<u64> {
    let (n, unit) = split_number(text)?;
    let mult = match unit.as_str() {
        "" => 8 * KIB,
        "b" => 1,
        "kb" => KIB,
        "mb" => MIB,
        "gb" => GIB,
        "tb" => GIB * 1024,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

fn gib(text: &str) -> Option<u64> {
    let (n, unit) = split_number(text)?;
    unit.is_empty().then_some((n * GIB as f64) as u64)
}

/// Where a setting was read.
struct Source {
    /// The compose key, when the compose file sets it.
    key: Option<Vec<String>>,
    /// The Dockerfile instruction, when the image sets it.
    instruction: Option<Subject>,
    /// For messages: `command`, `JAVA_OPTS`, `the image's CMD`.
    what: String,
}

/// Report application memory settings that do not fit the service's memory limit.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(limit) = service.resources.memory_limit else { continue };
        for (found, source) in settings_of(project, service, settings) {
            judge(service, limit, &found, &source, settings, report);
        }
    }
}

fn settings_of(project: &Project, service: &Service, settings: &Settings) -> Vec<(Found, Source)> {
    let eff = &service.effective;
    let mut out = Vec::new();
    for (name, words, origin, keyword) in [
        ("entrypoint", &eff.entrypoint, eff.entrypoint_origin, "ENTRYPOINT"),
        ("command", &eff.command, eff.command_origin, "CMD"),
    ] {
        let Some(words) = words else { continue };
        for found in parse_args(words) {
            let source = match origin {
                Origin::Compose => {
                    Source { key: Some(vec![name.to_string()]), instruction: None, what: format!("`{name}`") }
                }
                _ => Source {
                    key: None,
                    instruction: image_instruction(project, service, |k, _| k == keyword),
                    what: format!("the image's `{keyword}`"),
                },
            };
            out.push((found, source));
        }
    }
    for var in &settings.options_env_vars {
        let Some(value) = query::env(&eff.environment, var) else { continue };
        let in_compose = service.environment.iter().any(|kv| &kv.name == var);
        for found in parse_args(&[value]) {
            let source = if in_compose {
                Source {
                    key: Some(vec!["environment".into(), var.clone()]),
                    instruction: None,
                    what: format!("`{var}`"),
                }
            } else {
                Source {
                    key: None,
                    instruction: image_instruction(project, service, |k, text| {
                        k == "ENV" && text.contains(var.as_str())
                    }),
                    what: format!("`{var}` in the image"),
                }
            };
            out.push((found, source));
        }
    }
    out
}

/// The last instruction of the service's image that matches.
fn image_instruction(project: &Project, service: &Service, matches: impl Fn(&str, &str) -> bool) -> Option<Subject> {
    let (df_index, dockerfile, stage) = query::target_stage(project, service)?;
    query::image_instructions(dockerfile, stage)
        .into_iter()
        .rev()
        .find(|(_, i)| matches(&i.keyword, &i.text))
        .map(|(index, _)| subject::instruction(df_index, index))
}

fn judge(service: &Service, limit: u64, found: &Found, source: &Source, settings: &Settings, report: &mut Report) {
    let limit_text = format_bytes(limit);
    let text = &found.text;
    let name = &service.name;
    let (message, severity, help) = match found.setting {
        AppSetting::NodeHeap(b) | AppSetting::JvmHeap(b) if b >= limit => (
            format!(
                "service `{name}` sets `{text}` ({} of heap) in {}, not below its {limit_text} memory limit",
                format_bytes(b),
                source.what
            ),
            None,
            "keep the heap at about 75 % of the memory limit, or raise the limit",
        ),
        AppSetting::JvmPercent(p) if p > settings.jvm_max_ram_percentage => (
            format!(
                "service `{name}` gives the jvm heap {p}% of its {limit_text} memory limit (`{text}` in {}), above {}%",
                source.what, settings.jvm_max_ram_percentage
            ),
            Some(Severity::Medium),
            "leave room for metaspace, threads and direct buffers: use at most 75-80 %",
        ),
        AppSetting::RedisMaxmemory(b) if b >= limit => (
            format!(
                "service `{name}` sets `{text}` ({}) in {}, not below its {limit_text} memory limit",
                format_bytes(b),
                source.what
            ),
            None,
            "set `maxmemory` to about 80 % of the memory limit so Redis evicts keys before the kernel kills it",
        ),
        AppSetting::WiredTigerCache(b) if b >= limit => (
            format!(
                "service `{name}` sets `{text}` ({} of cache) in {}, not below its {limit_text} memory limit",
                format_bytes(b),
                source.what
            ),
            None,
            "keep the WiredTiger cache at about 50 % of the memory limit, or raise the limit",
        ),
        AppSetting::SharedBuffers(b) => {
            let pct = b as f64 * 100.0 / limit as f64;
            let severity = if pct > settings.postgres_shared_buffers_high {
                None
            } else if pct > settings.postgres_shared_buffers_low {
                Some(Severity::Low)
            } else {
                return;
            };
            let over = if severity.is_none() {
                settings.postgres_shared_buffers_high
            } else {
                settings.postgres_shared_buffers_low
            };
            (
                format!(
                    "service `{name}` sets `{text}` in {}: {}% of its {limit_text} memory limit, above {over}%",
                    source.what,
                    (pct * 10.0).round() / 10.0
                ),
                severity,
                "keep `shared_buffers` at about 25 % of the memory limit; the page cache does the rest",
            )
        }
        _ => return,
    };
    let at = source.key.as_ref().map(|k| {
        let mut path = vec!["services".to_string(), name.clone()];
        path.extend(k.iter().cloned());
        Subject::Compose(path)
    });
    let limit_subject = subject::service(name, memory_limit_key(service));
    let mut finding = match at {
        Some(at) => report.add(&RULE, at, message).related(limit_subject),
        None => report.add(&RULE, limit_subject, message),
    };
    if let Some(instruction) = &source.instruction {
        finding = finding.related(instruction.clone());
    }
    if let Some(severity) = severity {
        finding = finding.severity(severity);
    }
    finding.help(help);
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, from_compose_with, run};

    use super::*;
    use crate::Resources;

    #[test]
    fn parses_the_real_syntaxes() {
        let got = parse_args(&["node", "--max-old-space-size=1280", "app.js"]);
        assert_eq!(got[0].setting, AppSetting::NodeHeap(1280 * MIB));
        assert_eq!(parse_args(&["-Xms1g -Xmx6g"])[0].setting, AppSetting::JvmHeap(6 * GIB));
        assert_eq!(parse_args(&["-XX:MaxRAMPercentage=80.0"])[0].setting, AppSetting::JvmPercent(80.0));
        assert_eq!(parse_args(&["redis-server", "--maxmemory", "2gb"])[0].setting, AppSetting::RedisMaxmemory(2 * GIB));
        assert_eq!(
            parse_args(&["sh", "-c", "redis-server --maxmemory 1g"])[0].setting,
            AppSetting::RedisMaxmemory(1_000_000_000)
        );
        assert_eq!(
            parse_args(&["postgres", "-c", "shared_buffers=768MB"])[0].setting,
            AppSetting::SharedBuffers(768 * MIB)
        );
        assert_eq!(
            parse_args(&["postgres", "-c", "shared_buffers=1024"])[0].setting,
            AppSetting::SharedBuffers(8 * MIB)
        );
        assert_eq!(
            parse_args(&["mongod", "--wiredTigerCacheSizeGB", "1.5"])[0].setting,
            AppSetting::WiredTigerCache(3 * GIB / 2)
        );
        assert!(parse_args(&["redis-server", "--maxmemory-policy", "allkeys-lru"]).is_empty());
    }

    fn messages(project: &Project) -> Vec<String> {
        run::<Resources>(project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn settings_above_the_limit_are_reported_and_fitting_ones_are_not() {
        let project = from_compose(
            "services:\n  redis:\n    image: redis:7\n    command: [\"redis-server\", \"--maxmemory\", \"2gb\"]\n    mem_limit: 1g\n  ok:\n    image: redis:7\n    command: redis-server --maxmemory 450mb\n    mem_limit: 512m\n  java:\n    image: j:1\n    environment: { JAVA_OPTS: -Xms1g -Xmx6g }\n    mem_limit: 4g\n  pg:\n    image: postgres:16\n    command: postgres -c shared_buffers=768MB\n    mem_limit: 3g\n",
        );
        assert_eq!(
            messages(&project),
            [
                "service `redis` sets `maxmemory 2gb` (2 GiB) in `command`, not below its 1 GiB memory limit",
                "service `java` sets `-Xmx6g` (6 GiB of heap) in `JAVA_OPTS`, not below its 4 GiB memory limit",
            ]
        );
    }

    #[test]
    fn image_env_is_read_and_points_at_the_dockerfile() {
        let project = from_compose_with(
            "services:\n  api:\n    build: .\n    mem_limit: 1g\n",
            &[("Dockerfile", "FROM node:20\nENV NODE_OPTIONS=--max-old-space-size=2048\nCMD [\"node\", \"app.js\"]\n")],
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("`NODE_OPTIONS` in the image"), "{}", findings[0].message);
        assert_eq!(findings[0].related, vec![subject::instruction(0, 1)]);
    }

    #[test]
    fn shared_buffers_thresholds() {
        let project = from_compose(
            "services:\n  pg:\n    image: postgres:16\n    command: postgres -c shared_buffers=1GB\n    mem_limit: 3g\n",
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Some(Severity::Low));
        assert_eq!(
            findings[0].message,
            "service `pg` sets `shared_buffers=1GB` in `command`: 33.3% of its 3 GiB memory limit, above 25%"
        );
    }
}
