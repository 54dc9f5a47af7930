//! A pack without settings whose rules module is not `crate::rules`, with its own version: the
//! options of [`plimsoll_sdk::pack!`] and [`plimsoll_sdk::rules!`] (one pack per test crate, as
//! each exports the component's functions).
//!
//! Only the SDK's macros are under test here.

/// Where the pack keeps its rules.
pub mod checks {
    /// The rules, with a settings type other than `crate::Settings`.
    pub mod rules {
        plimsoll_sdk::rules! {
            settings: plimsoll_sdk::NoSettings;
            privileged,
        }
    }
}

plimsoll_sdk::pack! {
    /// A pack with an explicit version.
    pub struct Bare {
        id: "bare",
        summary: "no settings, rules elsewhere",
        version: "9.9.9",
        settings: plimsoll_sdk::NoSettings,
        rules: crate::checks::rules,
    }
}

#[test]
fn the_version_and_the_rules_module_are_the_ones_given() {
    let info = plimsoll_sdk::describe::<Bare>();
    assert_eq!((info.id.as_str(), info.version.as_str()), ("bare", "9.9.9"));
    let ids: Vec<_> = info.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["privileged"]);
    assert!(plimsoll_sdk::validate_settings::<Bare>(r#"{"exempt-services": []}"#).is_err());
}

#[cfg(feature = "testkit")]
#[test]
fn check_all_uses_the_given_settings_type() {
    let project = plimsoll_sdk::testkit::from_compose("services:\n  a:\n    image: a:1\n    privileged: true\n");
    let findings = plimsoll_sdk::testkit::run::<Bare>(&project, "");
    assert_eq!(findings[0].message, "service `a` is privileged");
}
