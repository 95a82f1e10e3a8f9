//! Where a rendered table is going, and what that allows: a terminal of some width that may
//! take colour, or a pipe or file that must get the same bytes on every run.
//!
//! The library renders for a [`Screen`]; only the command line looks at the real terminal
//! ([`Screen::detect`]), so output for pipes, files, snapshots and tests stays byte-identical.

use std::io::IsTerminal;

/// Below this many columns a table is not wrapped further: cells one word wide help nobody.
const NARROWEST: usize = 40;
/// No column is narrowed below this many characters.
const NARROWEST_COLUMN: usize = 8;

/// A table's rows before layout: what [`Screen::fit`] wraps and `render::finish` draws.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows(pub Vec<Vec<String>>);

impl Rows {
    pub fn push_record<S: Into<String>>(&mut self, record: impl IntoIterator<Item = S>) {
        self.0.push(record.into_iter().map(Into::into).collect());
    }
}

/// How wide the output may be and whether it may carry colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Screen {
    /// Wrap tables to this many columns; `None` leaves them as wide as their cells.
    pub width: Option<usize>,
    /// Colour status words (pass, FAIL, …) with ANSI escapes.
    pub color: bool,
}

/// What a cell's colour means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Warn,
    Dim,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Good => "32",
            Tone::Bad => "1;31",
            Tone::Warn => "33",
            Tone::Dim => "2",
        }
    }
}

impl Screen {
    /// No wrapping, no colour: what a pipe, a file or a test gets.
    pub const PLAIN: Screen = Screen { width: None, color: false };

    /// Standard output as it is: wrapped to `COLUMNS` when that is set (as `ls` does, so a
    /// script can ask for a width), else to the terminal's width when stdout is one; coloured
    /// only on a terminal, never when `NO_COLOR` is set (no-color.org), and always when
    /// `CLICOLOR_FORCE` is set to something other than `0`.
    pub fn detect() -> Screen {
        let terminal = std::io::stdout().is_terminal();
        Screen::from_env(terminal, if terminal { stdout_columns() } else { None }, |k| std::env::var(k).ok())
    }

    /// Whether standard error may carry colour (diagnostics, log lines): the same rule as
    /// [`Screen::detect`]'s, for the other stream.
    pub fn stderr_color() -> bool {
        Screen::from_env(std::io::stderr().is_terminal(), None, |k| std::env::var(k).ok()).color
    }

    /// [`Screen::detect`] with the environment passed in, so it can be tested.
    pub fn from_env(terminal: bool, terminal_width: Option<usize>, var: impl Fn(&str) -> Option<String>) -> Screen {
        let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
        let columns = var("COLUMNS").and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0);
        let width = columns.or(if terminal { terminal_width } else { None });
        let forced = var("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
        let dumb = var("TERM").is_some_and(|t| t == "dumb");
        let color = !set("NO_COLOR") && (forced || (terminal && !dumb));
        Screen { width, color }
    }

    /// Wraps `rows` so the box-drawn table fits the screen's width: the widest columns are
    /// narrowed first, to one width they all share, and cells break between words (a word
    /// longer than its column is split). tabled's own wrapping broke multi-line cells mid-word
    /// ("n / o-op"), so the layout is done here and tabled only draws.
    pub fn fit(&self, rows: &mut Rows) {
        let Some(width) = self.width else { return };
        let columns = rows.0.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let natural: Vec<usize> = (0..columns)
            .map(|c| rows.0.iter().filter_map(|r| r.get(c)).flat_map(|cell| cell.lines()).map(chars).max().unwrap_or(0))
            .collect();
        // Modern style: "│ " before each column, " │" after the last, one space between.
        let budget = width.max(NARROWEST).saturating_sub(3 * columns + 1);
        if natural.iter().sum::<usize>() <= budget {
            return;
        }
        let fits = |cap: usize| natural.iter().map(|&n| n.min(cap)).sum::<usize>() <= budget;
        let (mut lo, mut hi) = (NARROWEST_COLUMN, natural.iter().copied().max().unwrap_or(NARROWEST_COLUMN));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid) { lo = mid } else { hi = mid - 1 }
        }
        for row in &mut rows.0 {
            for cell in row.iter_mut() {
                if cell.lines().any(|l| chars(l) > lo) {
                    *cell = cell.lines().flat_map(|l| wrap_words(l, lo)).collect::<Vec<_>>().join("\n");
                }
            }
        }
    }

    /// `text` in `tone`'s colour, when the screen takes colour.
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        if self.color { format!("\x1b[{}m{text}\x1b[0m", tone.code()) } else { text.to_string() }
    }

    /// Colours, in an already rendered table, each cell whose whole text `tone_of` recognises.
    /// Colour goes on after layout so escapes never count toward a column's width.
    pub fn paint_cells(&self, rendered: &str, tone_of: impl Fn(&str) -> Option<Tone>) -> String {
        if !self.color {
            return rendered.to_string();
        }
        let mut out = String::with_capacity(rendered.len() + 64);
        for line in rendered.split_inclusive('\n') {
            let mut first = true;
            for cell in line.split('│') {
                if !first {
                    out.push('│');
                }
                first = false;
                let word = cell.trim();
                match (word.is_empty(), tone_of(word)) {
                    (false, Some(tone)) => {
                        let at = cell.find(word).unwrap_or(0);
                        out.push_str(&cell[..at]);
                        out.push_str(&self.paint(word, tone));
                        out.push_str(&cell[at + word.len()..]);
                    }
                    _ => out.push_str(cell),
                }
            }
        }
        out
    }
}

/// The width of the terminal on standard output, as the kernel reports it.
#[cfg(unix)]
fn stdout_columns() -> Option<usize> {
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which outlives the call.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(not(unix))]
fn stdout_columns() -> Option<usize> {
    None
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// One line broken between words into lines of at most `width` characters; a word longer than
/// that is split.
fn wrap_words(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        while chars(&word) > width {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            // Split after a hyphen where one is in reach (`[HI-PROJECT-` / `EXISTS]`).
            let prefix: String = word.chars().take(width).collect();
            let cut = prefix.rfind('-').filter(|&i| i > 0).map_or(width, |i| prefix[..=i].chars().count());
            let head: String = word.chars().take(cut).collect();
            word = word.chars().skip(cut).collect();
            out.push(head);
        }
        if !current.is_empty() && chars(&current) + 1 + chars(&word) > width {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(Screen::from_env(true, Some(80), env(&[])).color);
        assert!(!Screen::from_env(false, None, env(&[])).color, "a pipe gets no colour");
        assert!(!Screen::from_env(true, Some(80), env(&[("NO_COLOR", "1")])).color);
        assert!(Screen::from_env(true, Some(80), env(&[("NO_COLOR", "")])).color, "an empty NO_COLOR is unset");
        assert!(!Screen::from_env(true, Some(80), env(&[("TERM", "dumb")])).color);
        assert!(Screen::from_env(false, None, env(&[("CLICOLOR_FORCE", "1")])).color);
        assert!(!Screen::from_env(false, None, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])).color);
    }

    #[test]
    fn width_from_columns_or_the_terminal_and_none_for_a_pipe() {
        assert_eq!(Screen::from_env(true, Some(100), env(&[])).width, Some(100));
        assert_eq!(Screen::from_env(false, Some(100), env(&[])).width, None);
        assert_eq!(Screen::from_env(false, None, env(&[("COLUMNS", "72")])).width, Some(72));
        assert_eq!(Screen::from_env(true, Some(100), env(&[("COLUMNS", "junk")])).width, Some(100));
    }

    fn drawn(rows: &Rows) -> String {
        let mut t = tabled::builder::Builder::from(rows.0.clone()).build();
        t.with(tabled::settings::Style::modern());
        t.to_string()
    }

    #[test]
    fn a_wide_table_is_wrapped_between_words_to_the_width() {
        let mut rows = Rows::default();
        rows.push_record(["id", "text"]);
        rows.push_record(["A-1".to_string(), "a fairly long sentence that cannot fit ".repeat(6)]);
        rows.push_record(["A-2", "no-op (assumed) [AL-DUPLICATE]\nmust exist [AL-ACCOUNT-EXISTS]"]);
        let before = rows.clone();
        Screen { width: Some(60), color: false }.fit(&mut rows);
        let text = drawn(&rows);
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        let words =
            |r: &Rows| r.0.iter().flatten().flat_map(|c| c.split_whitespace()).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&before), words(&rows), "every word kept whole, in order");
        let mut narrow = Rows::default();
        narrow.push_record(["x".repeat(80)]);
        Screen { width: Some(5), color: false }.fit(&mut narrow);
        assert!(drawn(&narrow).lines().all(|l| l.chars().count() <= NARROWEST), "{}", drawn(&narrow));
        let mut unchanged = before.clone();
        Screen::PLAIN.fit(&mut unchanged);
        assert_eq!(unchanged, before, "no width, no wrapping");
    }

    #[test]
    fn words_break_only_when_longer_than_the_line() {
        assert_eq!(wrap_words("no-op (assumed) [TC-DUPLICATE]", 16), ["no-op (assumed)", "[TC-DUPLICATE]"]);
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("[HI-PROJECT-EXISTS]", 14), ["[HI-PROJECT-", "EXISTS]"]);
        assert_eq!(wrap_words("", 4), [""]);
    }

    #[test]
    fn painting_colours_whole_cells_and_leaves_layout_alone() {
        let screen = Screen { width: None, color: true };
        let table = "│ passing │ pass │\n";
        let painted = screen.paint_cells(table, |w| (w == "pass").then_some(Tone::Good));
        assert_eq!(painted, "│ passing │ \x1b[32mpass\x1b[0m │\n");
        assert_eq!(Screen::PLAIN.paint_cells(table, |_| Some(Tone::Bad)), table);
    }
}
