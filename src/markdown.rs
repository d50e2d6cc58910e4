//! Markdown to HTML with comrak: GFM tables, strikethrough and autolinks; raw HTML is never passed
//! through but shown as text, and unsafe link schemes (`javascript:`) are dropped. Tables get a
//! caption (the title of what the text belongs to) and column-scoped header cells, which
//! Markdown cannot express and screen readers need.

use comrak::{Options, markdown_to_html};

use crate::present::escape_html;

/// Render staff-written Markdown to HTML that is safe to insert into a page; `title` (of the
/// section or item the text belongs to) captions its tables.
pub fn to_html(markdown: &str, title: &str) -> String {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.render.r#unsafe = false;
    options.render.escape = true;
    let html = markdown_to_html(markdown, &options);
    // Every `<table>` and `<th` here is comrak's own markup: text from the content is escaped.
    let tables = html.matches("<table>").count();
    let mut parts = html.split("<table>");
    let mut out = parts.next().unwrap_or_default().to_string();
    for (i, part) in parts.enumerate() {
        let caption = match tables {
            1 => escape_html(title),
            _ => format!("{}（表{}）", escape_html(title), i + 1),
        };
        out.push_str(&format!("<table>\n<caption>{caption}</caption>"));
        out.push_str(part);
    }
    out.replace("<th>", "<th scope=\"col\">")
        .replace("<th align=", "<th scope=\"col\" align=")
}

/// Markdown source cut into its non-blank lines, as written: how diffs and the texts table
/// hold a body.
pub fn source_lines(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::to_html as render;

    fn to_html(markdown: &str) -> String {
        render(markdown, "表題")
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("a <script>alert(1)</script> b\n\n<img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn javascript_links_are_not_links() {
        let html = to_html("[x](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn links_and_images_with_unsafe_schemes_are_dropped() {
        for markdown in [
            "[x](JavaScript:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x]( javascript:alert(1))",
            "<javascript:alert(1)>",
            "[x](vbscript:msgbox(1))",
            "[x](file:///etc/passwd)",
            "[x](data:text/html,<script>alert(1)</script>)",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = to_html(markdown).to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "file:", "data:"] {
                assert!(
                    !html.contains(&format!("=\"{scheme}")),
                    "{markdown}: {html}"
                );
            }
        }
    }

    #[test]
    fn tables_render_with_caption_and_scoped_header_cells() {
        let html = to_html("| 年度 | 内容 |\n| --- | --- |\n| 平成 22 年度 | 策定 |\n");
        assert!(html.contains("<caption>表題</caption>"), "{html}");
        assert!(html.contains("<th scope=\"col\">年度</th>"), "{html}");
        assert!(html.contains("<td>平成 22 年度</td>"), "{html}");
        let two = render("| a |\n| :-- |\n| 1 |\n\n| b |\n| --- |\n| 2 |\n", "<役割>");
        assert!(
            two.contains("<caption>&lt;役割&gt;（表1）</caption>"),
            "{two}"
        );
        assert!(
            two.contains("<caption>&lt;役割&gt;（表2）</caption>"),
            "{two}"
        );
        assert!(
            two.contains("<th scope=\"col\" align=\"left\">a</th>"),
            "{two}"
        );
    }
}
