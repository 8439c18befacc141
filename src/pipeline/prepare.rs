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
/// share (or the feed's own home page) identifies none of them.
pub fn keys_for(source: &Source, feed: &Feed, base: Option<&Url>) -> Vec<(Option<Url>, Keys)> {
    let links: Vec<Option<Url>> =
        feed.items.iter().map(|i| i.link.as_deref().and_then(|l| identity::post_link(l, base))).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for l in links.iter().flatten() {
        *counts.entry(identity::identity_link(l)).or_default() += 1;
    }
    let home = feed.link.as_deref().and_then(|l| identity::post_link(l, base)).map(|u| identity::identity_link(&u));
    feed.items
        .iter()
        .zip(links)
        .map(|(item, link)| {
            let id_link = link
                .as_ref()
                .map(identity::identity_link)
                .filter(|l| counts.get(l) == Some(&1) && home.as_deref() != Some(l.as_str()));
            let keys = Keys::new(&source.name, item.guid.as_deref(), id_link.as_deref(), &item.title, &item.body);
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
        NewPost { contents: self.post.render(), link: self.post.link, keys: self.keys, name: self.file_name }
    }
}
