//! From a parsed feed to posts ready to write: identity, content, rendering.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::Source;
use crate::feed::{Feed, Item};
use crate::post::{self, Post};
use crate::store::{Keys, NewPost, identity};

/// One item on its way to becoming a post.
pub struct Prepared {
    pub keys: Keys,
    pub post: Post,
    pub file_name: String,
}

/// Identity keys of every item of `feed`, in feed order. A link several items
/// share (or the feed's own home page) identifies none of them, nor does a
/// title and time several items share. Relative links resolve against the
/// URL the feed came from, or, for a feed read from a file, its home page.
pub fn keys_for(source: &Source, feed: &Feed, base: Option<&Url>) -> Vec<(Option<Url>, Keys)> {
    let fetched = base.filter(|b| matches!(b.scheme(), "http" | "https"));
    let home_url = feed.link.as_deref().and_then(|l| identity::post_link(l, fetched));
    let base = fetched.or(home_url.as_ref());
    let links: Vec<Option<Url>> =
        feed.items.iter().map(|i| i.link.as_deref().and_then(|l| identity::post_link(l, base))).collect();
    let mirrored = !source.mirror_hosts.is_empty();
    let id_of = |l: &Url| {
        let mirror = mirrored.then(|| identity::mirror_identity(&source.name, l, &source.mirror_hosts)).flatten();
        mirror.unwrap_or_else(|| identity::identity_link(l))
    };
    let title_time = |item: &Item| {
        let title = Some(item.title.trim()).filter(|t| !t.is_empty())?;
        Some(identity::title_time_key(&source.name, title, item.published?))
    };
    // Each item's link identity and title key, made once: the counting and
    // the keys below both need them.
    let ids: Vec<Option<String>> = links.iter().map(|l| l.as_ref().map(id_of)).collect();
    let title_times: Vec<Option<String>> = feed.items.iter().map(title_time).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in ids.iter().chain(&title_times).flatten() {
        *counts.entry(key.as_str()).or_default() += 1;
    }
    let once = |key: &String| counts.get(key.as_str()) == Some(&1);
    let home = home_url.as_ref().map(id_of);
    feed.items
        .iter()
        .zip(links)
        .zip(ids.iter().zip(&title_times))
        .map(|((item, link), (id, title_time))| {
            let id_link = id.as_ref().filter(|l| once(l) && home.as_deref() != Some(l.as_str()));
            // A GUID that is a mirror link rotates with the mirror too; a
            // source without mirror hosts has none to parse it for.
            let guid = item.guid.as_deref().map(|g| {
                mirrored
                    .then(|| Url::parse(g.trim()).ok())
                    .flatten()
                    .and_then(|u| identity::mirror_identity(&source.name, &u, &source.mirror_hosts))
                    .unwrap_or_else(|| g.to_string())
            });
            let id_link = id_link.map(String::as_str);
            let mut keys = Keys::new(&source.name, guid.as_deref(), id_link, &item.title, &item.body);
            if let Some(key) = title_time.as_ref().filter(|k| once(k)) {
                keys = keys.also(key.clone());
            }
            (link, keys)
        })
        .collect()
}

/// Build the post for one item around its final `content` (see [`super::content`]).
pub fn prepare(
    item: &Item,
    link: Option<&Url>,
    keys: Keys,
    source: &Source,
    run_time: DateTime<Utc>,
    content: String,
) -> Prepared {
    let link_text = link.map(Url::as_str).unwrap_or_default();
    let post = Post::new(
        post::Fields {
            title: &item.title,
            link: link_text,
            author: item.author.as_deref(),
            published: item.published,
            content,
        },
        &post::Context {
            source_name: &source.name,
            extra_tags: &source.tags,
            author_override: source.author.as_deref(),
            run_time,
        },
    );
    let file_name = post::file_name(post.date, &post.title, || keys.short_hash());
    Prepared { keys, post, file_name }
}

impl Prepared {
    pub fn into_new_post(self) -> NewPost {
        NewPost {
            contents: self.post.render(),
            link: self.post.link,
            keys: self.keys,
            name: self.file_name,
            capture: None,
        }
    }
}
