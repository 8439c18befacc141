//! XML feed parsing: each format and field against hand-written documents.

use super::super::{BodyKind, Format, ParseOptions, parse as parse_bytes};

fn parse(xml: &str) -> super::super::Feed {
    parse_bytes(xml.as_bytes(), &ParseOptions::default()).unwrap()
}

#[test]
fn rss2_cdata_is_copied_exactly_and_entities_decode_once() {
    let f = parse(
        r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item>
<title>AT&amp;amp;T &#21490; <![CDATA[&quot;q&quot;]]></title><link>https://e.example/1</link>
<dc:creator>記者</dc:creator><description><![CDATA[ <p class='x'>&#21490; &nbsp;</p> ]]></description>
</item></channel></rss>"#,
    );
    assert_eq!(f.format, Format::Rss20);
    let it = &f.items[0];
    assert_eq!(it.title, "AT&amp;T 史 \"q\"");
    assert_eq!(it.author.as_deref(), Some("記者"));
    assert_eq!(it.body, " <p class='x'>&#21490; &nbsp;</p> ");
}

#[test]
fn html_entities_in_escaped_content_stay_html() {
    let f = parse(
        "<rss><channel><item><title>t</title><description>&lt;p&gt;a&amp;amp;b&nbsp;c&lt;/p&gt;</description></item></channel></rss>",
    );
    assert_eq!(f.items[0].body, "<p>a&amp;b&nbsp;c</p>");
}

#[test]
fn rdf_and_rss09() {
    let f = parse(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="x"><title>c</title></channel>
<item rdf:about="https://e.example/a"><title>A</title><link>https://e.example/a</link><dc:date>2023-01-31T08:34:06Z</dc:date><dc:description>only here</dc:description></item>
</rdf:RDF>"#,
    );
    assert_eq!(f.format, Format::Rss10);
    assert_eq!(f.items[0].guid.as_deref(), Some("https://e.example/a"));
    assert_eq!(f.items[0].body, "only here");
    assert!(f.items[0].published.is_some());
    let f = parse(
        r#"<rss version="0.91"><channel><title>c</title><item><title>old</title><link>https://e.example/o</link></item></channel></rss>"#,
    );
    assert_eq!(f.format, Format::Rss09);
    assert_eq!(f.items[0].title, "old");
}

#[test]
fn atom_content_kinds() {
    let f = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://e.example/blog/">
<entry><title type="html">A &lt;em&gt;b&lt;/em&gt;</title><link href="posts/1"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x &amp; y</p></div></content></entry>
<entry><title>T</title><link rel="alternate" type="text/html" href="https://e.example/2"/><content type="html">&lt;p&gt;h&lt;/p&gt;</content></entry>
<entry><title>S</title><summary>plain &lt; text</summary></entry>
<entry><title>B</title><content type="image/svg+xml"><svg/></content></entry>
<entry><title>C</title><content type="application/octet-stream">aGVsbG8=</content></entry>
</feed>"#,
    );
    assert_eq!(f.format, Format::Atom10);
    assert_eq!(f.items[0].title, "A b");
    assert_eq!(f.items[0].link.as_deref(), Some("https://e.example/blog/posts/1"), "xml:base applies to links");
    assert_eq!((f.items[0].body.as_str(), f.items[0].body_kind), ("<p>x &amp; y</p>", BodyKind::Html));
    assert_eq!(f.items[1].body, "<p>h</p>");
    assert_eq!((f.items[2].body.as_str(), f.items[2].body_kind), ("plain < text", BodyKind::Text));
    assert_eq!(f.items[4].body, "hello", "binary types are base64");
}

#[test]
fn atom03_and_entry_documents() {
    let f = parse(
        r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>t</title><link rel="alternate" type="text/html" href="https://e.example/3"/><issued>2023-01-31T08:34:06Z</issued><content type="text/html" mode="base64">PHA+aGk8L3A+</content></entry></feed>"#,
    );
    assert_eq!(f.format, Format::Atom03);
    assert_eq!(f.items[0].body, "<p>hi</p>");
    assert!(f.items[0].published.is_some());
    let f = parse(r#"<entry xmlns="http://www.w3.org/2005/Atom"><title>alone</title><id>urn:x</id></entry>"#);
    assert_eq!(f.items.len(), 1);
    assert_eq!(f.items[0].title, "alone");
}

#[test]
fn youtube_media_group() {
    let f = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><entry><title>v</title>
<link rel="alternate" href="https://www.youtube.com/watch?v=x"/><media:group><media:title>v</media:title><media:description>line 1
line 2 &amp; more</media:description></media:group></entry></feed>"#,
    );
    assert_eq!(f.items[0].body_kind, BodyKind::Text);
    assert_eq!(f.items[0].body, "line 1\nline 2 & more");
}

#[test]
fn broken_markup_is_recovered_like_a_browser_would() {
    let f = parse(
        "<rss><channel><item><title>a</title><description><p>unclosed <b>bold</p></description></item><item><title>b</title></item></channel></rss>",
    );
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].body, "<p>unclosed <b>bold</p>");
}

#[test]
fn html_pages_are_not_feeds_and_name_their_feed() {
    let err = parse_bytes(
        br#"<!DOCTYPE html><html><head><link rel="alternate" type="application/atom+xml" href="https://e.example/atom.xml"></head></html>"#,
        &ParseOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a feed") && err.contains("https://e.example/atom.xml"), "{err}");
}

fn parse_err(doc: &str) -> String {
    parse_bytes(doc.as_bytes(), &ParseOptions::default()).unwrap_err().to_string()
}

#[test]
fn entities_in_titles_decode_exactly_once() {
    let f = parse(
        "<rss><channel><item><title>Q&amp;A: AT&amp;amp;T &#x4E2D;&#22830; caf&eacute;&nbsp;x &lt;b&gt;</title></item></channel></rss>",
    );
    assert_eq!(f.items[0].title, "Q&A: AT&amp;T 中央 café\u{a0}x <b>");
}

#[test]
fn mismatched_end_tags_close_like_a_browser() {
    let f = parse(
        "<rss><channel><item><title>a</Title><link>https://e.example/a</link></div></item>\
         <item><title>b</title><description><p>x<br></description><link>https://e.example/b</link></item></channel></rss>",
    );
    assert_eq!(f.items.len(), 2);
    assert_eq!((f.items[0].title.as_str(), f.items[0].link.as_deref()), ("a", Some("https://e.example/a")));
    assert_eq!((f.items[1].body.as_str(), f.items[1].link.as_deref()), ("<p>x<br>", Some("https://e.example/b")));
}

#[test]
fn an_unclosed_element_does_not_swallow_the_items_after_it() {
    // `<itunes:category>` is never closed: the items must still be the
    // channel's, not the category's (feedjira's single-quoted iTunes sample).
    let f = parse(
        "<rss xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'><channel><title>c</title>\
         <itunes:category text='Technology'><itunes:category text='Gadgets'/>\
         <item><title>one</title></item><item><title>two</title><description>d</description>\
         <item><title>three</title></item></channel></rss>",
    );
    let titles: Vec<&str> = f.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["one", "two", "three"], "an unclosed <item> ends at the next one");
    assert_eq!(f.items[1].body, "d");
    let f = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><author><name>x</name><entry><title>e1</title></entry><entry><title>e2</title></entry></feed>"#,
    );
    assert_eq!(f.items.len(), 2);
}

#[test]
fn missing_end_tags_of_the_feed_itself_lose_nothing() {
    let f = parse("<rss version=\"2.0\"><channel><item><title>whole</title></item>");
    assert_eq!(f.items.len(), 1);
    assert_eq!(f.items[0].title, "whole");
    // An item cut short is a truncated document, not a short item.
    assert!(parse_err("<rss><channel><item><title>cut").contains("truncated"));
}

#[test]
fn rss090_under_either_netscape_namespace() {
    for ns in ["http://my.netscape.com/rdf/simple/0.9/", "http://channel.netscape.com/rdf/simple/0.9/"] {
        let f = parse(&format!(
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="{ns}"><channel><title>Mozilla</title></channel>
<item><title>New Status Updates</title><link>http://www.mozilla.org/status/</link></item></rdf:RDF>"#
        ));
        assert_eq!(f.format, Format::Rss09, "{ns}");
        assert_eq!(f.items.len(), 1, "{ns}");
        assert_eq!(f.items[0].link.as_deref(), Some("http://www.mozilla.org/status/"));
    }
}

#[test]
fn atom_content_of_an_xml_type_is_inline_xml() {
    // RFC 4287 4.1.3.3: such content is child elements; escaped text in it
    // is text, so it stays escaped rather than turn into markup.
    let f = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>a</title><content type="application/atom+xml">&lt;x/&gt;</content></entry>
<entry><title>b</title><content type="text/xml"><x a='1'>t &amp; u</x></content></entry></feed>"#,
    );
    assert_eq!(f.items[0].body, "&lt;x/&gt;");
    assert_eq!((f.items[1].body.as_str(), f.items[1].body_kind), ("<x a='1'>t &amp; u</x>", BodyKind::Html));
}

#[test]
fn comments_in_html_and_xhtml_titles_are_not_text() {
    let f = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title type="html">&lt;p&gt;<b>F</b>eed Title<![CDATA[</p>]]><!-- <b>Important</b> comment --></title></entry>
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Feed Title</p><!-- <b>x</b> --></div></title></entry></feed>"#,
    );
    assert_eq!(f.items[0].title, "Feed Title");
    assert_eq!(f.items[1].title, "Feed Title");
}

#[test]
fn rss_items_fall_back_to_an_atom_author() {
    let f = parse(
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><item><title>t</title>
<atom:author><atom:name>John Doe</atom:name></atom:author></item></channel></rss>"#,
    );
    assert_eq!(f.items[0].author.as_deref(), Some("John Doe"));
}

#[test]
fn html_pages_that_are_not_well_formed_still_name_their_feed() {
    // Real pages (YouTube's, a blog's) are not XML: the answer must still be
    // "not a feed, use this URL", not where the XML broke.
    let page = r#"<!DOCTYPE html><html lang="en" typography><head><meta charset="utf-8">
<link rel="alternate" type="application/rss+xml" title="RSS" href="https://www.youtube.com/feeds/videos.xml?channel_id=UC1">
<script>if (a < b && c) {}</script><![CDATA[ </head><body><p>unclosed"#;
    let err = parse_err(page);
    assert!(
        err.contains("not a feed") && err.contains("https://www.youtube.com/feeds/videos.xml?channel_id=UC1"),
        "{err}"
    );
    let err = parse_err("<?xml version=\"1.0\"?>\n<!-- generated -->\n<HTML><BODY>Service unavailable");
    assert!(err.contains("not a feed: an HTML page"), "{err}");
    // A root merely starting with the letters is some other vocabulary.
    assert!(parse_err("<htmlish/>").contains("root element is <htmlish>"));
}

#[test]
fn the_itunes_namespace_in_any_case() {
    let feed = parse(
        "<rss xmlns:i='http://www.itunes.com/DTDs/PodCast-1.0.dtd'><channel><title>c</title>\
         <item><title>t</title><i:author>Item Author</i:author><i:summary>Sum</i:summary></item></channel></rss>",
    );
    assert_eq!(feed.items[0].author.as_deref(), Some("Item Author"));
    assert!(feed.items[0].body.contains("Sum"), "{}", feed.items[0].body);
}
