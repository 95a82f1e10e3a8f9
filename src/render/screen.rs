//! Where a rendered table is going, and what that allows: a terminal of some width that may
//! take colour, or a pipe or file that must get the same bytes on every run.
//!
//! The library renders for a [`Screen`]; only the command line looks at the real terminal
//! ([`Screen::detect`]), so output for pipes, files, snapshots and tests stays byte-identical.

use std::io::IsTerminal;

use tabled::Table;
use tabled::settings::Width;
use tabled::settings::peaker::PriorityMax;

/// Below this many columns a table is not wrapped further: cells one word wide help nobody.
const NARROWEST: usize = 40;

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

    /// Wraps `table` to the screen's width, narrowing the widest columns first and breaking
    /// cells between words where it can.
    pub fn fit(&self, table: &mut Table) {
        if let Some(w) = self.width {
            let w = w.max(NARROWEST);
            if table.total_width() > w {
                table.with(Width::wrap(w).priority(PriorityMax::new(true)).keep_words(true));
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

#[cfg(test)]
mod tests {
    use super::*;
    use tabled::builder::Builder;

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

    #[test]
    fn a_wide_table_is_wrapped_between_words_to_the_width() {
        let mut b = Builder::default();
        b.push_record(["id", "text"]);
        b.push_record(["A-1", &"a fairly long sentence that cannot fit ".repeat(6)]);
        let mut t = b.build();
        Screen { width: Some(60), color: false }.fit(&mut t);
        let text = t.to_string();
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.contains("sentence"), "words stay whole: {text}");
        let mut narrow = b_table();
        Screen { width: Some(5), color: false }.fit(&mut narrow);
        assert!(narrow.to_string().lines().all(|l| l.chars().count() <= NARROWEST));
    }

    fn b_table() -> Table {
        let mut b = Builder::default();
        b.push_record(["x".repeat(80)]);
        b.build()
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
