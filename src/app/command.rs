//! Command mode (`:`): the commands, their parsing and Tab completion.

use super::tab::Tab;

/// A command typed after `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:dms`, `:airflow`, `:redshift`, `:cost`, `:overview`.
    Tab(Tab),
    /// `:theme NAME` (without a name: list the themes).
    Theme(Option<String>),
    /// `:env NAME` (without a name: list the environments).
    Env(Option<String>),
    /// `:cost PERIOD`: the Cost tab over a period (`30d`, `mtd`, `2026-10-01..2026-11-01`).
    CostPeriod(String),
    /// `:group service|account|region|usage-type|stage|tag:KEY`: the Cost tab's grouping.
    CostGroup(String),
    /// `:metric unblended|amortized|net-unblended`: the Cost tab's metric.
    CostMetric(String),
    /// `:recover [PIPELINE]`: the recovery plan of a pipeline's night; `:recover cancel`
    /// cancels the steps a running plan has left.
    Recover(Option<String>),
    /// `:night [PIPELINE]`: a pipeline's night as a timeline.
    Night(Option<String>),
    /// `:help`.
    Help,
    /// `:messages`: the log of the footer's recent messages.
    Messages,
    /// `:q`, `:quit`.
    Quit,
}

/// One command of the table help lists and completion offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// The word completion offers (`env`).
    pub word: &'static str,
    /// How it is typed, as help shows it (`:env [NAME]`).
    pub usage: &'static str,
    /// Other words that run it.
    pub aliases: &'static [&'static str],
    /// What it does.
    pub does: &'static str,
}

/// Every command, in the order help lists them and completion offers them. [`parse`]
/// reads exactly these words (a test holds the two together).
pub const COMMANDS: [CommandInfo; 16] = [
    CommandInfo {
        word: "overview",
        usage: ":overview",
        aliases: &[],
        does: "go to the Overview tab",
    },
    CommandInfo {
        word: "dms",
        usage: ":dms",
        aliases: &[],
        does: "go to the DMS tab",
    },
    CommandInfo {
        word: "airflow",
        usage: ":airflow",
        aliases: &[],
        does: "go to the Airflow tab",
    },
    CommandInfo {
        word: "redshift",
        usage: ":redshift",
        aliases: &[],
        does: "go to the Redshift tab",
    },
    CommandInfo {
        word: "cost",
        usage: ":cost [PERIOD]",
        aliases: &[],
        does: "the Cost tab; with a period, review it (30d, mtd, last-month, FROM..TO)",
    },
    CommandInfo {
        word: "group",
        usage: ":group G",
        aliases: &[],
        does: "Cost: group by service, account, region, usage-type, stage or tag:KEY",
    },
    CommandInfo {
        word: "metric",
        usage: ":metric M",
        aliases: &[],
        does: "Cost: unblended, amortized or net-unblended",
    },
    CommandInfo {
        word: "recover",
        usage: ":recover [PIPELINE|cancel]",
        aliases: &[],
        does: "one plan that brings a pipeline's night back to green (cancel: its remaining steps)",
    },
    CommandInfo {
        word: "night",
        usage: ":night [PIPELINE]",
        aliases: &["timeline"],
        does: "a pipeline's night as a timeline: every stage and item from the first start to now",
    },
    CommandInfo {
        word: "theme",
        usage: ":theme [NAME]",
        aliases: &[],
        does: "switch theme now (alone: list the themes)",
    },
    CommandInfo {
        word: "env",
        usage: ":env [NAME]",
        aliases: &["environment", "ctx", "context"],
        does: "switch to another environment of the config (alone: list them)",
    },
    CommandInfo {
        word: "ctx",
        usage: ":ctx [NAME]",
        aliases: &[],
        does: "the same as :env",
    },
    CommandInfo {
        word: "messages",
        usage: ":messages",
        aliases: &["log", "msgs"],
        does: "the recent messages, in full, with their times",
    },
    CommandInfo {
        word: "help",
        usage: ":help",
        aliases: &["h", "?"],
        does: "this help",
    },
    CommandInfo {
        word: "quit",
        usage: ":quit",
        aliases: &["exit", "q!"],
        does: "quit",
    },
    CommandInfo {
        word: "q",
        usage: ":q",
        aliases: &[],
        does: "quit",
    },
];

/// The commands that take an argument, completed from a list.
const WITH_ARGUMENT: [&str; 3] = ["theme", "env", "ctx"];

/// What command completion offers beyond the command words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choices<'a> {
    /// Theme names, for `:theme`.
    pub themes: &'a [String],
    /// Environment names, for `:env`.
    pub environments: &'a [String],
}

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
        "messages" | "log" | "msgs" => Command::Messages,
        "theme" => return Ok(Command::Theme(arg.map(str::to_string))),
        "recover" => return Ok(Command::Recover(arg.map(str::to_string))),
        "night" | "timeline" => return Ok(Command::Night(arg.map(str::to_string))),
        "env" | "environment" | "ctx" | "context" => {
            return Ok(Command::Env(arg.map(str::to_string)));
        }
        "cost" if arg.is_some() => {
            return Ok(Command::CostPeriod(arg.unwrap_or_default().to_string()));
        }
        "group" => {
            return arg
                .map(|a| Command::CostGroup(a.to_string()))
                .ok_or_else(|| {
                    "`:group` takes service, account, region, usage-type, stage or tag:KEY"
                        .to_string()
                });
        }
        "metric" => {
            return arg
                .map(|a| Command::CostMetric(a.to_string()))
                .ok_or_else(|| {
                    "`:metric` takes unblended, amortized or net-unblended".to_string()
                });
        }
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
pub fn completions(input: &str, choices: Choices) -> Vec<String> {
    match input.split_once(' ') {
        Some((word @ ("theme" | "env" | "ctx"), prefix)) => {
            let prefix = prefix.trim_start();
            let names = if word == "theme" {
                choices.themes
            } else {
                choices.environments
            };
            names
                .iter()
                .filter(|n| n.starts_with(prefix))
                .map(|n| format!("{word} {n}"))
                .collect()
        }
        Some(_) => Vec::new(),
        None => COMMANDS
            .iter()
            .map(|c| c.word)
            // `q` and `ctx` are short ways to `quit` and `env`: not offered on their own.
            .filter(|w| w.starts_with(input) && !(input.is_empty() && matches!(*w, "q" | "ctx")))
            .filter(|w| !matches!(*w, "env" | "ctx") || !choices.environments.is_empty())
            .map(|w| w.to_string())
            .collect(),
    }
}

/// Extends `input` as far as every completion agrees; a single completion is taken whole
/// (with a space after `theme` or `env` so the argument can follow).
pub fn complete(input: &str, choices: Choices) -> String {
    let options = completions(input, choices);
    match options.as_slice() {
        [] => input.to_string(),
        [only] if WITH_ARGUMENT.contains(&only.as_str()) => format!("{only} "),
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
        let choices = Choices {
            themes: &themes,
            environments: &[],
        };
        assert_eq!(complete("re", choices), "re");
        assert_eq!(complete("red", choices), "redshift");
        assert_eq!(complete("rec", choices), "recover");
        assert_eq!(complete("th", choices), "theme ");
        assert_eq!(complete("theme l", choices), "theme light");
        assert_eq!(complete("theme ", choices), "theme ");
        assert_eq!(complete("zz", choices), "zz");
        assert_eq!(
            completions("", choices).len(),
            13,
            "no :env without environments"
        );
    }

    /// The table help lists is the table parse reads: every word and alias of it runs its
    /// command, and a word outside it is unknown.
    #[test]
    fn the_command_table_is_what_parse_reads() {
        for info in COMMANDS {
            for word in std::iter::once(info.word).chain(info.aliases.iter().copied()) {
                let line = match info.usage.split_once(' ') {
                    Some((_, arg)) if !arg.starts_with('[') => format!("{word} x"),
                    _ => word.to_string(),
                };
                assert!(
                    parse(&line).is_ok(),
                    "`:{line}` of the table: {:?}",
                    parse(&line)
                );
            }
            assert!(info.usage.starts_with(&format!(":{}", info.word)));
        }
        let words: Vec<&str> = COMMANDS
            .iter()
            .flat_map(|c| std::iter::once(c.word).chain(c.aliases.iter().copied()))
            .collect();
        for word in ["env", "ctx", "group", "metric", "messages", "theme", "cost"] {
            assert!(words.contains(&word), "{word} is in the table");
        }
        assert!(parse("nope").is_err());
    }

    #[test]
    fn completes_environment_names() {
        let environments = vec!["prod".to_string(), "staging".into(), "sandbox".into()];
        let choices = Choices {
            themes: &[],
            environments: &environments,
        };
        assert_eq!(complete("en", choices), "env ");
        assert_eq!(complete("env p", choices), "env prod");
        assert_eq!(complete("env s", choices), "env s");
        assert_eq!(
            completions("env s", choices),
            vec!["env staging".to_string(), "env sandbox".into()]
        );
        assert_eq!(parse("env prod"), Ok(Command::Env(Some("prod".into()))));
        assert_eq!(parse("ctx"), Ok(Command::Env(None)));
    }
}
