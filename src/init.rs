//! `kohyo init DIR`: a new site with one small series that builds and passes `kohyo check`.

use std::fs;
use std::path::Path;

use crate::diagnostic::Message;
use crate::messages;

/// The new site's own README: where things are, how to write content, and the three commands
/// staff run (`check`, `serve`, `build`), in Japanese.
const README: &str = include_str!("init/README.md");

const FILES: [(&str, &str); 5] = [
    ("README.md", README),
    (
        "kohyo.toml",
        r#"# サイトの設定。書き方は README.md の「コンテンツの書き方」を参照してください。
title = "〇〇市の重点目標"
base_url = "/"
language = "ja"
theme = "default"
"#,
    ),
    (
        "content/sample/_municipality.toml",
        r#"# 自治体の情報。code は全国地方公共団体コード（6桁、最後の1桁はチェックディジット）です。
name = "見本市"
prefecture = "見本県"
code = "999997"
"#,
    ),
    (
        "content/sample/somu/_series.toml",
        r#"title = "重点目標一覧表"
kind = "priority_goals"
department = "総務部"
levels = ["重点目標", "重点取組項目"]

[labels]
actions = "具体的な重点取組項目（箇条書き）"
targets = "期限・数値目標等"
"#,
    ),
    (
        "content/sample/somu/2026.toml",
        r#"title = "令和8年度重点目標"
fiscal_year = 2026
stage = "plan"

[[items]]
id = "g1"
number = "1"
title = "行政手続のオンライン化の推進"

[[items.items]]
id = "g1-1"
number = "①"
title = "オンライン申請の対象手続の拡大"
actions = ["(1) 申請件数の多い手続から順にオンライン化"]
targets = ["(1) 年度末まで"]

[[items.indicators]]
name = "オンライン申請できる手続の数"
unit = "件"
baseline = { year = 2025, value = 40 }
target = { year = 2026, value = 60 }
"#,
    ),
];

/// Write a new site into `dir`, which must not exist or be empty.
pub fn init(dir: &Path) -> Result<(), Message> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| messages::cannot_read(dir, e))?
            .next()
            .is_some()
    {
        let dir = dir.display();
        return Err(Message::new(
            format!("{dir} is not empty: choose a new folder so no file is overwritten"),
            format!(
                "{dir} は空ではありません。ファイルを上書きしないよう、新しいフォルダーを指定してください"
            ),
        ));
    }
    for (path, contents) in FILES {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| messages::cannot_write(parent, e))?;
        }
        fs::write(&path, contents).map_err(|e| messages::cannot_write(&path, e))?;
    }
    Ok(())
}
