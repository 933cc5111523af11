//! Text shared by every output — the console, the subcommands' tables and progress lines,
//! errors, CSV and JSON: remote strings made inert, and text fitted and padded by display
//! width (a CJK character or an emoji takes two columns).
//!
//! Remote text (identifiers, failure messages, SQL, tags) reaches an output only through
//! [`inert`] (or [`inert_line`], or [`json_pretty`] for JSON): nothing a service returns can
//! move the cursor, retitle the window, recolour the terminal or reorder a line.
//!
//! Ages, durations, clock times ([`time`]) and amounts of money ([`money`]) are told the
//! same way by the console's panes and the one-shot commands.

mod cost_report;
mod money;
mod time;

pub use money::money;
pub use time::{age, ago, clock, duration, micros, rough_age, span, updated_ago};

use std::borrow::Cow;
use std::io;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// What stands in for a control character that is not part of an escape sequence.
pub const PLACEHOLDER: char = '\u{fffd}';

/// Makes a remote string safe for any output: an escape sequence (ESC or C1 introduced:
/// CSI, OSC, DCS, and two-character escapes) is removed whole; every other control
/// character (C0, DEL, C1, bidi overrides and isolates, invisible separators) becomes `�`;
/// a tab becomes a space. A zero-width joiner stays, so an emoji sequence keeps its shape.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // ESC followed by one character (ESC c, ESC 7, ESC ( B's first byte …).
                Some(next) if ('\u{20}'..='\u{7e}').contains(&next) => {
                    chars.next();
                    // ESC ( B and friends carry one more character.
                    if matches!(next, '(' | ')' | '*' | '+' | '#' | '%') {
                        chars.next();
                    }
                }
                _ => out.push(PLACEHOLDER),
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if is_unsafe(c) => out.push(PLACEHOLDER),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`inert`], on one line: line breaks become ` ⏎ ` so a message keeps to its row.
pub fn inert_line(s: &str) -> String {
    let joined = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ⏎ ");
    inert(&joined).into_owned()
}

/// Skips the rest of a control sequence (after `ESC [` or CSI): parameter and intermediate
/// bytes, then one final byte. A sequence cut short ends at the first character that
/// cannot belong to it, which is kept.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// Skips a string sequence (OSC, DCS, SOS, PM, APC) up to and with its terminator: BEL,
/// ST (`ESC \` or U+009C). An unterminated one is removed to the end of the text: it would
/// swallow what follows on a terminal too.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// A character that must not reach an output as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}' | '\u{200c}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{2028}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{feff}'
}

/// Columns a string takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts a string to at most `columns` display columns, ending with `…` when cut. The cut
/// falls between grapheme clusters: a wide character or an emoji sequence (`👩‍💻`, a flag,
/// a letter with its accents) that would straddle the edge is left out whole.
pub fn fit(s: &str, columns: usize) -> String {
    if width(s) <= columns {
        return s.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for cluster in s.graphemes(true) {
        let w = width(cluster);
        if used + w > columns - 1 {
            break;
        }
        used += w;
        out.push_str(cluster);
    }
    out.push('…');
    out
}

/// Wraps a string into at most `lines` lines of at most `columns` display columns, at
/// spaces (a word wider than a line is cut between grapheme clusters); when the text does
/// not fit, the last line ends with `…`, so a cut is always seen.
pub fn wrap(s: &str, columns: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if columns == 0 || lines == 0 {
        return out;
    }
    let mut line = String::new();
    let mut cut = false;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let spacer = usize::from(!line.is_empty());
        if width(&line) + spacer + width(word) <= columns {
            if spacer == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        if out.len() == lines {
            cut = true;
            break;
        }
        if width(word) <= columns {
            line.push_str(word);
        } else {
            // A word wider than a line fills lines of its own.
            let mut rest = word;
            while width(rest) > columns {
                let head = fit(rest, columns + 1);
                let head = head.trim_end_matches('…');
                out.push(head.to_string());
                rest = &rest[head.len()..];
                if out.len() == lines {
                    cut = true;
                    break;
                }
            }
            if cut {
                break;
            }
            line.push_str(rest);
        }
    }
    if !line.is_empty() {
        if out.len() == lines {
            cut = true;
        } else {
            out.push(line);
        }
    }
    if cut && let Some(last) = out.last_mut() {
        // The last line makes room for `…` at its end.
        let kept = fit(&format!("{last} x"), columns);
        let kept = if kept.ends_with('…') {
            kept
        } else {
            format!(
                "{}…",
                fit(last, columns.saturating_sub(1)).trim_end_matches('…')
            )
        };
        *last = kept;
    }
    out
}

/// Fits a string to exactly `columns` display columns: cut with `…`, or padded with spaces
/// on the right.
pub fn pad(s: &str, columns: usize) -> String {
    let mut out = fit(s, columns);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

/// Fits a string to exactly `columns` display columns, aligned right (numbers).
pub fn pad_left(s: &str, columns: usize) -> String {
    let fitted = fit(s, columns);
    let w = width(&fitted);
    let mut out: String = std::iter::repeat_n(' ', columns.saturating_sub(w)).collect();
    out.push_str(&fitted);
    out
}

/// A writer that lets text through only as [`inert`] makes it, line by line: the way every
/// subcommand writes to standard output and standard error, so a remote string formatted
/// into any message, table or progress line cannot reach the terminal raw. Line breaks are
/// kept; a partial line waits for its end or for `flush` (a prompt).
pub struct InertWriter<W: io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: io::Write> InertWriter<W> {
    /// Wraps a writer.
    pub fn new(inner: W) -> Self {
        InertWriter {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes out `pending[..end]`, made inert, and keeps the rest.
    fn emit(&mut self, end: usize) -> io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..end).collect();
        let text = String::from_utf8_lossy(&chunk);
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            self.inner.write_all(inert(line).as_bytes())?;
            if lines.peek().is_some() {
                self.inner.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}

impl<W: io::Write> io::Write for InertWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.emit(last + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A character cut by the buffer's end waits for its other bytes.
        let end = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        self.emit(end)?;
        self.inner.flush()
    }
}

impl<W: io::Write> Drop for InertWriter<W> {
    fn drop(&mut self) {
        let end = self.pending.len();
        let _ = self.emit(end);
        let _ = self.inner.flush();
    }
}

/// Writes a JSON value indented, with every character that [`is_unsafe`] escaped as a
/// `\u` escape of its UTF-16 code units (`\u009b`, `\u202e`; serde_json escapes C0
/// controls only), so JSON printed on a terminal is inert while a JSON reader gets the
/// text back exactly.
pub fn write_json_pretty<W: io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, InertJson::default());
    value.serialize(&mut serializer).map_err(io::Error::other)
}

/// A JSON value as indented text with unsafe characters escaped (see [`write_json_pretty`]).
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    write_json_pretty(&mut out, value).expect("writing JSON to memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// serde_json's pretty formatter, escaping what [`is_unsafe`] names inside strings.
#[derive(Default)]
struct InertJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(inert("plain"), "plain");
        assert_eq!(inert("a\x1b[2Jb"), "ab");
        assert_eq!(inert("\x1b[31mred\x1b[0m text"), "red text");
        assert_eq!(inert("x\x1b]0;title\x07y"), "xy");
        assert_eq!(
            inert("x\x1b]8;;http://h/\x1b\\link\x1b]8;;\x1b\\y"),
            "xlinky"
        );
        assert_eq!(inert("c1\u{9b}31mred"), "c1red");
        assert_eq!(inert("osc\u{9d}0;t\u{9c}end"), "oscend");
        assert_eq!(inert("\x1bcreset"), "reset");
        assert_eq!(inert("\x1b(Bascii"), "ascii");
    }

    #[test]
    fn other_controls_become_a_visible_placeholder() {
        assert_eq!(inert("bell\x07"), "bell\u{fffd}");
        assert_eq!(inert("del\x7f"), "del\u{fffd}");
        assert_eq!(inert("nel\u{85}x"), "nel\u{fffd}x");
        assert_eq!(inert("bidi \u{202e}gnp.exe"), "bidi \u{fffd}gnp.exe");
        assert_eq!(inert("iso\u{2067}x\u{2069}"), "iso\u{fffd}x\u{fffd}");
        assert_eq!(inert("tab\there"), "tab here");
        assert_eq!(inert("lone \x1b"), "lone \u{fffd}");
        assert_eq!(inert_line("line one\nline two\r\n"), "line one ⏎ line two");
        assert_eq!(inert_line("a\r\nb"), "a ⏎ b");
    }

    #[test]
    fn an_emoji_sequence_keeps_its_joiner() {
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(inert(family), family);
    }

    #[test]
    fn nothing_unsafe_survives_any_input() {
        let hostile = "\x1b[2J\x1b]0;t\x07\u{9b}1m\u{85}\u{202e}\x00\x7f\x1bP1;2q\x1b\\ok";
        assert!(!inert(hostile).chars().any(is_unsafe));
        assert!(inert(hostile).ends_with("ok"));
    }

    #[test]
    fn the_inert_writer_cleans_every_line_and_keeps_line_breaks() {
        use std::io::Write;
        let mut out = Vec::new();
        {
            let mut w = InertWriter::new(&mut out);
            write!(w, "✔ start \x1b]0;owned\x07task: ").unwrap();
            write!(w, "\x1b[31mred\x1b[0m\nnext \u{9b}2J").unwrap();
            w.write_all("line \u{202e}\n数".as_bytes()).unwrap();
            // A wide character cut between two writes stays whole.
            let bytes = "据\n".as_bytes();
            w.write_all(&bytes[..1]).unwrap();
            w.flush().unwrap();
            w.write_all(&bytes[1..]).unwrap();
            write!(w, "Go ahead? [y/N] ").unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "✔ start task: red\nnext line \u{fffd}\n数据\nGo ahead? [y/N] "
        );
    }

    #[test]
    fn fitting_and_padding_go_by_display_width() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("数据仓库", 5), "数据…");
        assert_eq!(width(&fit("数据仓库", 4)), 3);
        assert_eq!(pad("数据", 6), "数据  ");
        assert_eq!(width(&pad("数据仓库管理", 7)), 7);
        assert_eq!(pad_left("42", 5), "   42");
        assert_eq!(width(&pad("🚀 load", 10)), 10);
        assert_eq!(fit("x", 0), "");
    }

    #[test]
    fn fitting_never_splits_an_emoji_sequence_or_a_cluster() {
        let woman_coder = "👩\u{200d}💻";
        let target = format!("{woman_coder}{woman_coder}-deploy");
        let cut = fit(&target, 4);
        assert_eq!(cut, format!("{woman_coder}…"));
        assert!(width(&cut) <= 4);
        // Narrower than the sequence: nothing of it, not its first half.
        assert_eq!(fit(&target, 2), "…");
        let flag = "🇫🇷🇩🇪";
        assert_eq!(fit(flag, 3), "🇫🇷…");
        // A letter keeps its combining accent.
        assert_eq!(fit("e\u{301}e\u{301}xyz", 2), "e\u{301}…");
        assert_eq!(width(&pad(&target, 7)), 7);
    }

    #[test]
    fn wrapping_ends_a_cut_with_an_ellipsis() {
        let text = "✖ Cost Explorer: not answered — check the network and the credentials";
        assert_eq!(wrap(text, 40, 3).len(), 2);
        assert!(!wrap(text, 40, 3).concat().contains('…'));
        let cut = wrap(text, 30, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut.iter().all(|l| width(l) <= 30), "{cut:?}");
        assert!(cut[1].ends_with('…'), "{cut:?}");
        assert_eq!(cut[0], "✖ Cost Explorer: not answered");
        // A word wider than a line is cut, and the cut shows.
        let long = wrap(&"x".repeat(50), 20, 2);
        assert_eq!(long, vec!["x".repeat(20), format!("{}…", "x".repeat(19))]);
        assert_eq!(wrap("short", 20, 2), vec!["short"]);
    }

    #[test]
    fn json_escapes_c1_and_bidi_controls_and_reads_back_exactly() {
        let text = "a\u{9b}31m b\u{202e}c \x1b[0m 数据 👨\u{200d}👩";
        let value = serde_json::json!({ "message": text });
        let printed = json_pretty(&value);
        assert!(
            !printed.chars().any(|c| is_unsafe(c) && c != '\n'),
            "{printed:?}"
        );
        assert!(printed.contains("\\u009b") && printed.contains("\\u202e"));
        let back: serde_json::Value = serde_json::from_str(&printed).unwrap();
        assert_eq!(back["message"], text);
        assert!(printed.contains("数据"));
    }
}
