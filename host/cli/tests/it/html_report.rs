//! The HTML report in a real browser: `plimsoll check --format html` of an acceptance stack,
//! rendered by Debian's Chromium headless. The rendered page has the budget bars and the Plimsoll
//! line, its inline script ran (the filters are shown), and it made no network request — checked in
//! Chromium's own network log, with a control page that does make one to prove the check can fail.
//! The browser's background traffic goes to a dead proxy and a resolver that maps every name to
//! nothing, so nothing leaves the machine.
//!
//! Outside CI the test is skipped, with the reason printed, when Chromium is absent; CI installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::policy_common::{plimsoll, scratch, text};

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "chromium must be installed in CI (.ci/run installs it)");
        eprintln!("html_report: chromium is not installed (apt-get install chromium); skipping");
    }
    found
}

/// Chromium headless on `page` with everything that could reach the network turned off; the
/// dumped DOM and the network log's events.
fn render(browser: &Path, page: &Path, work: &Path) -> (String, serde_json::Value) {
    let log = work.join(format!("{}.netlog.json", page.file_name().unwrap().to_string_lossy()));
    let profile = work.join("profile");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", log.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "chromium: {}", text(&output));
    let dom = String::from_utf8_lossy(&output.stdout).to_string();
    let net: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&log).expect("the net log")).expect("net log JSON");
    (dom, net)
}

/// The URLs the page itself asked for (the browser's own background requests have another
/// network isolation key than the `file://` page).
fn page_requests(net: &serde_json::Value) -> Vec<String> {
    let types = net["constants"]["logEventTypes"].as_object().expect("event types");
    let start = types["URL_REQUEST_START_JOB"].as_u64().expect("URL_REQUEST_START_JOB");
    net["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start))
        .filter(|e| e["params"]["network_isolation_key"].as_str().is_some_and(|k| k.starts_with("file://")))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_html_report_renders_in_chromium_with_the_plimsoll_line_and_no_network_request() {
    let Some(browser) = chromium() else { return };
    let work = scratch("html-report");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = work.join("ziggie-before.html");
    let out =
        plimsoll(&root, &["check", "examples/ziggie-before", "--format", "html", "--output", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "the page names no URL");

    let (dom, net) = render(&browser, &page, &work);
    // The budgets: memory and CPU figures, each with its bars and the line at the usable capacity
    // (16 GiB less 2 GiB kept for the host).
    assert_eq!(dom.matches("<svg class=\"bars\"").count(), 2, "{dom}");
    assert_eq!(dom.matches("class=\"plimsoll\"").count(), 2, "{dom}");
    assert!(dom.contains("usable 14 GiB"), "the memory line is labelled with the usable capacity");
    assert!(dom.contains("<title id=\"p-examples-ziggie-before-memory-t\">"), "a text alternative for the chart");
    // The script ran: the filter form is shown and counts the rows.
    let findings = dom.matches("<tr data-severity=").count();
    assert!(findings > 50, "{findings} finding rows");
    assert!(!dom.contains("id=\"filters\" class=\"filters\" hidden"), "the script did not run");
    assert!(dom.contains(&format!("{findings} of {findings} shown")), "the filter's count");
    assert_eq!(page_requests(&net), Vec::<String>::new(), "the report made network requests");

    // The control: a page that loads a remote image is caught by the same check.
    let control = work.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\" alt=\"\"></body></html>",
    )
    .unwrap();
    let (_, net) = render(&browser, &control, &work);
    assert_eq!(page_requests(&net), ["http://example.invalid/x.png"], "the network check must see a page's request");
    let _ = std::fs::remove_dir_all(&work);
}
