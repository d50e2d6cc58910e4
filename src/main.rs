use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kohyo::diagnostic::{Diagnostic, Lang, Message, use_color, use_color_stdout};
use kohyo::diff::DiffError;
use kohyo::search::engine::{Filters, Index, SearchResult};
use kohyo::search::eval;
use kohyo::site::{BuildError, BuildOptions};
use kohyo::text::Tokenizer;

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
        /// Base URL the site will be published at (overrides kohyo.toml): an absolute http(s) URL or a path starting with /.
        #[arg(long, value_parser = base_url_arg)]
        base_url: Option<String>,
        /// Also print how long each stage took and the time spent cutting Japanese text.
        #[arg(long)]
        timings: bool,
        /// Neither read nor write the build cache (ROOT/.kohyo-cache): make everything again.
        #[arg(long)]
        no_cache: bool,
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
    /// Preview the site for staff: build, serve it on this computer, rebuild and reload open pages on every save.
    Serve {
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; the default keeps the preview on this computer.
        #[arg(long, default_value = "127.0.0.1")]
        interface: String,
        /// Open the preview in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Start the next edition of a series from its latest one, e.g. `kohyo new ueda/shimin-machizukuri --year 2026`.
    New {
        /// The series as `municipality/series` (folder names under content/).
        series: String,
        /// Fiscal year of the new edition: 2026, 令和8年度 or R8; the file is YEAR.toml (西暦).
        #[arg(long, conflicts_with = "version", required_unless_present = "version", value_parser = fiscal_year)]
        year: Option<i32>,
        /// Version label of the new edition, e.g. 12月15日現在 (for series dated by version).
        #[arg(long, requires = "slug")]
        version: Option<String>,
        /// File name of a new version, without .toml (ASCII), e.g. dec15.
        #[arg(long)]
        slug: Option<String>,
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Import an edition from a department's spreadsheet (.xlsx, .xls, .ods, .csv) or a filled-in kohyo form, e.g. `kohyo import goals.xlsx --series ueda/seisaku-kikaku --year 2024`.
    Import {
        /// The spreadsheet file.
        file: PathBuf,
        /// The series as `municipality/series` (folder names under content/).
        #[arg(long)]
        series: String,
        /// Fiscal year of the edition: 2025, 令和7年度 or R7; the file is YEAR.toml (西暦).
        #[arg(long, conflicts_with = "version", required_unless_present_any = ["version", "slug"], value_parser = fiscal_year)]
        year: Option<i32>,
        /// Version label of the edition, e.g. 12月15日現在 (for series dated by version).
        #[arg(long, requires = "slug")]
        version: Option<String>,
        /// File name of the edition, without .toml (ASCII), e.g. dec15; alone, for a kohyo form,
        /// whose own keys date the edition (e.g. a plan dated by its period).
        #[arg(long)]
        slug: Option<String>,
        /// Sheet to read [default: the first sheet].
        #[arg(long)]
        sheet: Option<String>,
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Replace the edition file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write an edition (by default the next one) as the Excel form departments fill in, e.g. `kohyo sheet ueda/seisaku-kikaku --year 2024 --output 2024.xlsx`.
    Sheet {
        /// The series as `municipality/series` (folder names under content/).
        series: String,
        /// Fiscal year of the edition (an existing one, or the next to start): 2026, 令和8年度 or R8.
        #[arg(long, conflicts_with = "version", value_parser = fiscal_year)]
        year: Option<i32>,
        /// Version label of the edition.
        #[arg(long)]
        version: Option<String>,
        /// File name of an existing edition, without .toml (e.g. dai3ji, for a plan dated by its period).
        #[arg(long, conflicts_with_all = ["year", "version"])]
        slug: Option<String>,
        /// The workbook to write (.xlsx).
        #[arg(long)]
        output: PathBuf,
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Show what changed between two editions of a series, e.g. `kohyo diff ueda/shimin-machizukuri 2017 2018`.
    Diff {
        /// The series as `municipality/series` (folder names under content/).
        series: String,
        /// The earlier edition: its file name without .toml, or its fiscal year (2017, 平成29年度, H29).
        from: String,
        /// The later edition.
        to: String,
        /// Print the comparison as JSON (the same document as the compare page's changes.json).
        #[arg(long)]
        json: bool,
        /// Site root (the folder holding kohyo.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Search the built site (run `kohyo build` first), or the running preview with `--preview`, with the engine the search page uses.
    Search {
        /// Words to find; several words separated by spaces must all occur.
        query: String,
        /// Print the ranked results as JSON (url, title, breadcrumb, snippet, score).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        site: BuiltSite,
        /// Only this municipality (its name, e.g. 上田市).
        #[arg(long)]
        municipality: Option<String>,
        /// Only this department.
        #[arg(long)]
        department: Option<String>,
        /// Only this fiscal year: 2025, 令和7年度 or R7.
        #[arg(long, value_parser = fiscal_year)]
        year: Option<i32>,
        /// Results to print.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Search the index of a running `kohyo serve` instead of the built output: its URL,
        /// http://127.0.0.1:1111/ when none is given.
        #[arg(long, num_args = 0..=1, default_missing_value = "http://127.0.0.1:1111/", value_name = "URL")]
        preview: Option<String>,
    },
    /// Measure search against exact-substring (and variant) truth: recall, precision, bytes a first query loads.
    SearchEval {
        /// Query file: one query per line, `#` comments allowed; `query: word word` also
        /// requires the pages holding any of the words (variant truth).
        file: PathBuf,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        site: BuiltSite,
    },
}

/// Where a built site is, for the commands that read one.
#[derive(Args)]
struct BuiltSite {
    /// Site root (the folder holding kohyo.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Built site to read [default: ROOT/public].
    #[arg(long)]
    output: Option<PathBuf>,
}

impl BuiltSite {
    fn output(self) -> PathBuf {
        self.output.unwrap_or_else(|| self.root.join("public"))
    }
}

/// `--base-url`, checked as `base_url` in kohyo.toml is.
fn base_url_arg(url: &str) -> Result<String, String> {
    kohyo::safe_url::check_base_url(url)
        .map(|()| url.to_string())
        .map_err(|m| m.in_lang(Lang::from_env()))
}

/// mimalloc: the build allocates many small strings and lists on every thread, which the
/// system allocator serves more slowly (see ARCHITECTURE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ends the program quietly when standard output is closed (`kohyo search …
/// | head`), instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = use_color();
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            timings,
            no_cache,
        } => {
            let progress = Progress::new();
            let built = kohyo::site::build(
                &BuildOptions {
                    root,
                    output,
                    base_url,
                    cache: !no_cache,
                },
                &|stage| progress.stage(stage),
            );
            progress.finish();
            match built {
                Ok(s) => {
                    for warning in &s.warnings {
                        eprintln!("{}", say(&warning_label(), warning, false));
                    }
                    out!(
                        "built {} pages ({} editions, {} records indexed, {} files) in {} ms into {}",
                        s.pages,
                        s.editions,
                        s.records,
                        s.files,
                        s.elapsed.as_millis(),
                        s.output.display()
                    );
                    if timings {
                        for (stage, took) in &s.stages {
                            out!("  {stage:<22} {:>7} ms", took.as_millis());
                        }
                        if let Some(r) = &s.redone {
                            out!(
                                "  cache: rendered {} of {} pages, indexed {} of {} edition pages",
                                r.rendered,
                                s.pages,
                                r.indexed,
                                s.editions
                            );
                        }
                        out!(
                            "  {:<22} {:>7} ms ({:.0}% of the build, summed over threads)",
                            "lindera segmentation",
                            s.segmenting.as_millis(),
                            100.0 * s.segmenting.as_secs_f64() / s.elapsed.as_secs_f64()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, color),
            }
        }
        Command::Check { root } => match kohyo::site::check(&root) {
            Ok(site) => {
                out!(
                    "ok: {} editions checked, no problems found",
                    site.editions().count()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, color),
        },
        Command::Init { dir } => match kohyo::init::init(&dir) {
            Ok(()) => {
                out!(
                    "created a new site in {0} (its README.md says how to write the content)\n\
                     next:\n  \
                     kohyo check --root {0}   every mistake in every file, with its line and column\n  \
                     kohyo serve --root {0}   a preview at http://127.0.0.1:1111/, updated on every save\n  \
                     kohyo build --root {0}   the site, in {1}",
                    dir.display(),
                    dir.join("public").display()
                );
                ExitCode::SUCCESS
            }
            Err(message) => fail_with(&message, color),
        },
        Command::Serve {
            root,
            port,
            interface,
            open,
        } => {
            let options = kohyo::serve::ServeOptions {
                root,
                interface,
                port,
            };
            let served = kohyo::serve::serve(&options, |url| {
                out!(
                    "serving the preview at {url} (Ctrl+C to stop); watching content/, themes/ and kohyo.toml"
                );
                if open && let Err(e) = opener::open_browser(url) {
                    let message = Message::new(
                        format!("cannot open a browser: {e}; open {url} yourself"),
                        format!("ブラウザーを開けません。{url} を自分で開いてください: {e}"),
                    );
                    eprintln!("{}", message.in_lang(Lang::from_env()));
                }
            });
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => fail_with(&message, color),
            }
        }
        Command::New {
            series,
            year,
            version,
            slug,
            root,
        } => {
            let next = match (year, version, slug) {
                (Some(y), _, _) => kohyo::next::Next::Year(y),
                (None, Some(label), Some(slug)) => kohyo::next::Next::Version { label, slug },
                _ => return fail_with(&kohyo::messages::give_year_or_version(), color),
            };
            match kohyo::next::new_edition(&root, &series, &next) {
                Ok(c) => {
                    out!(
                        "wrote {} from {}: {} items kept with their ids; stage set to plan, progress and results cleared",
                        c.path.display(),
                        c.from.display(),
                        c.items
                    );
                    for m in &c.moved {
                        out!(
                            "moved the target year of {} from {} to {}",
                            m.place,
                            m.from,
                            m.to
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(message) => fail_with(&message, color),
            }
        }
        Command::Import {
            file,
            series,
            year,
            version,
            slug,
            sheet,
            root,
            force,
        } => {
            let edition = match (year, version, slug.clone()) {
                (Some(y), _, _) => Some(kohyo::next::Next::Year(y)),
                (None, Some(label), Some(slug)) => Some(kohyo::next::Next::Version { label, slug }),
                (None, None, Some(_)) => None,
                _ => return fail_with(&kohyo::messages::give_year_or_version(), color),
            };
            let request = kohyo::import::Request {
                root: &root,
                file: &file,
                series: &series,
                edition,
                slug: slug.as_deref(),
                sheet: sheet.as_deref(),
                force,
            };
            match kohyo::import::import(&request) {
                Ok(done) => {
                    for warning in &done.warnings {
                        eprintln!("{}", say(&warning_label(), warning, false));
                    }
                    out!(
                        "wrote {}: {} items, {} with the id of the previous edition's item",
                        done.path.display(),
                        done.items,
                        done.carried
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    let kohyo::import::ImportError::Check(diags) = &error else {
                        return fail_with(&error.message(), color);
                    };
                    // The lead, then the problems of the edition made, each in both languages.
                    eprintln!("{}", say(&error_label(), &error.message(), color));
                    let lang = Lang::from_env();
                    let shown: Vec<String> =
                        diags.iter().map(|d| d.render_in(lang, color)).collect();
                    eprintln!("{}", shown.join("\n"));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Sheet {
            series,
            year,
            version,
            slug,
            output,
            root,
        } => {
            let edition = match (year, version) {
                (Some(y), _) => Some(kohyo::next::Next::Year(y)),
                (None, Some(label)) => Some(kohyo::next::Next::Version {
                    slug: String::new(),
                    label,
                }),
                _ => None,
            };
            match kohyo::sheet::write_form(
                &root,
                &series,
                edition.as_ref(),
                slug.as_deref(),
                &output,
            ) {
                Ok(items) => {
                    out!("wrote {}: {items} items", output.display());
                    ExitCode::SUCCESS
                }
                Err(message) => fail_with(&message, color),
            }
        }
        Command::Diff {
            series,
            from,
            to,
            json,
            root,
        } => {
            let site = match kohyo::site::load(&root) {
                Ok((site, _)) => site,
                Err(diags) => return fail(BuildError::Content(diags), color),
            };
            let compared = Tokenizer::new(site.user_dictionary.as_deref())
                .map_err(DiffError::from)
                .and_then(|t| kohyo::diff::compare_named(&site, &t, &series, &from, &to));
            match compared {
                Ok(c) if json => match kohyo::opendata::changes_json(&site.config.base(), &c) {
                    Ok(text) => {
                        print!("{}", String::from_utf8_lossy(&text));
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail_with(&e.message(), color),
                },
                Ok(c) => {
                    print!("{}", kohyo::diff::terminal::render(&c, use_color_stdout()));
                    ExitCode::SUCCESS
                }
                Err(e) => fail_with(&e.message(), color),
            }
        }
        Command::Search {
            query,
            json,
            site,
            municipality,
            department,
            year,
            limit,
            preview,
        } => {
            let filters = Filters {
                municipality,
                department,
                year,
            };
            let index = match &preview {
                Some(url) => Index::open_preview(url),
                None => Index::open(&site.output()),
            };
            match index {
                Ok(index) => {
                    let results = index.query(&query, &filters, limit);
                    print_results(&results, json);
                    if results.is_empty() && !json {
                        let near = index.suggest(&query);
                        if !near.is_empty() {
                            out!("near: {}", near.join(", "));
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail_with(&e.message(), color),
            }
        }
        Command::SearchEval { file, json, site } => {
            let output = site.output();
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) => {
                    let message = Message::new(
                        format!("cannot read the query file {}: {e}", file.display()),
                        format!(
                            "問い合わせのファイル `{}` を読み込めません: {e}",
                            file.display()
                        ),
                    );
                    return fail_with(&message, color);
                }
            };
            match eval::evaluate(&output, &eval::read_truth(&text)) {
                Ok(report) => {
                    print_report(&report, json);
                    ExitCode::SUCCESS
                }
                Err(e) => fail_with(&e.message(), color),
            }
        }
    }
}

/// A spinner naming the build's stage, shown on a terminal once the build has taken longer
/// than a moment; never on a pipe or a file.
struct Progress {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
}

impl Progress {
    const AFTER: std::time::Duration = std::time::Duration::from_millis(400);

    fn new() -> Progress {
        Progress {
            bar: indicatif::ProgressBar::hidden(),
            started: std::time::Instant::now(),
        }
    }

    fn stage(&self, name: &str) {
        use std::io::IsTerminal;
        if self.bar.is_hidden()
            && self.started.elapsed() > Self::AFTER
            && std::io::stderr().is_terminal()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar
                .enable_steady_tick(std::time::Duration::from_millis(120));
        }
        self.bar.set_message(format!("{name}…"));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn print_results(results: &[SearchResult], json: bool) {
    if json {
        out!(
            "{}",
            serde_json::to_string_pretty(results).unwrap_or_default()
        );
        return;
    }
    if results.is_empty() {
        out!("no results");
    }
    for (i, r) in results.iter().enumerate() {
        out!(
            "{}. {} [{}]\n   {}\n   {}\n   {}",
            i + 1,
            r.title,
            r.score,
            r.url,
            r.breadcrumb.join(" › "),
            r.snippet
        );
    }
}

fn print_report(report: &eval::Report, json: bool) {
    if json {
        out!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    out!("recall  precision  top  first-query-gz  query");
    for q in &report.queries {
        out!(
            "{:6.3}  {:9.3}  {:3}  {:14}  {}",
            q.recall,
            q.precision,
            if q.top_in_truth { "ok" } else { "NO" },
            q.first_query_gzip_bytes,
            q.query
        );
    }
    out!(
        "macro recall {:.3}, macro precision {:.3} over {} queries",
        report.macro_recall,
        report.macro_precision,
        report.queries.len()
    );
    out!(
        "first query loads {} B gzipped (median), {} B (worst; {} B uncompressed); index {} B on disk, {} B gzipped; client JS+CSS {} B gzipped",
        report.first_query_gzip_median,
        report.first_query_gzip_worst,
        report.first_query_worst,
        report.index_bytes,
        report.index_gzip_bytes,
        report.client_gzip_bytes
    );
}

fn fail(error: BuildError, color: bool) -> ExitCode {
    match error {
        BuildError::Content(diags) => report(&diags, color),
        other => eprintln!("{}", say(&error_label(), &other.message(), color)),
    }
    ExitCode::FAILURE
}

/// Print `message` as an error (see [`say`]) and fail.
fn fail_with(message: &Message, color: bool) -> ExitCode {
    eprintln!("{}", say(&error_label(), message, color));
    ExitCode::FAILURE
}

fn error_label() -> Message {
    Message::new("error", "エラー")
}

fn warning_label() -> Message {
    Message::new("warning", "警告")
}

/// `message` after its label in the language `KOHYO_LANG` or the locale selects: `error:
/// <English>`, or `エラー: <Japanese>` with the English in parentheses on the line below, as
/// [`Diagnostic::render_in`] prints a problem.
fn say(name: &Message, message: &Message, color: bool) -> String {
    let lang = Lang::from_env();
    let name = label(name, lang, color);
    match lang {
        Lang::En => format!("{name}: {}", message.en),
        Lang::Ja => format!("{name}: {}\n  ({})", message.ja, message.en),
    }
}

/// A label (`error`, `warning`) in `lang`, red when `color` (errors on a terminal).
fn label(name: &Message, lang: Lang, color: bool) -> String {
    let text = match lang {
        Lang::En => &name.en,
        Lang::Ja => &name.ja,
    };
    match color {
        true => format!("\x1b[31;1m{text}\x1b[0m"),
        false => text.clone(),
    }
}

fn report(diags: &[Diagnostic], color: bool) {
    let lang = Lang::from_env();
    for d in diags {
        eprint!("{}", d.render_in(lang, color));
    }
    let n = diags.len();
    let summary = kohyo::diagnostic::Message::new(
        format!(
            "{n} problem{} found; nothing was written",
            if n == 1 { "" } else { "s" }
        ),
        format!("{n} 件の誤りがあります。何も書き込んでいません"),
    );
    eprintln!("{}", summary.in_lang(lang));
}

/// A fiscal year as staff write it on the command line: 2026, 令和8年度, R8 (clap's parser).
fn fiscal_year(text: &str) -> Result<i32, String> {
    kohyo::wareki::parse_fiscal_year(text).map_err(|m| m.in_lang(Lang::from_env()))
}
