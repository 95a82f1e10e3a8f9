//! The `sharesim` command line: parses arguments, calls the library, prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sharesim::Provider;
use sharesim::render::{self, Format};

/// A multi-cloud simulator of private image sharing, and a conformance harness for it.
#[derive(Parser)]
#[command(name = "sharesim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Markdown,
    Json,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Table => Format::Table,
            OutputFormat::Markdown => Format::Markdown,
            OutputFormat::Json => Format::Json,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show every provider's sharing rules side by side, straight from the rule tables.
    Policies {
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Only these providers (repeatable): jdcloud, tencent, alibaba, huawei-ims, huawei-swr.
        #[arg(long = "provider", value_parser = parse_provider)]
        providers: Vec<Provider>,
    },
    /// Print a provider's rules (or one rule) with sources and notes.
    Explain {
        /// jdcloud, tencent, alibaba, huawei-ims or huawei-swr.
        #[arg(value_parser = parse_provider)]
        provider: Provider,
        /// A rule ID such as TC-LIMIT-50 (case does not matter).
        rule: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    Provider::parse(s).ok_or_else(|| {
        let names: Vec<_> = Provider::ALL.iter().map(|p| p.name()).collect();
        format!("unknown provider `{s}`; expected one of {}", names.join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Policies { format, providers } => {
            let providers = if providers.is_empty() { Provider::ALL.to_vec() } else { providers };
            print!("{}", render::policy_matrix(&providers, format.into()));
            ExitCode::SUCCESS
        }
        Command::Explain { provider, rule, format } => match render::explain(provider, rule.as_deref(), format.into()) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
