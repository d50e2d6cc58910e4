//! Theme templates are checked like content: parse and render errors at the template's line and
//! column with a caret, a runaway `range` stopped with an error, files named from the site.

use std::fs;
use std::path::Path;

use crate::common::broken_build;

const EDITION: &str = "themes/default/templates/edition.html";

/// Put `text` just before the edition template's `{% endblock title %}` (line 3); returns the
/// 1-based column where it starts.
fn insert_in_title(root: &Path, text: &str) -> usize {
    let path = root.join(EDITION);
    let source = fs::read_to_string(&path).unwrap();
    let line = source.lines().nth(2).unwrap();
    let at = line.find("{% endblock title %}").unwrap();
    let column = line[..at].chars().count() + 1;
    fs::write(
        &path,
        source.replacen(
            "{% endblock title %}",
            &format!("{text}{{% endblock title %}}"),
            1,
        ),
    )
    .unwrap();
    column
}

#[test]
fn a_runaway_range_stops_with_a_positioned_error() {
    let mut column = 0;
    let err = broken_build(|root| {
        column = insert_in_title(root, "{% for i in range(end=100000000) %}{% endfor %}");
    });
    let at = format!("error: {EDITION}:3:{}: cannot render ", column + 12);
    assert!(err.contains(&at), "{err}");
    assert!(
        err.contains("`range` would make 100000000 numbers"),
        "{err}"
    );
    assert!(
        err.contains("{{ config.title }}{% for i in range(end=100000000) %}"),
        "{err}"
    );
    assert!(err.contains("^^^^^\n"), "{err}");
}

#[test]
fn a_template_syntax_error_is_placed() {
    let mut column = 0;
    let err = broken_build(|root| column = insert_in_title(root, "{{ edition.title | }}"));
    let at = format!(
        "error: {EDITION}:3:{}: template syntax error: expected",
        column + 19
    );
    assert!(err.contains(&at), "{err}");
    assert!(!err.contains("Failed to parse"), "tera's own text: {err}");
}

#[test]
fn an_unknown_variable_is_placed_where_the_template_names_it() {
    let mut column = 0;
    let err = broken_build(|root| column = insert_in_title(root, "{{ edition.no_such_field }}"));
    let at = format!("error: {EDITION}:3:{}: cannot render ", column + 3);
    assert!(err.contains(&at), "{err}");
    assert!(err.contains("`edition.no_such_field` not found"), "{err}");
}

#[test]
fn a_step_of_zero_is_an_error_not_a_panic() {
    let err = broken_build(|root| {
        insert_in_title(root, "{% for i in range(end=3, step_by=0) %}{% endfor %}");
    });
    assert!(err.contains("received step_by=0"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
