//! A small pack written with [`plimsoll_sdk::pack!`] and [`plimsoll_sdk::rules!`], as a user writes
//! one: the macros' expansion is checked here (module files cannot live in a doctest).
//!
//! Only the SDK's own macros are under test; the rules are minimal and check nothing subtle.

pub mod rules;

use plimsoll_sdk::{ExemptServices, PackSettings};

/// Settings of the test pack.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Services left out, by name.
    pub exempt_services: ExemptServices,
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        self.exempt_services.validate()
    }
}

plimsoll_sdk::pack! {
    /// The test pack.
    pub struct Acme {
        id: "acme",
        summary: "a pack declared with the SDK's macros",
        settings: Settings,
        rules: rules,
    }
}

#[test]
fn describe_lists_the_rules_in_the_order_written() {
    let info = plimsoll_sdk::describe::<Acme>();
    assert_eq!((info.id.as_str(), info.version.as_str()), ("acme", env!("CARGO_PKG_VERSION")));
    assert_eq!(info.summary, "a pack declared with the SDK's macros");
    let ids: Vec<_> = info.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["privileged", "image-missing"]);
    assert!(info.rules[0].docs.starts_with("## What it does\nFlags privileged services."), "{}", info.rules[0].docs);
    assert!(info.settings_schema.contains(r#""exempt-services":{"description":"Services left out, by name.","type":"array","default":[],"items":{"type":"string"}}"#), "{}", info.settings_schema);
}

#[test]
fn settings_are_validated_before_the_rules_run() {
    assert!(plimsoll_sdk::validate_settings::<Acme>(r#"{"exempt-services": ["init"]}"#).is_ok());
    let err = plimsoll_sdk::validate_settings::<Acme>(r#"{"exempt-services": [""]}"#).unwrap_err();
    assert_eq!(err, "exempt-services: empty service name ``");
}

#[cfg(feature = "testkit")]
#[test]
fn check_all_runs_every_rule_in_order_with_the_settings() {
    use plimsoll_sdk::testkit::{from_compose, rule_ids, run};
    let project = from_compose(
        "services:\n  a:\n    build: .\n    privileged: true\n  b:\n    build: .\n  init:\n    build: .\n    privileged: true\n",
    );
    let findings = run::<Acme>(&project, r#"{"exempt-services": ["init"]}"#);
    assert_eq!(rule_ids(&findings), ["privileged", "image-missing", "image-missing", "image-missing"]);
    assert_eq!(findings[1].message, "service `a` has no image");
}
