use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kohyo::diagnostic::{Diagnostic, use_color};
use kohyo::site::{BuildError, BuildOptions};

/// kohyo (公表): publish municipalities' plans and priority goals as a static website.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder [default: ROOT/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Base URL the site will be published at (overrides kohyo.toml).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Validate the content and report every problem; writes nothing.
    Check {
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Create a new site with one small series in DIR.
    Init {
        /// Folder to create (must not exist or be empty).
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = use_color();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
        } => match kohyo::site::build(&BuildOptions {
            root,
            output,
            base_url,
        }) {
            Ok(s) => {
                println!(
                    "built {} pages ({} editions, {} files) in {} ms into {}",
                    s.pages,
                    s.editions,
                    s.files,
                    s.elapsed.as_millis(),
                    s.output.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, color),
        },
        Command::Check { root } => match kohyo::site::check(&root) {
            Ok(site) => {
                println!(
                    "ok: {} editions checked, no problems found",
                    site.editions().count()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, color),
        },
        Command::Init { dir } => match kohyo::init::init(&dir) {
            Ok(()) => {
                println!(
                    "created a new site in {0}\nnext: kohyo check --root {0} && kohyo build --root {0}",
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(message) => fail(BuildError::Other(message), color),
        },
    }
}

fn fail(error: BuildError, color: bool) -> ExitCode {
    match error {
        BuildError::Content(diags) => report(&diags, color),
        BuildError::Other(message) => {
            let (red, reset) = if color {
                ("\x1b[31;1m", "\x1b[0m")
            } else {
                ("", "")
            };
            eprintln!("{red}error{reset}: {message}");
        }
    }
    ExitCode::FAILURE
}

fn report(diags: &[Diagnostic], color: bool) {
    for d in diags {
        eprint!("{}", d.render(color));
    }
    eprintln!(
        "{} problem{} found; nothing was written",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    );
}
