//! Templates (minijinja, embedded, overridable from `DIR/_theme/`), post
//! bodies (Markdown with inline HTML, as Jekyll's kramdown reads them) and
//! the comments block.

use std::path::Path;

use minijinja::{Environment, Value};

use super::output::signature;
use crate::config::{CommentProvider, Comments};
use crate::extract::bounds::{self, OverBound};

/// Templates and assets of the default theme.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("theme/base.html")),
    ("post.html", include_str!("theme/post.html")),
    ("list.html", include_str!("theme/list.html")),
    ("index.html", include_str!("theme/index.html")),
    ("page.html", include_str!("theme/page.html")),
    ("search.html", include_str!("theme/search.html")),
    ("404.html", include_str!("theme/404.html")),
];
const ASSETS: &[(&str, &str)] =
    &[("style.css", include_str!("theme/style.css")), ("search.js", include_str!("theme/search.js"))];

/// Bumped whenever the same post and theme render to different output
/// (2: bodies sanitised at build time, titles escaped; 3: one-line bodies,
/// badges of re-checked originals, page language; 4: paginated month
/// archives; 5: search document chunks versioned by their documents), so a
/// new binary re-renders exactly the pages whose output differs (all of
/// them), and an unchanged one re-renders nothing. `tests/render_version.rs` enforces the
/// rule: it fails when the output for its fixture site changes while this
/// number does not.
pub const RENDER_VERSION: u32 = 5;

pub struct Theme {
    pub env: Environment<'static>,
    /// `assets/newsmirror/<name>` → contents.
    pub assets: Vec<(String, String)>,
    /// Changes whenever a template or asset does: every page depends on it.
    pub fingerprint: u64,
}

impl Theme {
    /// The default theme with any `DIR/_theme/templates/<name>` and
    /// `DIR/_theme/assets/<name>` files in its place.
    pub fn load(site: &Path) -> Result<Theme, String> {
        let mut env = Environment::new();
        // minijinja's own escaping also turns `/` into `&#x2f;`, which makes
        // every URL three times longer; `&<>"` are all HTML needs.
        env.set_formatter(|out, _state, value| {
            let text = if value.is_none() || value.is_undefined() {
                String::new()
            } else if value.is_safe() {
                value.to_string()
            } else {
                escape_attr(&value.to_string())
            };
            std::fmt::Write::write_str(out, &text)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        });
        let mut texts = Vec::new();
        for (name, default) in TEMPLATES {
            let text = override_or(site, "templates", name, default);
            texts.push((name.to_string(), text.clone()));
            env.add_template_owned(name.to_string(), text).map_err(|e| format!("template {name}: {e}"))?;
        }
        let assets: Vec<(String, String)> = ASSETS
            .iter()
            .map(|(name, default)| (name.to_string(), override_or(site, "assets", name, default)))
            .collect();
        let fingerprint = signature((RENDER_VERSION, &texts, &assets));
        Ok(Theme { env, assets, fingerprint })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<Vec<u8>, String> {
        let tmpl = self.env.get_template(name).map_err(|e| e.to_string())?;
        tmpl.render(ctx).map(String::into_bytes).map_err(|e| format!("{name}: {e}"))
    }
}

fn override_or(site: &Path, kind: &str, name: &str, default: &str) -> String {
    std::fs::read_to_string(site.join("_theme").join(kind).join(name)).unwrap_or_else(|_| default.to_string())
}

/// A post's or page's Markdown (with inline HTML) as HTML.
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    html::push_html(&mut out, parser);
    out
}

/// A post's body as the site publishes it (page and Atom feed alike): its
/// Markdown rendered, its links fixed, then sanitised with ingest's policy.
/// Old posts, raw sources and hand-edited files hold whatever their feeds
/// held (scripts, forms, styles); the file stays as it is, the published
/// page never runs any of it. Sanitising is idempotent, so a body newsmirror
/// sanitised at ingest comes out unchanged.
pub fn post_body(markdown_text: &str, from: &str, baseurl: &str) -> (String, Option<OverBound>) {
    // Relative links of old posts point at their original site: the
    // sanitiser resolves them against `from:`; then `/assets/…` moves under
    // the base URL.
    let origin = url::Url::parse(from.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
    let html = markdown(markdown_text);
    // An old or raw post is as hostile as a page: one the parser or the
    // serialiser would take minutes over is shown as its text.
    let (safe, over) = match bounds::prepare(&html, &bounds::PAGE) {
        Ok(html) => (crate::sanitize::sanitize(&html, origin.as_ref()), None),
        Err(why) => (bounds::as_text(&html, &bounds::PAGE), Some(why)),
    };
    (fix_links(&safe, from, baseurl), over)
}

/// Whether a post's `from:` may be a link on the site: an old post's could
/// be `javascript:` or anything else.
pub fn is_web_link(from: &str) -> bool {
    url::Url::parse(from.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Links in a post's content as a reader of this site needs them: the
/// old system copied feed HTML as is, so `/tag/x` and `page.html` still
/// point at the original site (resolved against the post's `from:`), and
/// images mirrored into `/assets/` move under the base URL. Content with no
/// such link (anything newsmirror wrote) is returned untouched, unparsed.
pub fn fix_links(html: &str, from: &str, baseurl: &str) -> String {
    if !needs_fixing(html) {
        return html.to_string();
    }
    let origin = url::Url::parse(from).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
    let fix = |value: &str| -> Option<String> {
        let v = value.trim();
        if v.starts_with("/assets/") {
            return Some(format!("{baseurl}{v}"));
        }
        if is_settled(v) {
            return None;
        }
        origin.as_ref().and_then(|o| o.join(v).ok()).map(String::from)
    };
    rewrite_links(html, fix)
}

/// Root-relative links in a page outside `_posts/` (`/lists/BBC` in the old
/// lists) meant the site's root: under a base URL they move with it.
pub fn under_base(html: &str, baseurl: &str) -> String {
    if baseurl.is_empty() || !(html.contains("=\"/") || html.contains("='/")) {
        return html.to_string();
    }
    let fix = |v: &str| -> Option<String> {
        let on_site = v.starts_with('/') && !v.starts_with("//");
        let already = v == baseurl || v.starts_with(&format!("{baseurl}/"));
        (on_site && !already).then(|| format!("{baseurl}{v}"))
    };
    rewrite_links(html, fix)
}

/// `html` with each link (`a[href]`) and image (`img[src]`) that `fix`
/// returns a new value for rewritten to it; unparsable HTML comes back as is.
fn rewrite_links(html: &str, fix: impl Fn(&str) -> Option<String>) -> String {
    let fix = &fix;
    let handler = |attr: &'static str| {
        move |el: &mut lol_html::html_content::Element| {
            if let Some(fixed) = el.get_attribute(attr).and_then(|v| fix(&v)) {
                el.set_attribute(attr, &fixed)?;
            }
            Ok(())
        }
    };
    let settings = lol_html::RewriteStrSettings {
        element_content_handlers: vec![
            lol_html::element!("a[href]", handler("href")),
            lol_html::element!("img[src]", handler("src")),
        ],
        ..lol_html::RewriteStrSettings::new()
    };
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// Absolute, a fragment, or not a navigation at all.
fn is_settled(v: &str) -> bool {
    let lower = v.get(..v.len().min(11)).unwrap_or(v).to_ascii_lowercase();
    v.is_empty()
        || v.starts_with('#')
        || v.starts_with("//")
        || ["http:", "https:", "mailto:", "data:", "javascript:", "tel:", "ftp:", "magnet:"]
            .iter()
            .any(|s| lower.starts_with(s))
}

fn needs_fixing(html: &str) -> bool {
    // Every `href=`/`src=` (as written, in these two cases) ends at an `=`:
    // one memchr pass over the body, not four substring searches, most of
    // whose bytes are text.
    let bytes = html.as_bytes();
    memchr::memchr_iter(b'=', bytes).any(|eq| {
        let before = &bytes[..eq];
        if ![&b"href"[..], b"src", b"HREF", b"SRC"].iter().any(|attr| before.ends_with(attr)) {
            return false;
        }
        // `=` is ASCII: the byte after it starts a character.
        let value = html[eq + 1..].trim_start_matches(['"', '\'', ' ']);
        let end = value.find(['"', '\'', ' ', '>']).unwrap_or(value.len());
        let v = &value[..end];
        v.starts_with("/assets/") || !is_settled(v)
    })
}

/// The provider's embed for a post, from `[site.comments]`.
pub fn comments_block(c: &Comments) -> String {
    let attrs = |prefix: &str| {
        c.settings
            .iter()
            .map(|(k, v)| format!(" {prefix}{}=\"{}\"", escape_attr(&k.replace('_', "-")), escape_attr(v)))
            .collect::<String>()
    };
    match c.provider {
        CommentProvider::Giscus => format!(
            "<script src=\"https://giscus.app/client.js\" data-mapping=\"pathname\"{} crossorigin=\"anonymous\" async></script>",
            attrs("data-")
        ),
        CommentProvider::Utterances => format!(
            "<script src=\"https://utteranc.es/client.js\" issue-term=\"pathname\"{} crossorigin=\"anonymous\" async></script>",
            attrs("")
        ),
        CommentProvider::Gitalk => {
            let config: serde_json::Map<String, serde_json::Value> = c
                .settings
                .iter()
                .map(|(k, v)| {
                    let value = if k == "admin" {
                        serde_json::Value::from(v.split(',').map(|a| a.trim().to_string()).collect::<Vec<_>>())
                    } else {
                        serde_json::Value::from(v.as_str())
                    };
                    (camel(k), value)
                })
                .collect();
            let json = serde_json::to_string(&config).unwrap_or_default().replace("</", "<\\/");
            format!(
                "<div id=\"gitalk-container\"></div>\
                 <link rel=\"stylesheet\" href=\"https://unpkg.com/gitalk/dist/gitalk.css\">\
                 <script src=\"https://unpkg.com/gitalk/dist/gitalk.min.js\"></script>\
                 <script>if (window.Gitalk) {{ var c = {json}; c.id = c.id || location.pathname.slice(0, 50); new Gitalk(c).render(\"gitalk-container\"); }}</script>"
            )
        }
    }
}

fn camel(k: &str) -> String {
    match k {
        "client_id" => "clientID".into(),
        "client_secret" => "clientSecret".into(),
        other => other.to_string(),
    }
}

pub fn escape_attr(s: &str) -> String {
    escape(s, b"&\"<>")
}

pub fn escape_text(s: &str) -> String {
    escape(s, b"&<>")
}

/// `s` with each of `special` (ASCII) as its entity: one pass, and no
/// allocation beyond the result; every value in every page goes through it.
fn escape(s: &str, special: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        if !special.contains(&b) {
            continue;
        }
        let entity = match b {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            _ => "&gt;",
        };
        // Only ASCII bytes are special, so `i` is a character boundary.
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_format_s_body_renders_as_jekyll_shows_it() {
        let html = markdown("<!--1675154046000-->\n[Title](https://e.example/a)\n------\n\n<div><p>x</p></div>\n");
        assert!(html.contains("<h2><a href=\"https://e.example/a\">Title</a></h2>"), "{html}");
        assert!(html.contains("<div><p>x</p></div>"), "{html}");
    }

    #[test]
    fn old_content_links_point_at_the_original_site_and_assets_at_the_base() {
        let html = "<a href='/tag/x'>t</a><a href=\"https://e.example/y\">y</a><img src=\"/assets/ab.jpg\"><a href=\"#n\">n</a>";
        let out = fix_links(html, "https://www.cna.com.tw/news/aopl/1.aspx", "/m");
        assert!(out.contains("href=\"https://www.cna.com.tw/tag/x\""), "{out}");
        assert!(out.contains("src=\"/m/assets/ab.jpg\"") && out.contains("href=\"#n\""), "{out}");
        let clean = "<p><a href=\"https://e.example/\">x</a></p>";
        for (html, needs) in [
            (clean, false),
            ("<p>a=b src=</p><img SRC='/assets/x.png'>", true),
            ("<a data-href=\"x/y\">", true),
            ("<a Href=\"x/y\">", false),
            ("<img src=\"data:x\"><a href=#top>", false),
            ("=href=\"/y\"", true),
        ] {
            assert_eq!(needs_fixing(html), needs, "{html}");
        }
        assert_eq!(fix_links(clean, "https://e.example/a", "/m"), clean);
    }

    #[test]
    fn page_links_to_the_root_move_under_the_base_url() {
        let out =
            under_base("<a href=\"/lists/BBC\">x</a><a href=\"/m/ok\">y</a><a href=\"//cdn.example/x\">z</a>", "/m");
        assert!(
            out.contains("href=\"/m/lists/BBC\"")
                && out.contains("href=\"/m/ok\"")
                && out.contains("href=\"//cdn.example/x\""),
            "{out}"
        );
    }

    #[test]
    fn escapes_are_the_entities_of_html_s_specials() {
        let s = "a&b\"c'<d>é&amp;中";
        assert_eq!(escape_attr(s), "a&amp;b&quot;c'&lt;d&gt;é&amp;amp;中");
        assert_eq!(escape_text(s), "a&amp;b\"c'&lt;d&gt;é&amp;amp;中");
        assert_eq!(escape_attr(""), "");
    }

    #[test]
    fn comment_settings_become_the_provider_s_attributes() {
        let c = Comments {
            provider: CommentProvider::Utterances,
            settings: [("repo".to_string(), "me/mirror\"x".to_string())].into_iter().collect(),
        };
        let html = comments_block(&c);
        assert!(html.contains("utteranc.es/client.js") && html.contains("repo=\"me/mirror&quot;x\""), "{html}");
    }
}
