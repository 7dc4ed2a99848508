//! `--html FILE`: the page the real `bgsim` binary writes, opened in a real browser
//! (headless Chromium through chromedriver): it draws without a script error, its marks
//! show the text report's history lines, its violations highlight their events, long idle
//! gaps are squeezed, and a run of 10,000+ events draws.

use crate::common::bgsim;
use crate::common::webdriver::{Driver, Session};
use std::path::{Path, PathBuf};

/// A scenario whose name would end the page's data element if it were not escaped.
const HOSTILE: &str = "name = \"</script><script>alert(1)</script>\"\napp = \"reference\"\n\
    [[step]]\nat = \"0s\"\ndo = \"launch\"\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run_html(args: &[&str], html: &Path) -> std::process::Output {
    let mut all = vec!["run", "--transport", "memory", "--container", "memory"];
    all.extend_from_slice(args);
    all.extend(["--html", html.to_str().unwrap()]);
    bgsim(&all)
}

/// The history line of event `seq` in a text report.
fn line_of(report: &str, seq: usize) -> String {
    let prefix = format!("#{seq:<4} ");
    report
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in the report"))
        .to_string()
}

/// Opens `file` and checks it drew with no script error.
fn open_clean(session: &Session, file: &Path) {
    session.open(file);
    let errors = session.execute("return window.bgsimErrors;");
    assert_eq!(
        errors,
        serde_json::json!([]),
        "script errors in {}",
        file.display()
    );
    let sections = session.execute("return window.bgsimSections;");
    assert!(
        sections.as_u64().unwrap_or(0) >= 1,
        "the page drew: {sections}"
    );
}

#[test]
fn the_html_timeline_works_in_a_real_browser() {
    let driver = Driver::start();
    let session = driver.session();
    let dir = tempfile::tempdir().unwrap();

    // A failing run (the article's app) and a hostile name, in one page with an index.
    let hostile = write(dir.path(), "hostile.toml", HOSTILE);
    let page = dir.path().join("article.html");
    let out = run_html(
        &[
            "--app",
            "article",
            "scenarios/article-flow.toml",
            hostile.to_str().unwrap(),
        ],
        &page,
    );
    assert_eq!(out.status.code(), Some(1), "exit code unchanged by --html");
    let report = String::from_utf8(out.stdout).unwrap();
    open_clean(&session, &page);
    let index = session
        .execute("return [...document.querySelectorAll('#index li')].map(l => l.textContent);");
    let index: Vec<String> = serde_json::from_value(index).unwrap();
    assert_eq!(index.len(), 2, "{index:?}");
    assert!(index[0].starts_with("FAIL "), "{index:?}");
    assert!(
        index[1].starts_with("PASS </script><script>alert(1)</script>"),
        "the hostile name is text: {index:?}"
    );
    let scripts = session.execute("return document.scripts.length;");
    assert_eq!(scripts, 3, "no script element came from the data");

    // The lanes: the process lane, the device lanes, one per task.
    let tasks = session.execute(
        "return [document.querySelectorAll('#s0 .lane-process').length, \
         document.querySelectorAll('#s0 g.task').length, \
         JSON.parse(document.getElementById('data').textContent).scenarios[0].timeline.tasks.length, \
         document.querySelectorAll('#s0 .lane-network rect').length];",
    );
    assert_eq!(tasks[0], 1, "one process lane");
    assert!(tasks[1].as_u64().unwrap() >= 1, "task lanes: {tasks}");
    assert_eq!(tasks[1], tasks[2], "one lane per task");
    assert!(tasks[3].as_u64().unwrap() >= 1, "network lane drawn");

    // Clicking a mark of a task shows its exact history line from the text report. The
    // mark is one no other element covers, so the click is the one a user would make.
    let mark = session.execute(
        "for (const m of document.querySelectorAll('#s0 g.task rect.mark')) { \
           m.scrollIntoView({block: 'center'}); \
           const c = m.getBoundingClientRect(); \
           if (document.elementFromPoint(c.x + c.width / 2, c.y + c.height / 2) === m) return m; } \
         return null;",
    );
    let mark = Session::element_of(&mark);
    session.click(&mark);
    let clicked: usize = session
        .execute("return +document.getElementById('detail-title').textContent.match(/Event #(\\d+)/)[1];")
        .as_u64()
        .unwrap() as usize;
    let shown = session.text(&session.find("#detail-line"));
    assert_eq!(shown, line_of(&report, clicked), "the mark's history line");

    // Clicking a violation highlights exactly its events and lists them.
    let json = bgsim(&[
        "run",
        "--transport",
        "memory",
        "--container",
        "memory",
        "--app",
        "article",
        "scenarios/article-flow.toml",
        "--format",
        "json",
        "--quiet",
    ]);
    // The first violation line of the JSON report (docs/json.md).
    let first: serde_json::Value = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "violation")
        .expect("the article fails its flow");
    let events: Vec<u64> = serde_json::from_value(first["events"].clone()).unwrap();
    assert!(!events.is_empty());
    session.click(&session.find("#s0 li.violation"));
    let lit = session.execute(
        "return [...new Set([...document.querySelectorAll('#s0 rect.mark.hl')].map(m => +m.dataset.seq))].sort((a, b) => a - b);",
    );
    let lit: Vec<u64> = serde_json::from_value(lit).unwrap();
    assert_eq!(
        lit, events,
        "the violation {} highlights its events",
        first["check"]
    );
    let listed = session.execute(
        "return [...document.querySelectorAll('#detail-events li')].map(l => l.textContent);",
    );
    let listed: Vec<String> = serde_json::from_value(listed).unwrap();
    let expected: Vec<String> = events
        .iter()
        .map(|&e| line_of(&report, e as usize))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        session.execute("return window.bgsimErrors;"),
        serde_json::json!([])
    );

    // Seven days: the nights offline are squeezed, each break labelled with its length.
    let week = dir.path().join("week.html");
    let out = run_html(&["benches/timeline-7d.toml"], &week);
    assert_eq!(out.status.code(), Some(0));
    open_clean(&session, &week);
    let labels = session
        .execute("return [...document.querySelectorAll('.gap-label')].map(l => l.textContent);");
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("⋯ ") && l.contains('h')),
        "{labels:?}"
    );

    // 10,000+ events: the page draws them, measured by the page itself.
    let many = many_downloads(dir.path(), 800);
    let big = dir.path().join("many.html");
    let out = run_html(&[many.to_str().unwrap(), "--quiet"], &big);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    open_clean(&session, &big);
    let facts = session.execute(
        "const t = JSON.parse(document.getElementById('data').textContent).scenarios[0].timeline; \
         const before = document.querySelectorAll('#s0 rect.mark').length; \
         const started = performance.now(); document.querySelector('#s0 button.zoom:nth-of-type(2)').click(); \
         return [t.lines.length, window.bgsimRenderMs, performance.now() - started, \
                 before, window.bgsimErrors.length, document.querySelectorAll('#s0 g.task').length, \
                 document.querySelector('#s0 .range').textContent];",
    );
    let events = facts[0].as_u64().unwrap();
    let (render_ms, zoom_ms) = (facts[1].as_f64().unwrap(), facts[2].as_f64().unwrap());
    eprintln!(
        "{events} events, {} task lanes: first draw {render_ms:.0} ms ({} marks), a zoom {zoom_ms:.0} ms (to {})",
        facts[5], facts[3], facts[6]
    );
    assert!(events >= 10_000, "{events} events");
    assert!(
        facts[3].as_u64().unwrap() > 1000,
        "marks drawn: {}",
        facts[3]
    );
    assert_eq!(facts[4], 0, "no script error while zooming");
    // Generous: a slow shared CI machine; what matters is that it draws at all.
    assert!(render_ms < 10_000.0 && zoom_ms < 10_000.0);
}

/// A scenario with `count` small downloads started at once.
fn many_downloads(dir: &Path, count: usize) -> PathBuf {
    let mut text = String::from(
        "name = \"many small downloads\"\napp = \"reference\"\nmax_events = 1000000\n\
         [network]\nbandwidth = \"1GiB/s\"\n[[fixture]]\npath = \"/small.bin\"\nsize = \"4KiB\"\nseed = 3\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    );
    for i in 0..count {
        text.push_str(&format!(
            "[[step]]\nat = \"{}us\"\ndo = \"download\"\nurl = \"/small.bin\"\nto = \"Documents/d{i}.bin\"\n",
            1_000_000 + i
        ));
    }
    write(dir, "many.toml", &text)
}

#[test]
fn an_unwritable_html_file_is_named_before_anything_runs() {
    let out = bgsim(&[
        "run",
        "scenarios/article-flow.toml",
        "--html",
        "/nonexistent-dir/x.html",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write /nonexistent-dir/x.html"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn the_same_run_gives_the_same_page_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    run_html(
        &["--app", "article", "scenarios/article-flow.toml", "--quiet"],
        &a,
    );
    run_html(
        &["--app", "article", "scenarios/article-flow.toml", "--quiet"],
        &b,
    );
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 10_000);
    assert!(a == b, "two runs, two different pages");
}

#[test]
fn fuzz_html_without_a_failure_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fuzz.html");
    let out_dir = dir.path().join("failures");
    let out = bgsim(&[
        "fuzz",
        "--runs",
        "3",
        "--jobs",
        "1",
        "--out",
        out_dir.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Nothing failed: no run to show."));
}

#[test]
fn fuzz_html_shows_the_shrunk_failure_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fuzz.html");
    let out_dir = dir.path().join("failures");
    let args = [
        "fuzz",
        "--app",
        "lc-01-force-quit-as-failure",
        "--runs",
        "200",
        "--seed",
        "1",
    ];
    let more = [
        "--out",
        out_dir.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ];
    let out = bgsim(&[&args[..], &more[..]].concat());
    assert_eq!(out.status.code(), Some(1), "exit code unchanged by --html");
    let html = std::fs::read_to_string(&page).unwrap();
    let file = std::fs::read_dir(&out_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(html.contains("bgsim fuzz: shrunk failure"));
    assert!(
        html.contains(&format!("The shrunk failure {}", file.display())),
        "names its file"
    );
    assert!(
        html.contains("\"passed\":false"),
        "the replay fails as the campaign's run did"
    );
}
