//! What a reader does not want inside an extracted article, by generic
//! rules (no per-site ones): share/follow/newsletter blocks, "related" and
//! "more" lists, comment sections, bylines and datelines, image credits,
//! captions repeated after their first showing, and the author's e-mail and
//! social handles at the end.
//!
//! Applied to the article whichever way it was found (a site's `content`
//! selector, the page's structured signals, Readability), so every path
//! drops the same furniture. Every removal is bounded: a block holding a
//! large share of the article's text is never removed by its name alone,
//! since losing article text is worse than keeping a caption.

mod lines;

use std::collections::HashMap;
use std::sync::OnceLock;

use dom_query::{Document, NodeId, NodeRef};
use regex::Regex;

/// A block named like furniture goes only when it holds at most this share
/// of the article's text.
const MAX_SHARE: f64 = 0.3;
/// Captions holding more than this share of the article's text are the
/// article (a gallery), not notes on its pictures.
const GALLERY: f64 = 0.5;
/// Lines matched by their words (bylines, credits, datelines) are short.
const SHORT_LINE: usize = 140;

/// The article HTML without its furniture.
/// `captions`: drop figure captions too (not on a site rule's article,
/// whose rule keeps what its site captions on purpose).
pub fn clean(html: &str, captions: bool) -> String {
    let doc = Document::fragment(html);
    let total = text_len(&doc.root());
    if total == 0 {
        return html.to_string();
    }
    let mut changed = unwrap_noscript(&doc);
    changed |= remove_named(&doc, total);
    changed |= remove_headed_lists(&doc, total);
    changed |= lines::remove_lines(&doc);
    changed |= remove_link_lists(&doc, total);
    changed |= remove_repeats(&doc);
    if captions {
        changed |= remove_captions(&doc, total);
    }
    changed |= lines::remove_teaser_lines(&doc);
    changed |= lines::remove_trailing_contacts(&doc);
    changed |= lines::remove_trailing_appeals(&doc);
    if !changed {
        return html.to_string();
    }
    doc.select("html").inner_html().to_string()
}

/// Remove `node`, saying why at trace level (`RUST_LOG=newsmirror=trace
/// newsmirror extract` shows what each rule took, for writing and checking
/// rules).
fn drop_node(node: &NodeRef, why: &str) {
    if tracing::enabled!(tracing::Level::TRACE) {
        let text = node.text().split_whitespace().collect::<Vec<_>>().join(" ");
        tracing::trace!(rule = why, text, "furniture removed");
    }
    node.remove_from_parent();
}

/// `<noscript>` blocks: parsed here as markup, but a reader with scripts
/// (and the sanitiser, which parses as one) sees their content as text, so
/// an embed's fallback `<iframe …>` showed as a line of raw markup. One
/// holding an image (a lazy-loaded picture's fallback) or text (a blog
/// whose post is rendered by script, its text given here) gives up its
/// content; any other (an embed, "enable JavaScript") goes.
fn unwrap_noscript(doc: &Document) -> bool {
    let found = doc.select("noscript");
    if !found.exists() {
        return false;
    }
    for node in found.nodes().iter().rev() {
        let keep = text_len(node) >= 200 || node.descendants().iter().any(|d| d.is("img"));
        match node.first_child() {
            Some(first) if keep => first.unwrap_node(),
            _ => node.remove_from_parent(),
        }
    }
    true
}

fn text_len(node: &NodeRef) -> usize {
    node.text().chars().filter(|c| !c.is_whitespace()).count()
}

/// Class and id words that name furniture.
const NAMED: &[&str] = &[
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscri",
    "signup",
    "sign-up",
    "related",
    "recommend",
    "comment",
    "disqus",
    "byline",
    "dateline",
    "breadcrumb",
    "promo",
    "outbrain",
    "taboola",
    "sidebar",
    "author-bio",
    "authorbio",
    "author-info",
    "more-stories",
    "morestories",
    "read-more",
    "readmore",
    "most-read",
    "mostread",
    "popular",
    "trending",
    "credit",
    "toolbar",
    "tag-list",
    "taglist",
    "follow",
    "advert",
    "sponsor",
    "post-meta",
    "entry-meta",
    "article-meta",
    "meta-info",
    "timestamp",
    "pubdate",
    "published",
    "print",
    "widget",
    "teaser",
];
/// Whole class words that name furniture (too short to match inside others).
const NAMED_WORDS: &[&str] =
    &["ad", "ads", "tags", "meta", "date", "time", "author", "authors", "nav", "menu", "footer", "rating", "ratings"];
/// Words that name the article itself: an element with one of these is
/// never furniture by name (`share` in `article-share-body` notwithstanding).
const CONTENT_WORDS: &[&str] =
    &["article-body", "articlebody", "post-body", "entry-content", "story-body", "main-content"];
const FURNITURE_TAGS: &[&str] = &["nav", "aside", "form", "button", "footer", "menu", "select", "textarea", "input"];

/// The furniture name `node` bears (its tag, role or a word of its class or
/// id), if any.
fn furniture_name(node: &NodeRef) -> Option<&'static str> {
    let name = node.node_name().unwrap_or_default();
    if let Some(tag) = FURNITURE_TAGS.iter().find(|t| **t == name.as_ref()) {
        return Some(tag);
    }
    if node
        .attr("role")
        .is_some_and(|r| matches!(r.as_ref(), "navigation" | "complementary" | "contentinfo" | "banner" | "menu"))
    {
        return Some("role");
    }
    // The page marks it as the article's own summary or body: a lede in a
    // "teaser" box is the article's first paragraph (even half of
    // trafilatura's set: 7 of the 13 pages that lost text lost their lede).
    if node.attr("itemprop").is_some_and(|p| {
        let p = p.to_ascii_lowercase();
        p.split_whitespace().any(|w| matches!(w, "description" | "articlebody" | "text"))
    }) {
        return None;
    }
    // Microdata marking the author (a schema.org Person): a byline or the
    // author's box, whatever the page calls it.
    if node.attr("itemprop").is_some_and(|p| p.to_ascii_lowercase().split_whitespace().any(|w| w == "author")) {
        return Some("itemprop author");
    }
    let mut words = String::new();
    for a in ["class", "id"] {
        if let Some(v) = node.attr(a) {
            words.push(' ');
            words.push_str(&v.to_ascii_lowercase());
        }
    }
    if words.is_empty() || CONTENT_WORDS.iter().any(|w| words.contains(w)) {
        return None;
    }
    // A word of five or more parts is a slug (an id made from a heading,
    // "sharing-with-a-single-developer"), not a name for furniture. A BEM
    // modifier ("section--ads": a section that holds ad slots) says what a
    // block holds or looks like, not what it is, so it is not read.
    words
        .split(|c: char| c.is_whitespace())
        .map(|w| w.split("--").next().unwrap_or(w))
        .filter(|w| !w.is_empty() && w.split(['-', '_']).filter(|p| !p.is_empty()).count() < 5)
        .find_map(|w| {
            NAMED
                .iter()
                .find(|n| w.contains(*n))
                .or_else(|| w.split(['-', '_']).find_map(|part| NAMED_WORDS.iter().find(|n| **n == part)))
                .copied()
        })
}

/// Names a page gives its own article's parts as often as other stories'
/// cards: a "teaser" or "promo" block is another story's only when it
/// links somewhere (a card's headline or "more" link; its summary is
/// plain text); without a link it is the lede or the lead image.
const LINKING_NAMES: &[&str] = &["teaser", "promo"];

/// Inline elements: named ones inside running text (a `<span
/// class=dateline>` opening the first paragraph) are part of the sentence
/// the reader sees.
const INLINE: &str = "span, a, em, i, b, strong, small, font, abbr, cite, label";

fn remove_named(doc: &Document, total: usize) -> bool {
    let mut changed = false;
    for node in doc.select("*").nodes() {
        // Nodes of a subtree already taken hang below a parentless root.
        if node.parent().is_none() || !node.ancestors(None).iter().any(|a| a.is("html")) {
            continue;
        }
        let Some(name) = furniture_name(node) else { continue };
        if LINKING_NAMES.contains(&name) && !node.is("a[href]") && !node.descendants().iter().any(|d| d.is("a[href]")) {
            continue;
        }
        if node.is(INLINE) && in_running_text(node) {
            continue;
        }
        let len = text_len(node);
        if (len as f64) <= MAX_SHARE * total as f64 {
            drop_node(node, name);
            changed = true;
        }
    }
    changed
}

/// Whether `node` sits in a sentence: a sibling text node carries words.
fn in_running_text(node: &NodeRef) -> bool {
    let Some(parent) = node.parent() else { return false };
    parent.children().iter().any(|c| c.is_text() && c.text().chars().filter(|ch| ch.is_alphanumeric()).count() >= 3)
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // Our own patterns, fixed at compile time and covered by the tests.
    cell.get_or_init(|| Regex::new(pattern).expect("built-in pattern"))
}

/// Whether `text`, trimmed, is a line of at most `max_chars` characters
/// that `pattern` matches; the length is looked at first, as it is much
/// cheaper than the pattern on the long blocks most text is in.
fn short_match(text: &str, max_chars: usize, cell: &'static OnceLock<Regex>, pattern: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= max_chars && regex(cell, pattern).is_match(t)
}

/// A heading that introduces a list of other stories or the comments.
fn is_more_heading(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?i)^\W*(related|(.{0,40}(?-u:\b))?similar (dishes|recipes|articles|posts|stories|products|items|topics)|more (from|on|about|stories|news|in)|read more|see also|also read|read also|recommended|you may also like|you might also like|most (read|popular)|popular|trending|further reading|more like this|comments?|leave a (reply|comment)|\d+ comments?|mehr zum thema|mehr (aus|zu|von)|weitere (artikel|beiträge|nachrichten|themen)|das könnte sie auch interessieren|lesen sie auch|verwandte|ähnliche (beiträge|artikel)|siehe auch|weitere informationen|schon gelesen|auch interessant|mehr dazu|czytaj (też|także|również)|lea (más|también)|kommentare|à lire aussi|lire aussi|sur le même sujet|leer más|noticias relacionadas|te puede interesar|相关(新闻|阅读|文章|报道)|相關(新聞|閱讀|文章|報導)|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|weiterlesen|das könnte (dich|sie) auch interessieren|meistgelesen\w*|meistdiskutiert\w*|artikel und videos zum thema|lea también|lee también|le puede interesar|puedes ver|veja também|leia também|voir aussi|à lire également)\b?.{0,30}$",
    )
    .is_match(text.trim())
}

fn remove_headed_lists(doc: &Document, total: usize) -> bool {
    let mut changed = false;
    for h in doc.select("h1, h2, h3, h4, h5, h6, strong, b, p, div, span").nodes() {
        // A div or span is a heading only when it is nothing but text.
        if h.parent().is_none() || (h.is("div, span") && !h.element_children().is_empty()) {
            continue;
        }
        let text = h.text();
        if text.chars().count() > 60 {
            continue;
        }
        let about_author = is_author_heading(&text);
        if !(about_author || is_more_heading(&text)) {
            continue;
        }
        // The heading and the list right after it; a heading alone (a
        // "Comments" title with nothing after) goes too. An author's box
        // is a short paragraph, not a list of links.
        // A title set inside the list it heads ("<ul><span>More on this
        // topic</span><li>…"): the list goes with it.
        if let Some(list) = h.parent().filter(|p| {
            p.is("ul, ol") && !h.is("li") && (text_len(p) as f64) <= MAX_SHARE * total as f64 && link_share(p) > 0.5
        }) {
            drop_node(&list, "headed list");
            changed = true;
            continue;
        }
        let mut next = h.next_element_sibling();
        // An author's box often names the author in a heading of its own
        // between its title and the biography.
        if let Some(name) = next.filter(|n| about_author && n.is("h2, h3, h4, h5, h6") && text_len(n) <= 80) {
            next = name.next_element_sibling();
            drop_node(&name, "author name");
        }
        if let Some(n) = next.filter(|n| {
            let name = n.node_name().unwrap_or_default();
            matches!(name.as_ref(), "ul" | "ol" | "div" | "section" | "p")
                && (text_len(n) as f64) <= MAX_SHARE * total as f64
                && (name.as_ref() != "p" && name.as_ref() != "div"
                    || link_share(n) > 0.5
                    || about_author && text_len(n) <= 600)
        }) {
            drop_node(&n, "headed list");
        }
        drop_node(h, "more heading");
        changed = true;
    }
    changed
}

/// A heading over the author's short biography.
fn is_author_heading(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?i)^\W*(about the authors?|(the )?authors?|über (den autor|die autorin|die autoren|uns)|zur person|(der |zum )?autor(in|en)?|die autorin|autoreninfo|à propos de l'auteur|sobre el autor|o autorze)\W*$",
    )
    .is_match(text.trim())
}

/// Share of `node`'s text that sits inside links.
fn link_share(node: &NodeRef) -> f64 {
    let all = text_len(node);
    if all == 0 {
        return 0.0;
    }
    let linked: usize = node.descendants().iter().filter(|d| d.is("a")).map(text_len).sum();
    linked as f64 / all as f64
}

/// A list of links (three or more short items, nearly all link text) is a
/// list of other stories; a list of sources inside a paragraph is not a list.
fn remove_link_lists(doc: &Document, total: usize) -> bool {
    let mut changed = false;
    for list in doc.select("ul, ol").nodes() {
        if list.parent().is_none() {
            continue;
        }
        let items: Vec<NodeRef> = list.element_children().into_iter().filter(|c| c.is("li")).collect();
        if items.len() < 3 {
            continue;
        }
        let len = text_len(list);
        let short = items.iter().all(|i| text_len(i) < 120);
        if short && link_share(list) > 0.85 && (len as f64) <= MAX_SHARE * total as f64 {
            drop_node(list, "link list");
            changed = true;
        }
    }
    changed
}

/// A caption shown again: the first showing stays. Only captions (and
/// short blocks repeating one) count: a paragraph an article repeats on
/// purpose (a refrain, a quoted chorus) is text, and Mozilla's pages lost a
/// third of their recall when every repeated paragraph went.
fn remove_repeats(doc: &Document) -> bool {
    let mut seen: HashMap<String, (NodeId, bool)> = HashMap::new();
    let mut changed = false;
    for node in doc.select("p, figcaption, li, h2, h3, h4, blockquote, [class*=caption]").nodes() {
        if node.parent().is_none() {
            continue;
        }
        let key: String = node.text().split_whitespace().collect::<Vec<_>>().join(" ");
        if key.chars().count() < 20 {
            continue;
        }
        let caption = is_caption(node);
        match seen.get(&key) {
            // A caption's paragraph repeats its container's text; that is
            // one showing, not two.
            Some((first, _)) if node.ancestors(None).iter().any(|a| a.id == *first) => {}
            Some((_, first_caption)) if caption || (*first_caption && key.chars().count() <= SHORT_LINE * 2) => {
                drop_node(node, "repeat");
                changed = true;
            }
            Some(_) => {}
            None => {
                seen.insert(key, (node.id, caption));
            }
        }
    }
    changed
}

/// Figure captions, and blocks named as captions: the picture stays, its
/// caption and credit go.
fn remove_captions(doc: &Document, total: usize) -> bool {
    // A caption outside <figure> is named one ("wp-caption-text",
    // "image-caption"); a container so named that holds the picture too
    // is the figure, which stays.
    let captions = doc.select(
        "figcaption, [class*=caption]:not(:has(img, picture, video, figure)), \
         [class*=Caption]:not(:has(img, picture, video, figure))",
    );
    // A gallery or a listicle tells its story in its captions: when they
    // hold most of the text, they are the article.
    let captioned: usize = captions.nodes().iter().map(text_len).sum();
    if captioned as f64 > GALLERY * total as f64 {
        return false;
    }
    let mut changed = false;
    for node in captions.nodes() {
        if node.parent().is_some() && (text_len(node) as f64) <= MAX_SHARE * total as f64 {
            drop_node(node, "caption");
            changed = true;
        }
    }
    changed
}

/// A figure's caption: a `<figcaption>`, an element whose class names a
/// caption, or anything inside a `<figure>`.
fn is_caption(node: &NodeRef) -> bool {
    node.is("figcaption, [class*=caption], [class*=Caption]")
        || node.ancestors(None).iter().any(|a| a.is("figure, figcaption, [class*=caption]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_captions_lose_their_repeats() {
        let para = "The chorus came back again and again, as choruses do.";
        let cap = "Volunteers sort the returned books on Saturday morning.";
        let html = format!(
            "<p>{para}</p><p>Between the two.</p><p>{para}</p><img src=a.jpg><p class=photo-caption>{cap}</p><p>More text here.</p><img src=b.jpg><p class=photo-caption>{cap}</p>"
        );
        // A site rule's article keeps its captions: only the repeat goes.
        let out = clean(&html, false);
        assert_eq!(out.matches(para).count(), 2, "{out}");
        assert_eq!(out.matches(cap).count(), 1, "{out}");
    }

    #[test]
    fn an_id_made_from_a_heading_is_not_a_name() {
        let body = "Sharing changesets with a single developer is the simple case. ".repeat(10);
        let html = format!(
            "<div id=sharing-with-a-single-developer><h2>Sharing</h2><p>{body}</p></div><div id=intro><p>{body}</p><p>{body}</p></div><div class=share-bar>Share</div>"
        );
        let out = clean(&html, true);
        assert!(out.contains("sharing-with-a-single-developer"), "{out}");
        assert!(!out.contains("share-bar"), "{out}");
    }

    #[test]
    fn a_gallery_told_in_its_captions_keeps_them() {
        let step = |n: u32| {
            format!(
                "<figure><img src={n}.jpg><figcaption>Costume {n}: a bowler hat, false lashes and a striped shirt from the back of the wardrobe.</figcaption></figure>"
            )
        };
        let html = format!("<p>Five costumes.</p>{}", (1..=5).map(step).collect::<String>());
        let out = clean(&html, true);
        assert_eq!(out.matches("a bowler hat").count(), 5, "{out}");
        let story = "<p>The council met on Tuesday and voted to keep the ferry running all winter long.</p>".repeat(4);
        let out = clean(&format!("{story}{}", step(1)), true);
        assert!(!out.contains("a bowler hat") && out.contains("1.jpg"), "{out}");
    }

    #[test]
    fn an_author_box_under_a_bare_author_title_goes() {
        let body = "<p>The council met on Tuesday and voted to keep the ferry running all winter long.</p>".repeat(8);
        let html =
            format!("{body}<div>Author</div><h3>Jane Roe</h3><p>Jane Roe has covered the council for ten years.</p>");
        let out = clean(&html, true);
        assert!(!out.contains("Jane Roe") && !out.contains("Author"), "{out}");
        assert_eq!(out.matches("voted to keep the ferry").count(), 8, "{out}");
    }

    #[test]
    fn more_headings() {
        assert!(is_more_heading("Related stories"));
        assert!(is_more_heading("More from Politics"));
        assert!(is_more_heading("相关新闻"));
        assert!(is_more_heading("New and exciting similar dishes for you to try"));
        assert!(!is_more_heading("Relatedness in graph theory is a deep topic with many results"));
        assert!(is_author_heading("Über den Autor") && is_author_heading("About the author:"));
        assert!(is_author_heading("AUTOR") && is_author_heading("The author"));
        assert!(!is_author_heading("The author of the report spoke to the committee"));
    }
}
