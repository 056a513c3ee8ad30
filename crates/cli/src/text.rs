//! Small helpers for text output shared by the subcommands.

/// The most MPLS labels text output shows of one stack (decode's line,
/// trace's and mtr's extension lines); the rest are counted. Real stacks
/// hold a few; a hostile extension thousands (`--json` lists them all).
pub const MAX_LINE_LABELS: usize = 16;

/// Appends `text` to `out`, wrapped at `width` columns, every line starting
/// with `indent`.
pub fn wrap_into(out: &mut String, text: &str, indent: &str, width: usize) {
    wrap_with_first(out, text, indent, indent, width);
}

/// Like [`wrap_into`], but the first line starts with `first` (for list
/// bullets) and the following lines with `rest`.
pub fn wrap_with_first(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    if !empty {
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_width_with_indent() {
        let mut out = String::new();
        wrap_into(&mut out, "aaa bbb ccc ddd", "  ", 9);
        assert_eq!(out, "  aaa bbb\n  ccc ddd\n");
        let mut out = String::new();
        wrap_with_first(&mut out, "one two three", "- ", "  ", 9);
        assert_eq!(out, "- one two\n  three\n");
        let mut out = String::new();
        wrap_into(&mut out, "", "  ", 9);
        assert_eq!(out, "");
    }
}
