use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kohyo::diagnostic::{Diagnostic, use_color};

/// kohyo (公表): publish municipalities' plans and priority goals as a static website.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the content and report every problem; writes nothing.
    Check {
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = use_color();
    match cli.command {
        Command::Check { root } => match kohyo::load::load(&root) {
            Ok(site) => {
                let editions = site.editions().count();
                println!("ok: {editions} editions, no problems found");
                ExitCode::SUCCESS
            }
            Err(diags) => report(&diags, color),
        },
    }
}

fn report(diags: &[Diagnostic], color: bool) -> ExitCode {
    for d in diags {
        eprint!("{}", d.render(color));
    }
    eprintln!(
        "{} problem{} found; nothing was written",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}
