//! Property tests of the score and the decision: more or worse findings never raise the score nor
//! improve the decision, and the score stays within 0–100.

use plimsoll_check::gate::{self, Decision, Tally, decide, score};
use plimsoll_runtime::Severity;
use proptest::prelude::*;

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

fn findings() -> impl Strategy<Value = Vec<Severity>> {
    prop::collection::vec(severity(), 0..60)
}

/// A project as the score sees it: rules in force, services, findings `(rule, service, severity)`.
#[derive(Debug, Clone)]
struct Project {
    rules: Vec<(String, Severity)>,
    services: usize,
    findings: Vec<(String, Option<String>, Severity)>,
}

impl Project {
    fn tally(&self, errors: usize) -> Tally {
        Tally::new(
            self.rules.iter().map(|(r, s)| (r.as_str(), *s)),
            self.services,
            self.findings.iter().map(|(r, s, v)| (r.as_str(), s.as_deref(), *v)),
            errors,
        )
    }
    fn score(&self, errors: usize) -> u32 {
        score(self.tally(errors))
    }
}

/// A finding of one of 8 rules (rule 7 may be out of force, as a host rule is), on one of 6
/// services or on none.
fn finding() -> impl Strategy<Value = (String, Option<String>, Severity)> {
    (0usize..8, prop::option::of(0usize..6), severity())
        .prop_map(|(r, s, v)| (format!("p/r{r}"), s.map(|s| format!("s{s}")), v))
}

fn project() -> impl Strategy<Value = Project> {
    (prop::collection::vec(severity(), 0..7), 0usize..6, prop::collection::vec(finding(), 0..40)).prop_map(
        |(rules, services, findings)| Project {
            rules: rules.into_iter().enumerate().map(|(i, s)| (format!("p/r{i}"), s)).collect(),
            services,
            findings,
        },
    )
}

proptest! {
    #[test]
    fn the_score_is_between_0_and_100(p in project(), errors in 0usize..5) {
        let s = p.score(errors);
        prop_assert!(s <= 100);
        if p.findings.iter().all(|f| f.2 == Severity::Info) && errors == 0 {
            prop_assert_eq!(s, 100);
        }
        if errors > 0 {
            prop_assert!(s <= gate::ERROR_CAP);
        }
        if p.findings.iter().any(|f| f.2 == Severity::Critical) {
            prop_assert!(s <= gate::CRITICAL_CAP);
        }
    }

    #[test]
    fn more_findings_never_raise_the_score(p in project(), extra in prop::collection::vec(finding(), 0..20), errors in 0usize..5, more_errors in 0usize..3) {
        let before = p.score(errors);
        let mut more = p.clone();
        more.findings.extend(extra);
        prop_assert!(more.score(errors + more_errors) <= before);
    }

    #[test]
    fn worse_findings_never_raise_the_score(p in project(), index in any::<prop::sample::Index>(), worse in severity()) {
        prop_assume!(!p.findings.is_empty());
        let i = index.index(p.findings.len());
        prop_assume!(worse >= p.findings[i].2);
        let mut changed = p.clone();
        changed.findings[i].2 = worse;
        prop_assert!(changed.score(0) <= p.score(0));
    }

    #[test]
    fn fixing_findings_never_lowers_the_score(p in project(), keep in prop::collection::vec(any::<bool>(), 40)) {
        let mut fixed = p.clone();
        let mut k = keep.iter();
        fixed.findings.retain(|_| *k.next().unwrap_or(&true));
        prop_assert!(fixed.score(0) >= p.score(0));
    }

    #[test]
    fn the_decision_follows_the_findings(f in findings(), fail_on in severity()) {
        prop_assert_eq!(decide(&f, fail_on, 0) == Decision::Fail, f.iter().any(|s| *s >= fail_on));
    }

    #[test]
    fn more_or_worse_findings_never_improve_the_decision(f in findings(), extra in findings(), fail_on in severity(), errors in 0usize..2) {
        let before = decide(&f, fail_on, errors);
        let mut more = f.clone();
        more.extend(extra);
        prop_assert!(decide(&more, fail_on, errors) >= before);
        let worse: Vec<Severity> = f.iter().map(|_| Severity::Critical).collect();
        prop_assert!(decide(&worse, fail_on, errors) >= before);
    }

    #[test]
    fn the_decision_follows_fail_on(f in findings(), fail_on in severity()) {
        let expected = if f.iter().any(|s| *s >= fail_on) {
            Decision::Fail
        } else if f.is_empty() {
            Decision::Pass
        } else {
            Decision::Warn
        };
        prop_assert_eq!(decide(&f, fail_on, 0), expected);
        prop_assert_eq!(decide(&f, fail_on, 1), Decision::Fail);
    }
}

#[test]
fn documented_values() {
    use Severity::*;
    let p = |rules: &[Severity], services: usize, findings: &[(usize, Option<usize>, Severity)], errors: usize| {
        Project {
            rules: rules.iter().enumerate().map(|(i, s)| (format!("p/r{i}"), *s)).collect(),
            services,
            findings: findings.iter().map(|(r, s, v)| (format!("p/r{r}"), s.map(|s| format!("s{s}")), *v)).collect(),
        }
        .score(errors)
    };
    // Nothing found, or nothing applicable.
    assert_eq!(p(&[High, Low], 4, &[], 0), 100);
    assert_eq!(p(&[], 0, &[], 0), 100);
    assert_eq!(p(&[Info], 3, &[(0, Some(0), Info)], 0), 100);
    // One medium rule and one high rule on 40 services: 360 applicable weight; the high rule
    // failing on 6 of them is 36 failed, costing 4 × 36.
    let six: Vec<_> = (0..6).map(|s| (1, Some(s), High)).collect();
    assert_eq!(p(&[Medium, High], 40, &six, 0), 60);
    // Fixing half of those moves the score half-way to 100.
    assert_eq!(p(&[Medium, High], 40, &six[..3], 0), 80);
    // Two findings of one rule on one service are one failed check.
    assert_eq!(p(&[Medium, High], 40, &[(1, Some(0), High), (1, Some(0), High)], 0), 93);
    // A finding about no service is one failed check of its rule; a rule not in force only fails.
    assert_eq!(p(&[Medium, High], 40, &[(0, None, Medium), (7, None, Low)], 0), 96);
    // Caps: a critical finding, an error.
    assert_eq!(p(&[Critical], 100, &[(0, Some(0), Critical)], 0), 40);
    assert_eq!(p(&[Low], 1, &[], 1), 20);
    // Everything failing.
    assert_eq!(p(&[Low], 2, &[(0, Some(0), Low), (0, Some(1), Low)], 0), 0);
}
