//! `image/build-context-large`: a build context that sends more than `max-context-bytes`.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::format_bytes;

use crate::Settings;
use crate::common::{build_subject, context_users, plural};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags build contexts that send more than `max-context-bytes` (default 100 MiB) to the builder
    /// after `.dockerignore` is applied, naming the largest entries worth excluding.
    ///
    /// ## Why is this bad?
    /// The whole context is transferred before the first instruction runs, on every build. Large
    /// contexts — datasets, model weights, logs, virtualenvs — make builds slow, fill CI caches and
    /// usually end up in the image through `COPY . .`, which is how 3 GB images happen.
    ///
    /// ## Example
    /// A context holding `data/` (2 GiB) and `models/` (4 GiB) with no `.dockerignore` entry for them.
    ///
    /// ## Use instead
    /// Exclude them in `.dockerignore` and mount them at run time as volumes.
    ///
    /// ## Settings
    /// - `max-context-bytes`: the largest acceptable context (default `100MiB`).
    ///
    /// ## References
    /// - [Docker: build context](https://docs.docker.com/build/concepts/context/)
    pub static RULE = {
        id: "build-context-large",
        severity: Medium,
        category: "image",
        summary: "build context sends more than `max-context-bytes` to the builder",
    }
}

/// Report every context above the threshold, at each service that builds it.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let max = settings.max_context();
    for (index, services) in context_users(project) {
        let Some(context) = project.contexts.get(index as usize) else { continue };
        if context.bytes <= max {
            continue;
        }
        let mut big: Vec<_> = context.notable.iter().filter(|n| !n.ignored).collect();
        big.sort_by_key(|n| std::cmp::Reverse(n.bytes));
        let largest: Vec<String> =
            big.iter().take(3).map(|n| format!("`{}` ({})", n.path, format_bytes(n.bytes))).collect();
        let largest = if largest.is_empty() { String::new() } else { format!("; largest: {}", largest.join(", ")) };
        let bound = if context.truncated { "at least " } else { "" };
        for service in &services {
            report
                .add(
                    &RULE,
                    build_subject(service),
                    format!(
                        "build context `{}` sends {bound}{} in {}, above the {} limit{largest}",
                        context.path,
                        format_bytes(context.bytes),
                        plural(context.file_count, "file"),
                        format_bytes(max)
                    ),
                )
                .help("exclude data, weights and build output in `.dockerignore`; mount large data as volumes at run time");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn contexts_above_the_threshold() {
        let blob = "x".repeat(4096);
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", "FROM scratch\n"), (".dockerignore", "skip\n"), ("data.csv", &blob), ("skip", &blob)],
        );
        let findings: Vec<_> = run::<Image>(&project, r#"{"max-context-bytes": "2KiB"}"#)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .collect();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.starts_with("build context `.` sends 4"), "{}", findings[0].message);
        assert!(findings[0].message.contains("above the 2 KiB limit"), "{}", findings[0].message);
        let quiet = run::<Image>(&project, "");
        assert!(quiet.iter().all(|f| f.rule != super::RULE.id));
    }
}
