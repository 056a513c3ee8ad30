//! Which table and key a byte offset of the file belongs to, found in the
//! parsed document (its spans), for the TOML reader's own errors: the
//! checks of `build` know their table and key already.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The table and key at an offset, as [`super::Location`] names them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Found {
    pub section: String,
    pub key: Option<String>,
}

/// One step of the way from the document to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'t> {
    Key(&'t str),
    /// An entry of an array, from 0.
    Index(usize),
}

/// The table and key holding byte `at` of the document `root`.
pub(super) fn path_at(root: &DeTable<'_>, at: usize) -> Found {
    let mut path = Vec::new();
    if !in_table(root, at, &mut path) {
        return Found::default();
    }
    path.reverse();
    let (section, rest) = match path.as_slice() {
        [Step::Key(array), Step::Index(i), rest @ ..] if is_table_array(root, array) => {
            (entry_name(root, array, *i), rest)
        }
        [Step::Key(table), rest @ ..] if is_table(root, table) => ((*table).to_owned(), rest),
        rest => (String::new(), rest),
    };
    let mut key = String::new();
    for step in rest {
        match step {
            Step::Key(k) if key.is_empty() => key.push_str(k),
            Step::Key(k) => {
                key.push('.');
                key.push_str(k);
            }
            Step::Index(i) => {
                key.push('[');
                key.push_str(&(i + 1).to_string());
                key.push(']');
            }
        }
    }
    Found {
        section,
        key: (!key.is_empty()).then_some(key),
    }
}

/// Whether `at` is in `table` (on a key or in a value); the steps to it
/// pushed innermost first.
fn in_table<'t>(table: &'t DeTable<'_>, at: usize, path: &mut Vec<Step<'t>>) -> bool {
    for (key, value) in table {
        if key.span().contains(&at) || in_value(value, at, path) {
            path.push(Step::Key(key.get_ref()));
            return true;
        }
    }
    false
}

fn in_value<'t>(value: &'t Spanned<DeValue<'_>>, at: usize, path: &mut Vec<Step<'t>>) -> bool {
    let inside = match value.get_ref() {
        DeValue::Table(table) => in_table(table, at, path),
        DeValue::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let found = in_value(item, at, path);
            if found {
                path.push(Step::Index(i));
            }
            found
        }),
        _ => false,
    };
    inside || value.span().contains(&at) || value.span().start == at
}

/// Whether the top-level `key` is an array of tables (`[[target]]`).
fn is_table_array(root: &DeTable<'_>, key: &str) -> bool {
    matches!(
        root.get(key).map(Spanned::get_ref),
        Some(DeValue::Array(items)) if items.iter().all(|i| i.get_ref().is_table())
    )
}

fn is_table(root: &DeTable<'_>, key: &str) -> bool {
    root.get(key).is_some_and(|v| v.get_ref().is_table())
}

/// `target "gw"` (by its `name`, or a target by its `host`), or
/// `target 3` when the entry has neither.
fn entry_name(root: &DeTable<'_>, array: &str, index: usize) -> String {
    let entry = root
        .get(array)
        .and_then(|v| v.get_ref().as_array())
        .and_then(|items| items.get(index))
        .and_then(|v| v.get_ref().as_table());
    let name = entry.and_then(|t| {
        let by = |key: &str| t.get(key).and_then(|v| v.get_ref().as_str());
        by("name").or_else(|| if array == "target" { by("host") } else { None })
    });
    super::build::section(array, index, name)
}
