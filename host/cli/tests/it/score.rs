//! Property tests of the score and the decision: more or worse findings never raise the score nor
//! improve the decision, and the score stays within 0–100.

use plimsoll_check::gate::{Decision, decide, score};
use plimsoll_runtime::Severity;
use proptest::prelude::*;

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

fn findings() -> impl Strategy<Value = Vec<Severity>> {
    prop::collection::vec(severity(), 0..60)
}

proptest! {
    #[test]
    fn the_score_is_between_0_and_100(f in findings(), errors in 0usize..5) {
        let s = score(&f, errors);
        prop_assert!(s <= 100);
        if f.iter().all(|s| *s == Severity::Info) && errors == 0 {
            prop_assert_eq!(s, 100);
        }
    }

    #[test]
    fn more_findings_never_raise_the_score(f in findings(), extra in findings(), errors in 0usize..5, more_errors in 0usize..3) {
        let before = score(&f, errors);
        let mut more = f.clone();
        more.extend(extra);
        prop_assert!(score(&more, errors + more_errors) <= before);
    }

    #[test]
    fn worse_findings_never_raise_the_score(f in findings(), index in any::<prop::sample::Index>(), worse in severity()) {
        prop_assume!(!f.is_empty());
        let i = index.index(f.len());
        prop_assume!(worse >= f[i]);
        let mut changed = f.clone();
        changed[i] = worse;
        prop_assert!(score(&changed, 0) <= score(&f, 0));
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
    assert_eq!(score(&[], 0), 100);
    assert_eq!(score(&[Info, Info], 0), 100);
    assert_eq!(score(&[Low], 0), 98); // 100·e^(−1/50)
    assert_eq!(score(&[Medium], 0), 92); // 100·e^(−4/50)
    assert_eq!(score(&[High], 0), 82); // 100·e^(−10/50)
    assert_eq!(score(&[Critical], 0), 61); // 100·e^(−25/50)
    assert_eq!(score(&[], 1), 61);
    assert_eq!(score(&[High; 10], 0), 14); // 100·e^(−2)
}
