use super::*;

#[test]
fn markup_characters_are_escaped() {
    assert_eq!(
        escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(escape("gw-1 ü"), "gw-1 ü");
}

#[test]
fn a_name_is_one_url_segment() {
    assert_eq!(encode("net/10.0.0.1"), "net%2F10.0.0.1");
    assert_eq!(encode("a b&c?d#ü"), "a%20b%26c%3Fd%23%C3%BC");
    assert_eq!(encode("gw-1_x.y~"), "gw-1_x.y~");
    assert_eq!(target_href("<x>"), "/target/%3Cx%3E");
}

#[test]
fn the_page_frame_escapes_its_title_and_agent() {
    let html = page("<t>", "a&b", "<p>body</p>");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>&lt;t&gt; — icmpkit monitor</title>"));
    assert!(html.contains("agent a&amp;b"));
    assert!(html.contains("<main><p>body</p></main>"));
}
