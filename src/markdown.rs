//! Markdown to HTML with comrak: GFM tables, strikethrough and autolinks; raw HTML is never passed
//! through but shown as text, and unsafe link schemes (`javascript:`) are dropped.

use comrak::{Options, markdown_to_html};

/// Render staff-written Markdown to HTML that is safe to insert into a page.
pub fn to_html(markdown: &str) -> String {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.render.r#unsafe = false;
    options.render.escape = true;
    markdown_to_html(markdown, &options)
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
    use super::to_html;

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
    fn tables_render_with_header_cells() {
        let html = to_html("| 年度 | 内容 |\n| --- | --- |\n| 平成 22 年度 | 策定 |\n");
        assert!(html.contains("<th>年度</th>"), "{html}");
        assert!(html.contains("<td>平成 22 年度</td>"), "{html}");
    }
}
