//! The teaching report in a real browser: Debian's Chromium, headless, over the site
//! `sharesim report` writes for the whole library (plain and `--quiz`) and over the live page
//! every `sharesim serve` listener has (`/_sharesim/ui`).
//!
//! - Each kind of page (home, differences, a rule, a provider, a scenario, a quiz scenario, the
//!   live page and a live rule page) is screenshotted and the PNG decoded: it is drawn (many
//!   colours, enough ink) and styled (the header's colour is there, so the stylesheet loaded);
//!   its DOM, as Chromium built it, holds the elements that kind of page is for; and the
//!   console stays silent. The pages carry no script, so any console message at all is the
//!   browser complaining about the page (this Chromium logs `console.error` at INFO, so a
//!   message's level cannot tell an error from a log anyway).
//! - Every page of both sites, each in a 400 px wide frame of one page, has nothing to scroll
//!   sideways: a narrow screen needs no horizontal scrolling except inside a table's own
//!   scroll region. One screenshot is taken 400 px wide.
//! - Each kind of page, printed to PDF, hides the navigation and fits the paper's width:
//!   nothing wider than the page, no scroll region cutting a table off.
//! - A link check over the written files: every `href`/`src` that is not `http(s)` names a file
//!   of the site (and its `#fragment` an `id` there), relatively, never a directory; every
//!   page is reached from `index.html`; every rule of every provider, every provider and every
//!   scenario file under `scenarios/` has its page, and there is no other page. The live pages'
//!   links are fetched and must answer 200.
//! - Every page of both sites and the live pages parse as HTML5 with `html5lib` in strict
//!   mode (pinned in `tests/sdk/requirements.txt`, found as `tests/registry_clients.rs` finds
//!   its Python), and follow the accessibility rules checked here: a language, a title, one
//!   `h1` and no skipped heading level, alt text on images, a label on every SVG, header
//!   cells with a scope in every table, a summary in every `details`, no script; and the
//!   stylesheet's text colours reach a contrast of 4.5:1 on its backgrounds.
//!
//! Chromium: `.ci/run` installs it (`apt-get install chromium`) and names it in
//! `SHARESIM_CHROMIUM`. It is required when that variable or `CI` is set; elsewhere a machine
//! without it skips the browser checks, saying so on stderr (the checks without a browser
//! still run). Chromium talks to nothing but the files and 127.0.0.1: every other host name is
//! mapped to nowhere.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sharesim::Provider;

#[path = "support/python.rs"]
mod support_python;
#[path = "support/serve.rs"]
mod support_serve;
#[path = "support/tool.rs"]
mod support_tool;
use support_python::python;
use support_serve::Served;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sharesim")
}

fn library() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// This test binary's directory under `target/`, emptied once per run.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

// ----- the sites -----------------------------------------------------------------------------

struct Sites {
    plain: PathBuf,
    quiz: PathBuf,
}

/// `sharesim report --out DIR [--quiz] scenarios/`, once per run.
fn sites() -> &'static Sites {
    static SITES: OnceLock<Sites> = OnceLock::new();
    SITES.get_or_init(|| {
        let build = |name: &str, quiz: bool| {
            let out = scratch().join(name);
            let mut cmd = Command::new(bin());
            cmd.arg("report").arg("--out").arg(&out);
            if quiz {
                cmd.arg("--quiz");
            }
            let run = cmd.arg(library()).output().expect("sharesim report runs");
            assert!(
                run.status.success(),
                "sharesim report{} failed: {}{}",
                if quiz { " --quiz" } else { "" },
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            );
            out
        };
        Sites { plain: build("site", false), quiz: build("quiz", true) }
    })
}

/// Every file under `root`, as `/`-separated paths relative to it.
fn files(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

fn html_files(root: &Path) -> Vec<String> {
    files(root).into_iter().filter(|f| f.ends_with(".html")).collect()
}

fn read(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One page of each kind: (what, path in the site).
const KINDS: [(&str, &str); 5] = [
    ("the home page", "index.html"),
    ("the differences page", "differences.html"),
    ("a rule page", "rules/HS-LIMIT-500.html"),
    ("a provider page", "providers/huawei-swr.html"),
    ("a scenario page", "scenarios/share__share-then-use.html"),
];

// ----- HTML, read plainly --------------------------------------------------------------------

/// The start tags of a page (`<name …>`), in order. Text and attribute values are escaped
/// (`&lt;`, `&gt;`), so a `<` followed by a letter starts a tag.
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let is_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        if is_tag {
            out.push(&rest[..end]);
        }
        rest = &rest[if is_tag { end } else { 1 }..];
    }
    out
}

/// A tag's name, lower-cased.
fn tag_name(tag: &str) -> String {
    tag[1..].split(|c: char| c.is_whitespace() || c == '>' || c == '/').next().unwrap_or("").to_ascii_lowercase()
}

/// A tag's attribute value (`name="…"`), decoded.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let value = &tag[start..start + tag[start..].find('"')?];
    Some(
        value
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&#x2f;", "/")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// A tag's attribute names, in order (values skipped, quoted or not).
fn attr_names(tag: &str) -> Vec<String> {
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let mut chars = inner.chars().skip_while(|c| !c.is_whitespace()).peekable();
    let mut names = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let name: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=')).collect();
        if name.is_empty() {
            return names;
        }
        names.push(name.to_ascii_lowercase());
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(q) => while chars.next().is_some_and(|c| c != q) {},
                None => while chars.next_if(|c| !c.is_whitespace()).is_some() {},
            }
        }
    }
}

/// Every `id` a page defines.
fn ids(html: &str) -> BTreeSet<String> {
    tags(html).into_iter().filter_map(|t| attr(t, "id")).collect()
}

/// Every `href` and `src` of a page, decoded.
fn links(html: &str) -> Vec<String> {
    tags(html).into_iter().flat_map(|t| [attr(t, "href"), attr(t, "src")]).flatten().collect()
}

// ----- links ---------------------------------------------------------------------------------

/// The link check over a written site: what is wrong, and which pages each page links to.
fn check_site_links(root: &Path) -> (Vec<String>, BTreeMap<String, BTreeSet<String>>) {
    let all = files(root);
    let mut problems = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut id_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in all.iter().filter(|f| f.ends_with(".html")) {
        let html = read(root, page);
        let dir: Vec<&str> = page.rsplit_once('/').map_or(vec![], |(d, _)| d.split('/').collect());
        let edges = graph.entry(page.clone()).or_default();
        for link in links(&html) {
            if link.starts_with("https://") || link.starts_with("http://") {
                continue;
            }
            let (path, fragment) = match link.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (link.as_str(), None),
            };
            let scheme = path.find(':').is_some_and(|c| !path[..c].contains('/'));
            if path.starts_with('/') || scheme {
                problems.push(format!("{page}: `{link}` is not relative"));
                continue;
            }
            let target = if path.is_empty() {
                page.clone()
            } else {
                if path.ends_with('/') {
                    problems.push(format!("{page}: `{link}` names a directory"));
                    continue;
                }
                let mut parts = dir.clone();
                let mut above = false;
                for seg in path.split('/') {
                    match seg {
                        ".." => above |= parts.pop().is_none(),
                        "." | "" => {}
                        s => parts.push(s),
                    }
                }
                let resolved = parts.join("/");
                if above || !all.contains(&resolved) {
                    let why = if root.join(&resolved).is_dir() { "names a directory" } else { "names no file" };
                    problems.push(format!("{page}: `{link}` ({resolved}) {why}"));
                    continue;
                }
                resolved
            };
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                if !target.ends_with(".html") {
                    problems.push(format!("{page}: `{link}` has a fragment but is not a page"));
                    continue;
                }
                let ids = id_cache.entry(target.clone()).or_insert_with(|| ids(&read(root, &target)));
                if !ids.contains(fragment) {
                    problems.push(format!("{page}: `{link}`: {target} has no id `{fragment}`"));
                }
            }
            edges.insert(target);
        }
    }
    (problems, graph)
}

/// Every page of a site is reached from its home page, and every other file from a page.
fn unreached(graph: &BTreeMap<String, BTreeSet<String>>, all: &BTreeSet<String>) -> Vec<String> {
    let mut seen = BTreeSet::from(["index.html".to_string()]);
    let mut queue = VecDeque::from(["index.html".to_string()]);
    while let Some(page) = queue.pop_front() {
        for next in graph.get(&page).into_iter().flatten() {
            if seen.insert(next.clone()) {
                queue.push_back(next.clone());
            }
        }
    }
    all.difference(&seen).cloned().collect()
}

/// The pages a site of the whole library must have.
fn expected_pages() -> BTreeSet<String> {
    let mut pages = BTreeSet::from(["index.html".to_string(), "differences.html".to_string()]);
    for p in Provider::ALL {
        pages.insert(format!("providers/{}.html", p.name()));
        for rule in p.spec().rules {
            pages.insert(format!("rules/{}.html", rule.id));
        }
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("scenarios/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    let mut scenarios = Vec::new();
    walk(&library(), &mut scenarios);
    assert!(scenarios.len() > 10, "the library is there: {scenarios:?}");
    for s in scenarios {
        pages.insert(format!("scenarios/{}.html", sharesim::scenario::snapshot::name_for(&s, &library())));
    }
    pages
}

#[test]
fn every_internal_link_resolves_and_every_rule_provider_and_scenario_has_its_page() {
    let expected = expected_pages();
    for root in [&sites().plain, &sites().quiz] {
        let all = files(root);
        let pages: BTreeSet<String> = all.iter().filter(|f| f.ends_with(".html")).cloned().collect();
        let missing: Vec<_> = expected.difference(&pages).collect();
        assert!(missing.is_empty(), "{}: pages missing: {missing:#?}", root.display());
        let extra: Vec<_> = pages.difference(&expected).collect();
        assert!(extra.is_empty(), "{}: pages nothing asks for: {extra:#?}", root.display());
        assert!(all.contains("style.css"), "{}: no style.css", root.display());
        let (problems, graph) = check_site_links(root);
        assert!(problems.is_empty(), "{}: {} broken links: {problems:#?}", root.display(), problems.len());
        let links: usize = graph.values().map(BTreeSet::len).sum();
        assert!(links > pages.len() * 5, "{}: the pages link to each other ({links} links)", root.display());
        let lost = unreached(&graph, &all);
        assert!(lost.is_empty(), "{}: not reached from index.html: {lost:#?}", root.display());
    }
}

#[test]
fn the_link_check_finds_what_it_is_for() {
    let dir = scratch().join("links-self-check");
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    std::fs::write(dir.join("style.css"), "").expect("written");
    std::fs::write(
        dir.join("index.html"),
        "<a href=\"sub/a.html#there\">ok</a><a href=\"sub/a.html#nowhere\">x</a><a href=\"/abs.html\">x</a>\
         <a href=\"sub/\">x</a><a href=\"sub\">x</a><a href=\"missing.html\">x</a><a href=\"https://example.com/\">ok</a>\
         <a href=\"../outside.html\">x</a><a href=\"javascript:void(0)\">x</a><link href=\"style.css\">",
    )
    .expect("written");
    std::fs::write(dir.join("sub/a.html"), "<h2 id=\"there\">a</h2><a href=\"../index.html?x=1&amp;y=2\">x</a>")
        .expect("written");
    let (problems, graph) = check_site_links(&dir);
    let text = problems.join("\n");
    for needle in [
        "`sub/a.html#nowhere`: sub/a.html has no id `nowhere`",
        "`/abs.html` is not relative",
        "`sub/` names a directory",
        "`sub` (sub) names a directory",
        "`missing.html` (missing.html) names no file",
        "`../outside.html`",
        "`javascript:void(0)` is not relative",
        "`../index.html?x=1&y=2` (index.html?x=1&y=2) names no file",
    ] {
        assert!(text.contains(needle), "the check misses {needle}:\n{text}");
    }
    assert_eq!(problems.len(), 8, "{text}");
    assert!(unreached(&graph, &files(&dir)).is_empty());
}

// ----- accessibility, read from the markup -----------------------------------------------------

/// What keeps one page from being readable by everyone, without a script, on any device.
fn accessibility_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let tags = tags(html);
    let named = |n: &'static str| tags.iter().filter(move |t| tag_name(t) == n);
    if !named("html").any(|t| attr(t, "lang").is_some_and(|l| !l.is_empty())) {
        problems.push("no `<html lang>`".to_string());
    }
    let title = html.split_once("<title>").and_then(|(_, r)| r.split_once("</title>")).map(|(t, _)| t.trim());
    if title.is_none_or(str::is_empty) {
        problems.push("no title".into());
    }
    if !named("meta").any(|t| attr(t, "name").as_deref() == Some("viewport")) {
        problems.push("no viewport meta".into());
    }
    if named("main").count() != 1 {
        problems.push("not one `<main>`".into());
    }
    let levels: Vec<u8> = tags
        .iter()
        .filter_map(|t| {
            let n = tag_name(t);
            let level = n.strip_prefix('h')?.parse::<u8>().ok()?;
            (n.len() == 2 && (1..=6).contains(&level)).then_some(level)
        })
        .collect();
    if levels.iter().filter(|&&l| l == 1).count() != 1 || levels.first() != Some(&1) {
        problems.push(format!("headings do not start with the one h1: {levels:?}"));
    }
    for pair in levels.windows(2) {
        if pair[1] > pair[0] + 1 {
            problems.push(format!("heading level skipped: h{} then h{}", pair[0], pair[1]));
        }
    }
    for t in named("img") {
        if attr(t, "alt").is_none() {
            problems.push(format!("image without alt text: {t}"));
        }
    }
    for (i, t) in tags.iter().enumerate() {
        if tag_name(t) != "svg" {
            continue;
        }
        // Labelled by itself (`aria-label`, or `aria-labelledby` its own `<title>`), by the
        // `role="img"` element it sits in, or hidden from assistive technology.
        let inline = html.split(*t).nth(1).unwrap_or("");
        let titled = inline.split("</svg>").next().unwrap_or("").contains("<title");
        let own =
            attr(t, "aria-label").is_some_and(|l| !l.is_empty()) || (attr(t, "aria-labelledby").is_some() && titled);
        let by_parent = i > 0 && {
            let parent = tags[i - 1];
            attr(parent, "role").as_deref() == Some("img") && attr(parent, "aria-label").is_some_and(|l| !l.is_empty())
        };
        let hidden = attr(t, "aria-hidden").as_deref() == Some("true");
        if !(own || by_parent || hidden) {
            problems.push(format!("SVG without a label: {t}"));
        }
    }
    for (i, table) in html.split("<table").enumerate().skip(1) {
        let table = table.split("</table>").next().unwrap_or("");
        if !table.contains("<th ") && !table.contains("<th>") {
            problems.push(format!("table {i} has no header cells"));
        }
    }
    for t in named("th") {
        if attr(t, "scope").is_none() {
            problems.push(format!("header cell without a scope: {t}"));
        }
    }
    if named("details").count() != named("summary").count() {
        problems.push("a `<details>` without its `<summary>`".into());
    }
    for t in tags.iter().filter(|t| attr(t, "tabindex").is_some()) {
        if attr(t, "aria-label").is_none() || attr(t, "role").is_none() {
            problems.push(format!("a focusable region without a role and label: {t}"));
        }
    }
    if named("script").count() > 0 {
        problems.push("a script (the pages are read without JavaScript)".into());
    }
    for t in &tags {
        if attr_names(t).iter().any(|n| n.len() > 2 && n.starts_with("on")) {
            problems.push(format!("an event handler attribute: {t}"));
        }
    }
    problems
}

#[test]
fn every_page_has_a_language_headings_alt_text_table_headers_and_no_script() {
    let mut problems = Vec::new();
    for root in [&sites().plain, &sites().quiz] {
        for page in html_files(root) {
            for p in accessibility_problems(&read(root, &page)) {
                problems.push(format!("{}/{page}: {p}", root.file_name().unwrap_or_default().to_string_lossy()));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems: {problems:#?}", problems.len());
}

#[test]
fn the_accessibility_check_finds_what_it_is_for() {
    let page = "<!DOCTYPE html><html><head><title> </title></head><body><main><h2>x</h2><h4>y</h4>\
                <img src=\"a.png\"><svg viewBox=\"0 0 1 1\"></svg><table><tr><td>1</td></tr></table>\
                <table><tr><th>h</th></tr></table><details>x</details><div tabindex=\"0\">x</div>\
                <p onclick=\"x()\">x</p><script>1</script></main></body></html>";
    assert_eq!(attr_names("<p title=\"a onx=b\" class=x data-on='y' hidden>"), ["title", "class", "data-on", "hidden"]);
    let problems = accessibility_problems(page).join("\n");
    for needle in [
        "no `<html lang>`",
        "no title",
        "no viewport meta",
        "headings do not start with the one h1",
        "heading level skipped: h2 then h4",
        "image without alt text",
        "SVG without a label",
        "table 1 has no header cells",
        "header cell without a scope",
        "`<details>` without its `<summary>`",
        "focusable region without a role and label",
        "a script",
        "an event handler attribute",
    ] {
        assert!(problems.contains(needle), "the check misses {needle}:\n{problems}");
    }
}

/// WCAG's relative luminance of an sRGB colour.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn hex(s: &str) -> Option<[u8; 3]> {
    let h = s.trim().strip_prefix('#')?;
    let h: String = match h.len() {
        3 => h.chars().flat_map(|c| [c, c]).collect(),
        6 => h.to_string(),
        _ => return None,
    };
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[test]
fn the_stylesheet_colours_have_enough_contrast() {
    let css = sharesim::report::STYLE;
    let mut css_plain = String::new();
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        css_plain.push_str(&rest[..i]);
        rest = rest[i..].split_once("*/").map_or("", |(_, r)| r);
    }
    css_plain.push_str(rest);
    // (selector, property, value), variables resolved.
    let mut decls = Vec::new();
    let mut vars = BTreeMap::new();
    for block in css_plain.split('}') {
        let Some((head, body)) = block.rsplit_once('{') else { continue };
        let selector = head.rsplit('{').next().unwrap_or("").trim().to_string();
        for d in body.split(';') {
            if let Some((prop, value)) = d.split_once(':') {
                let (prop, value) = (prop.trim().to_string(), value.trim().to_string());
                if prop.starts_with("--") {
                    vars.insert(prop.clone(), value.clone());
                }
                decls.push((selector.clone(), prop, value));
            }
        }
    }
    let colour = |v: &str| -> Option<[u8; 3]> {
        let v = v.trim();
        match v.strip_prefix("var(").and_then(|r| r.strip_suffix(')')) {
            Some(name) => hex(vars.get(name.trim())?),
            None => hex(v),
        }
    };
    let on_header = |sel: &str| sel.split(',').all(|s| s.trim().starts_with("header"));
    let texts: Vec<_> = decls
        .iter()
        .filter(|(sel, p, _)| (p == "color" || p == "fill") && !on_header(sel))
        .filter_map(|(sel, _, v)| Some((sel.clone(), colour(v)?)))
        .collect();
    let mut backgrounds: Vec<_> = decls
        .iter()
        .filter(|(sel, p, _)| (p == "background" || p == "background-color") && !on_header(sel))
        .filter_map(|(sel, _, v)| Some((sel.clone(), colour(v)?)))
        .collect();
    backgrounds.push(("the page".into(), colour("var(--bg)").expect("--bg is a colour")));
    assert!(texts.len() >= 6 && backgrounds.len() >= 6, "the stylesheet is read: {texts:?} {backgrounds:?}");
    let mut low = Vec::new();
    for (ts, t) in &texts {
        for (bs, b) in &backgrounds {
            let c = contrast(*t, *b);
            if c < 4.5 {
                low.push(format!("`{ts}` on `{bs}`: {c:.2}"));
            }
        }
    }
    // The header: its links on its own background.
    let header_bg = decls.iter().find(|(s, p, _)| s == "header" && p == "background").and_then(|(_, _, v)| colour(v));
    let header_fg = decls.iter().find(|(s, p, _)| s == "header a" && p == "color").and_then(|(_, _, v)| colour(v));
    match (header_bg, header_fg) {
        (Some(b), Some(t)) if contrast(t, b) < 4.5 => low.push(format!("header links: {:.2}", contrast(t, b))),
        (Some(_), Some(_)) => {}
        other => panic!("the header's colours are not found: {other:?}"),
    }
    assert!(low.is_empty(), "contrast under 4.5:1: {low:#?}");
}

// ----- HTML5 -----------------------------------------------------------------------------------

/// Parses each file with html5lib in strict mode; what it reports, one line a file.
fn html5_errors(files: &[PathBuf]) -> Vec<String> {
    const SCRIPT: &str = r#"
import sys
import html5lib
from html5lib.html5parser import ParseError

for path in sys.argv[1:]:
    parser = html5lib.HTMLParser(strict=True)
    with open(path, "rb") as f:
        try:
            parser.parse(f, transport_encoding="utf-8")
        except ParseError as e:
            (line, col), code, data = parser.errors[-1]
            print(f"{path}:{line}:{col}: {code} {data}: {e}")
print("checked", len(sys.argv) - 1)
"#;
    let py = match python() {
        Ok(p) => p,
        Err(e) => panic!("{e}\nThe HTML5 check needs Python 3 and html5lib from PyPI; .ci/run sets them up."),
    };
    let out = Command::new(py).arg("-c").arg(SCRIPT).args(files).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(&format!("checked {}", files.len())),
        "the html5lib script failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().filter(|l| !l.starts_with("checked ")).map(str::to_string).collect()
}

#[test]
fn every_page_is_valid_html5() {
    let mut all = Vec::new();
    for root in [&sites().plain, &sites().quiz] {
        all.extend(html_files(root).into_iter().map(|f| root.join(f)));
    }
    // The check itself: what HTML has no syntax for, and a character it forbids.
    let page = |body: &str| {
        format!("<!DOCTYPE html><html lang=\"en\"><head><title>x</title></head><body>{body}</body></html>")
    };
    let bad = [scratch().join("xml-declaration.html"), scratch().join("nul.html")];
    std::fs::write(&bad[0], page("<?xml version=\"1.0\"?><svg></svg>")).expect("written");
    std::fs::write(&bad[1], page("<pre>a\u{0}b</pre>")).expect("written");
    let errors = html5_errors(&bad);
    assert!(
        errors.len() == 2
            && errors[0].contains("expected-tag-name-but-got-question-mark")
            && errors[1].contains("invalid-codepoint"),
        "{errors:#?}"
    );
    assert!(all.len() > 400, "both sites are there: {}", all.len());
    let errors = html5_errors(&all);
    assert!(errors.is_empty(), "{} pages are not valid HTML5:\n{}", errors.len(), errors.join("\n"));
}

// ----- Chromium --------------------------------------------------------------------------------

/// Chromium: `SHARESIM_CHROMIUM`, else `chromium` on `PATH` (`support/tool.rs`).
fn chromium() -> Option<Chromium> {
    support_tool::find("chromium", "SHARESIM_CHROMIUM", "chromium").map(|exe| Chromium { exe })
}

struct Chromium {
    exe: PathBuf,
}

/// What one Chromium run left: its stdout and the page's console messages.
struct Ran {
    stdout: String,
    console: Vec<String>,
}

/// What our probes write on the console; every other message is the browser's.
const PROBE: &str = "sharesim-probe:";

impl Chromium {
    /// One headless run on `url`, alone (the machine has two cores), in a fresh profile.
    fn run(&self, args: &[String], url: &str) -> Ran {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = scratch().join(format!("chromium-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).expect("a profile directory");
        let file = |name: &str| std::fs::File::create(dir.join(name)).expect("an output file");
        let mut child = Command::new(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-proxy-server",
                // Nothing but 127.0.0.1: every host name resolves to nowhere.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .args(args)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("stderr"))
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.exe.display()));
        // Not a measurement: a hung browser must not hang the test run.
        let deadline = Instant::now() + Duration::from_secs(300);
        let status = loop {
            if let Some(status) = child.try_wait().expect("waits") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} {url} did not finish within 5 minutes");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = std::fs::read_to_string(dir.join("stdout")).unwrap_or_default();
        let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
        assert!(status.success(), "chromium {args:?} {url} exited {status}:\n{stderr}");
        // Old builds write `CONSOLE(12)] "…"`, new ones `INFO:CONSOLE:12] "…"`.
        let console = stderr
            .lines()
            .filter(|l| l.contains("CONSOLE(") || l.contains(":CONSOLE:"))
            .map(|l| l.split_once("] ").map_or(l, |(_, m)| m).to_string())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        Ran { stdout, console }
    }

    /// A screenshot `width` × `height`, decoded, and what the console said.
    fn screenshot(&self, url: &str, width: u32, height: u32) -> (Shot, Vec<String>) {
        static SHOTS: AtomicUsize = AtomicUsize::new(0);
        let png = scratch().join(format!("shot-{}.png", SHOTS.fetch_add(1, Ordering::Relaxed)));
        let ran =
            self.run(&[format!("--window-size={width},{height}"), format!("--screenshot={}", png.display())], url);
        let shot = Shot::read(&png);
        let _ = std::fs::remove_file(&png);
        (shot, ran.console)
    }

    /// The DOM as Chromium built it, and what the console said.
    fn dom(&self, url: &str) -> (String, Vec<String>) {
        let ran = self.run(&["--window-size=1280,1600".into(), "--dump-dom".into()], url);
        (ran.stdout, ran.console)
    }
}

fn file_url(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let encoded: String = path
        .to_string_lossy()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("file://{encoded}")
}

/// The header's background (`style.css`): present in a screenshot only if the stylesheet loaded.
const HEADER: [u8; 3] = [0x0d, 0x24, 0x40];

/// A decoded screenshot, summed up.
#[derive(Debug)]
struct Shot {
    width: u32,
    height: u32,
    /// How many different colours it has.
    colours: usize,
    /// How many pixels are not white.
    ink: usize,
    /// How many pixels have the header's colour.
    header: usize,
}

impl Shot {
    fn read(path: &Path) -> Shot {
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("no screenshot {}: {e}", path.display()));
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        let bytes = &buf[..info.buffer_size()];
        let pixel = |chunk: &[u8]| -> [u8; 3] {
            match info.color_type {
                png::ColorType::Rgb | png::ColorType::Rgba => [chunk[0], chunk[1], chunk[2]],
                png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => [chunk[0]; 3],
                png::ColorType::Indexed => unreachable!("EXPAND turns palettes into RGB"),
            }
        };
        let step = info.color_type.samples();
        let (mut colours, mut ink, mut header) = (BTreeSet::new(), 0, 0);
        for chunk in bytes.chunks_exact(step) {
            let p = pixel(chunk);
            colours.insert(p);
            ink += usize::from(p != [255, 255, 255]);
            header += usize::from(p == HEADER);
        }
        Shot { width: info.width, height: info.height, colours: colours.len(), ink, header }
    }

    /// Not blank: many colours, some ink, the header drawn across the page.
    fn assert_drawn(&self, what: &str, width: u32) {
        assert_eq!(self.width, width, "{what}: the screenshot's width: {self:?}");
        let pixels = (self.width * self.height) as usize;
        assert!(self.colours >= 64, "{what}: a blank screenshot (only {} colours): {self:?}", self.colours);
        assert!(self.ink * 50 >= pixels, "{what}: a blank screenshot (under 2% ink): {self:?}");
        assert!(
            self.header >= self.width as usize * 20,
            "{what}: no header drawn in its colour, so style.css did not load: {self:?}"
        );
    }
}

fn assert_silent(what: &str, console: &[String]) {
    assert!(console.is_empty(), "{what}: the console is not silent (these pages have no script): {console:#?}");
}

fn assert_holds(what: &str, dom: &str, needles: &[&str]) {
    assert!(dom.contains("</html>"), "{what}: no DOM came out: {dom}");
    for needle in needles {
        assert!(dom.contains(needle), "{what}: the DOM lacks {needle}");
    }
}

/// What each kind of page is for, as elements of its DOM.
fn expected_elements(path: &str) -> Vec<&'static str> {
    let common = ["<header>", "<main id=\"main\">", "<footer>", "<h1"];
    let own: &[&str] = match path {
        "index.html" => &[
            "<table class=\"matrix\">",
            "<th scope=\"row\">Recipient identity</th>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"",
            "<title id=\"chart-title\">",
            "<ul class=\"cards\">",
            "href=\"scenarios/share__share-then-use.html\"",
            "href=\"rules/HS-LIMIT-500.html\"",
        ],
        "differences.html" => &["<ul class=\"diffs\">", "<ul class=\"outcomes\">", "href=\"scenarios/"],
        "rules/HS-LIMIT-500.html" => &[
            "<h1><code>HS-LIMIT-500</code></h1>",
            "<blockquote>",
            "rel=\"external\"",
            "<h2 id=\"shown\">",
            "href=\"../providers/huawei-swr.html\"",
        ],
        "providers/huawei-swr.html" => &[
            "<figure class=\"diagram\"",
            "<svg",
            "<figcaption>",
            "<pre>digraph",
            "href=\"../rules/HS-LIMIT-500.html\"",
        ],
        "scenarios/share__share-then-use.html" => &[
            "<table class=\"steps\">",
            "<tr id=\"step-1\"",
            "class=\"differs\"",
            "<td class=\"ok\">",
            "<td class=\"refused\">",
            "<tr class=\"wire\">",
            "href=\"../providers/jdcloud.html\"",
        ],
        other => panic!("no expectations for {other}"),
    };
    common.iter().chain(own).copied().collect()
}

#[test]
fn every_kind_of_page_renders_in_chromium_with_nothing_on_the_console() {
    let Some(browser) = chromium() else { return };
    let site = &sites().plain;
    for (what, path) in KINDS {
        let url = file_url(&site.join(path));
        let (shot, console) = browser.screenshot(&url, 1280, 1600);
        shot.assert_drawn(what, 1280);
        assert_silent(what, &console);
        let (dom, console) = browser.dom(&url);
        assert_holds(what, &dom, &expected_elements(path));
        assert_silent(what, &console);
    }
    // A narrow screen: the scenario page 400 px wide is drawn, its header too.
    let url = file_url(&site.join("scenarios/share__share-then-use.html"));
    let (shot, console) = browser.screenshot(&url, 400, 900);
    shot.assert_drawn("a scenario page, 400 px wide", 400);
    assert_silent("a scenario page, 400 px wide", &console);
    // The quiz: outcomes behind a closed `<details>` each.
    let what = "a quiz scenario page";
    let url = file_url(&sites().quiz.join("scenarios/share__share-then-use.html"));
    let (shot, console) = browser.screenshot(&url, 1280, 1600);
    shot.assert_drawn(what, 1280);
    assert_silent(what, &console);
    let (dom, console) = browser.dom(&url);
    assert_holds(
        what,
        &dom,
        &["<table class=\"steps\">", "<details class=\"quiz\"><summary>predict, then open</summary>"],
    );
    assert!(!dom.contains("<details class=\"quiz\" open"), "{what}: an outcome is open before a click");
    assert_silent(what, &console);
}

/// A copy of a page with a probe script appended, outside the site (which other tests read
/// meanwhile); a `<base>` keeps its links leading where the page's own do.
fn probed(page: &Path, script: &str) -> PathBuf {
    static PROBES: AtomicUsize = AtomicUsize::new(0);
    let html = std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    assert!(html.contains("<head>") && html.contains("</body>"), "{}: no <head> or </body>", page.display());
    let dir = file_url(page.parent().expect("a directory"));
    let html = html.replacen("<head>", &format!("<head><base href=\"{dir}/\">"), 1).replacen(
        "</body>",
        &format!("<script>{script}</script></body>"),
        1,
    );
    let probe = scratch().join(format!("probe-{}.html", PROBES.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&probe, html).expect("written");
    probe
}

/// Splits a probed run's console into the probe's lines and anything else.
fn probe_lines(console: Vec<String>) -> (Vec<String>, Vec<String>) {
    let (probe, other): (Vec<_>, Vec<_>) = console.into_iter().partition(|l| l.contains(PROBE));
    let probe = probe
        .into_iter()
        .map(|l| l.split(PROBE).nth(1).unwrap_or("").split("\", source:").next().unwrap_or("").trim().to_string())
        .collect();
    (probe, other)
}

#[test]
fn no_page_of_the_site_scrolls_sideways_on_a_narrow_screen() {
    let Some(browser) = chromium() else { return };
    for root in [&sites().plain, &sites().quiz] {
        // Every page in a frame 400 px wide, checked when all have loaded (the frames hold
        // the harness's load event back until they have). Files may read files here
        // (`--allow-file-access-from-files`), so the frames' documents are open to the probe.
        let pages = html_files(root);
        let frames: String = pages
            .iter()
            .map(|p| {
                format!(
                    "<iframe width=\"400\" height=\"300\" src=\"{}\" title=\"{p}\"></iframe>\n",
                    file_url(&root.join(p))
                )
            })
            .collect();
        let script = format!(
            "addEventListener('load', () => {{ let n = 0; for (const f of document.querySelectorAll('iframe')) {{ \
             const d = f.contentDocument.documentElement; n++; \
             if (d.scrollWidth > d.clientWidth) console.log('{PROBE} wide ' + f.title + ' ' + d.scrollWidth + ' > ' + d.clientWidth); \
             if (d.clientWidth !== 400) console.log('{PROBE} frame ' + f.title + ' is ' + d.clientWidth); }} \
             console.log('{PROBE} checked ' + n); }});"
        );
        let harness = scratch().join(format!("narrow-{}.html", root.file_name().unwrap_or_default().to_string_lossy()));
        std::fs::write(
            &harness,
            format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>narrow</title></head><body>\n{frames}<script>{script}</script></body></html>"
            ),
        )
        .expect("written");
        let ran = browser.run(&["--allow-file-access-from-files".into(), "--dump-dom".into()], &file_url(&harness));
        let _ = std::fs::remove_file(&harness);
        let (probe, other) = probe_lines(ran.console);
        assert_silent(&format!("{}: the pages in frames", root.display()), &other);
        assert!(
            probe.last().is_some_and(|l| l == &format!("checked {}", pages.len())),
            "{}: the probe did not check every page: {probe:#?}",
            root.display()
        );
        let wide: Vec<_> = probe.iter().filter(|l| !l.starts_with("checked ")).collect();
        assert!(wide.is_empty(), "{}: pages that scroll sideways 400 px wide: {wide:#?}", root.display());
    }
}

#[test]
fn each_kind_of_page_prints_without_navigation_and_fits_the_paper() {
    let Some(browser) = chromium() else { return };
    // When print styles apply: is the navigation gone, and does anything stick out of the
    // page or out of a box that would scroll on screen (paper does not scroll)?
    let script = format!(
        "matchMedia('print').addEventListener('change', e => {{ if (!e.matches) return; \
         const root = document.documentElement, w = root.clientWidth; \
         console.log('{PROBE} header ' + getComputedStyle(document.querySelector('header')).display); \
         for (const el of document.querySelectorAll('main *')) {{ \
           const cut = getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1; \
           if (el.getBoundingClientRect().right > w + 0.5 || cut) \
             console.log('{PROBE} out ' + el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right) + ' of ' + w); }} \
         console.log('{PROBE} printed ' + w); }});"
    );
    let mut pages: Vec<(String, PathBuf)> =
        KINDS.iter().map(|(what, path)| (what.to_string(), sites().plain.join(path))).collect();
    pages.push(("a quiz scenario page".into(), sites().quiz.join("scenarios/share__share-then-use.html")));
    for (what, page) in pages {
        let what = what.as_str();
        let probe = probed(&page, &script);
        let pdf = scratch().join("print.pdf");
        let ran = browser
            .run(&["--no-pdf-header-footer".into(), format!("--print-to-pdf={}", pdf.display())], &file_url(&probe));
        let _ = std::fs::remove_file(&probe);
        let bytes = std::fs::read(&pdf).unwrap_or_default();
        let _ = std::fs::remove_file(&pdf);
        assert!(bytes.starts_with(b"%PDF") && bytes.len() > 10_000, "{what}: no PDF printed ({} bytes)", bytes.len());
        let (probe, other) = probe_lines(ran.console);
        assert_silent(what, &other);
        assert!(
            probe.last().is_some_and(|l| l.starts_with("printed ")),
            "{what}: print styles never applied: {probe:#?}"
        );
        assert!(probe.contains(&"header none".to_string()), "{what}: the navigation is printed: {probe:#?}");
        let out: Vec<_> = probe.iter().filter(|l| l.starts_with("out ")).collect();
        assert!(
            out.is_empty(),
            "{what}: {} elements wider than the paper when printed: {:#?}",
            out.len(),
            &out[..out.len().min(12)]
        );
    }
}

// ----- the live page -------------------------------------------------------------------------

/// A parsed HTTP response.
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// One request on a fresh connection (`Connection: close`), loopback only.
fn http(method: &str, addr: &str, target: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|()| s.write_all(body)).expect("sends");
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    let content_type = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.trim()))
        .unwrap_or("")
        .to_string();
    Reply { status, content_type, body: all[split + 4..].to_vec() }
}

struct Server {
    _served: Served,
    /// The SWR API listener (`127.0.0.1:port`), which also serves the admin API and the UI.
    api: String,
}

impl Server {
    fn start() -> Server {
        let served = Served::start(&["--provider", "huawei-swr"]);
        Server { api: served.addr("huawei-swr"), _served: served }
    }

    fn get(&self, target: &str) -> Reply {
        http("GET", &self.api, target, b"")
    }

    /// One engine request through `POST /_sharesim/apply`; it must succeed.
    fn apply(&self, actor: &str, op: Value) -> Value {
        let body = json!({ "actor": actor, "op": op });
        let r = http("POST", &self.api, "/_sharesim/apply", body.to_string().as_bytes());
        let out: Value = serde_json::from_slice(&r.body).expect("JSON");
        assert!(r.status == 200 && out.get("ok").is_some(), "apply {body}: {} {out}", r.status);
        out
    }
}

#[test]
fn the_live_page_and_a_live_rule_page_render_and_link_only_to_what_the_server_serves() {
    let server = Server::start();
    server.apply("owner", json!({ "op": "share", "images": ["ns-owner/base"], "recipients": ["alice"] }));
    // Admin calls are not journalled; an (unsigned, so refused) provider call is.
    assert_eq!(server.get("/v2/manage/namespaces").status, 401);
    let pages = ["/_sharesim/ui", "/_sharesim/ui/rules/HS-LIMIT-500.html"];
    // Without a browser: valid HTML5, accessible, every link answered.
    let dir = scratch().join("live");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut saved = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let r = server.get(page);
        assert_eq!(r.status, 200, "GET {page}: {}", String::from_utf8_lossy(&r.body));
        assert!(r.content_type.starts_with("text/html"), "GET {page}: {}", r.content_type);
        let html = String::from_utf8(r.body).expect("UTF-8");
        let problems = accessibility_problems(&html);
        assert!(problems.is_empty(), "{page}: {problems:#?}");
        for link in links(&html) {
            if link.starts_with("https://") || link.starts_with("http://") || link.starts_with('#') {
                continue;
            }
            assert!(link.starts_with("/_sharesim/ui/"), "{page}: `{link}` leads out of the live pages");
            let r = server.get(&link);
            assert_eq!(r.status, 200, "{page}: `{link}` answers {}", r.status);
        }
        let file = dir.join(format!("live-{i}.html"));
        std::fs::write(&file, html).expect("written");
        saved.push(file);
    }
    let errors = html5_errors(&saved);
    assert!(errors.is_empty(), "the live pages are not valid HTML5:\n{}", errors.join("\n"));

    let Some(browser) = chromium() else { return };
    let base = format!("http://{}", server.api);
    let what = "the live page";
    let url = format!("{base}/_sharesim/ui");
    let (shot, console) = browser.screenshot(&url, 1280, 1600);
    shot.assert_drawn(what, 1280);
    assert_silent(what, &console);
    let (shot, console) = browser.screenshot(&url, 400, 900);
    shot.assert_drawn("the live page, 400 px wide", 400);
    assert_silent("the live page, 400 px wide", &console);
    let (dom, console) = browser.dom(&url);
    assert_holds(
        what,
        &dom,
        &[
            "<h1>Huawei Cloud SWR — live</h1>",
            "<h2 id=\"images\">",
            "<td>alice</td>",
            "<h2 id=\"journal\">",
            "<th scope=\"col\">Decision</th>",
            "<code>GET /v2/manage/namespaces</code>",
            "<td>ListNamespaces</td>",
        ],
    );
    assert_silent(what, &console);
    let what = "a live rule page";
    let url = format!("{base}/_sharesim/ui/rules/HS-LIMIT-500.html");
    let (shot, console) = browser.screenshot(&url, 1280, 1600);
    shot.assert_drawn(what, 1280);
    assert_silent(what, &console);
    let (dom, console) = browser.dom(&url);
    assert_holds(
        what,
        &dom,
        &["<h1><code>HS-LIMIT-500</code></h1>", "<blockquote>", "href=\"/_sharesim/ui/index.html\""],
    );
    assert!(!dom.contains("Scenarios that show it"), "{what}: a section the live server has nothing for");
    assert_silent(what, &console);
}
