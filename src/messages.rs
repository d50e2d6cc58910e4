//! Messages to staff that more than one command gives (`kohyo new`, `import`, `sheet`), each in
//! English and in Japanese.

use std::fmt::Display;
use std::path::Path;

use crate::diagnostic::Message;
use crate::layout::CONTENT_DIR;

/// The site does not load: its problems come first.
pub fn site_has_problems(count: usize) -> Message {
    Message::new(
        format!("the site has {count} problem(s); run `kohyo check` and fix them first"),
        format!("サイトに {count} 件の誤りがあります。先に `kohyo check` を実行して直してください"),
    )
}

/// `municipality/series` names no series.
pub fn no_series(series: &str) -> Message {
    Message::new(
        format!("no series `{series}` under {CONTENT_DIR}/"),
        format!(
            "`{CONTENT_DIR}/` の下にシリーズ `{series}` がありません。`{CONTENT_DIR}/` の下のフォルダー名で `市町村/シリーズ` のように指定してください"
        ),
    )
}

/// Neither a year nor a version with its file name was given.
pub fn give_year_or_version() -> Message {
    Message::new(
        "give --year YEAR, or --version LABEL --slug NAME",
        "--year 年度 か、--version 名前 --slug 名前 を指定してください",
    )
}

/// A file name of an edition that is not ASCII letters, digits, `-` and `_`.
pub fn bad_slug(slug: &str) -> Message {
    Message::new(
        format!(
            "`{slug}` cannot be a file name: use ASCII letters, digits, - and _ (e.g. --slug v3)"
        ),
        format!(
            "`{slug}` はファイル名に使えません。半角の英字、数字、- と _ で指定してください（例: --slug v3）"
        ),
    )
}

/// A file could not be written.
pub fn cannot_write(path: &Path, error: impl Display) -> Message {
    Message::new(
        format!("cannot write {}: {error}", path.display()),
        format!(
            "`{}` に書き込めません。フォルダーがあるか、書き込みが許されているかを確かめてください: {error}",
            path.display()
        ),
    )
}

/// A file could not be read.
pub fn cannot_read(path: &Path, error: impl Display) -> Message {
    Message::new(
        format!("cannot read {}: {error}", path.display()),
        format!(
            "`{}` を読み込めません。ファイルがあるか、読み込みが許されているかを確かめてください: {error}",
            path.display()
        ),
    )
}
