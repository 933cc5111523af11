//! Command mode (`:`): the commands, their parsing and Tab completion.

use super::tab::Tab;

/// A command typed after `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:dms`, `:airflow`, `:redshift`, `:cost`, `:overview`.
    Tab(Tab),
    /// `:theme NAME` (without a name: list the themes).
    Theme(Option<String>),
    /// `:help`.
    Help,
    /// `:q`, `:quit`.
    Quit,
}

/// The command words, in the order completion offers them.
const WORDS: [&str; 9] = [
    "overview", "dms", "airflow", "redshift", "cost", "theme", "help", "quit", "q",
];

/// Reads a command line; the error names what was not understood.
pub fn parse(input: &str) -> Result<Command, String> {
    let mut parts = input.split_whitespace();
    let Some(word) = parts.next() else {
        return Err("empty command".to_string());
    };
    let arg = parts.next();
    if let Some(extra) = parts.next() {
        return Err(format!("unexpected `{extra}` after `{word}`"));
    }
    let command = match word.to_lowercase().as_str() {
        "q" | "q!" | "quit" | "exit" => Command::Quit,
        "help" | "h" | "?" => Command::Help,
        "theme" => return Ok(Command::Theme(arg.map(str::to_string))),
        other => match Tab::ALL.iter().find(|t| t.command() == other) {
            Some(tab) => Command::Tab(*tab),
            None => return Err(format!("unknown command `:{word}` (try :help)")),
        },
    };
    match arg {
        Some(arg) => Err(format!("`:{word}` takes no argument, found `{arg}`")),
        None => Ok(command),
    }
}

/// Every full command line that completes `input`.
pub fn completions(input: &str, themes: &[String]) -> Vec<String> {
    match input.split_once(' ') {
        Some(("theme", prefix)) => {
            let prefix = prefix.trim_start();
            themes
                .iter()
                .filter(|t| t.starts_with(prefix))
                .map(|t| format!("theme {t}"))
                .collect()
        }
        Some(_) => Vec::new(),
        None => WORDS
            .iter()
            .filter(|w| w.starts_with(input) && !(input.is_empty() && **w == "q"))
            .map(|w| w.to_string())
            .collect(),
    }
}

/// Extends `input` as far as every completion agrees; a single completion is taken whole
/// (with a space after `theme` so its argument can follow).
pub fn complete(input: &str, themes: &[String]) -> String {
    let options = completions(input, themes);
    match options.as_slice() {
        [] => input.to_string(),
        [only] if only == "theme" => "theme ".to_string(),
        [only] => only.clone(),
        [first, rest @ ..] => {
            let mut prefix = first.clone();
            for option in rest {
                let common = prefix
                    .chars()
                    .zip(option.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                prefix = prefix.chars().take(common).collect();
            }
            if prefix.len() > input.len() {
                prefix
            } else {
                input.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("dms"), Ok(Command::Tab(Tab::Dms)));
        assert_eq!(parse(" airflow "), Ok(Command::Tab(Tab::Airflow)));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(
            parse("theme light"),
            Ok(Command::Theme(Some("light".into())))
        );
        assert_eq!(parse("theme"), Ok(Command::Theme(None)));
        assert_eq!(
            parse("dsm"),
            Err("unknown command `:dsm` (try :help)".to_string())
        );
        assert!(parse("dms now").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn completes_words_and_theme_names() {
        let themes = vec![
            "default".to_string(),
            "high-contrast".into(),
            "light".into(),
        ];
        assert_eq!(complete("re", &themes), "redshift");
        assert_eq!(complete("th", &themes), "theme ");
        assert_eq!(complete("theme l", &themes), "theme light");
        assert_eq!(complete("theme ", &themes), "theme ");
        assert_eq!(complete("zz", &themes), "zz");
        assert_eq!(completions("", &themes).len(), 8);
    }
}
