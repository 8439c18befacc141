//! Built-in rules for the sites mirrors follow most (the feeds of the old
//! system's archive: CNA, RFI, DW, NYT Chinese, Reuters Chinese, VOA, RFA,
//! BBC Chinese, Zaobao, and China Digital Times).
//!
//! Each `remove` list names the furniture seen in that site's feed content
//! or pages (keyword tags, "more articles" lists, carousels, ad slots,
//! self-promotion, boilerplate lines); each `content` list names the
//! article container of its pages, newest layout first. Tests in
//! `tests/extract_rules.rs` hold one real page shape per site.

use super::rules::Rules;

struct Site {
    domains: &'static [&'static str],
    content: &'static [&'static str],
    remove: &'static [&'static str],
}

const SITES: &[Site] = &[
    Site {
        // Central News Agency (Taiwan). Feed content (feedx) carries the
        // whole `.paragraph` column: keyword tags, two "more articles" blocks
        // and the top-news carousel follow the article.
        domains: &["cna.com.tw"],
        content: &["div.centralContent div.paragraph"],
        remove: &[
            ".articlekeywordGroup",
            ".moreArticle",
            ".bottomBox",
            ".bottomArticleBanner",
            ".topNews",
            ".owl-carousel",
            "[class*=adslot]",
            ".shareBar",
            ".SubscriptionInner",
        ],
    },
    Site {
        // Radio France Internationale: newsletter and app promotion slots.
        domains: &["rfi.fr"],
        content: &["div.t-content__body", "article"],
        remove: &[
            ".o-self-promo",
            ".m-interstitial",
            ".t-content__tags",
            ".m-feed-sub",
            ".o-related-articles",
            ".m-em-social-buttons",
            "[class*=share-bar]",
        ],
    },
    Site {
        // Deutsche Welle: the copyright notice closing every Chinese article.
        domains: &["dw.com"],
        content: &["div.longText", "div.rich-text", "article"],
        remove: &[
            "p:contains(\"德国之声版权声明\")",
            "p:contains(\"德國之聲版權聲明\")",
            ".related",
            "[data-tracking-name=related-content]",
            ".share",
        ],
    },
    Site {
        // The New York Times Chinese edition: subscription and follow-us
        // lines, dual-language switches and ad slots.
        domains: &["cn.nytimes.com", "nytimes.com", "cn.nytstyle.com"],
        content: &["section.article-body", "div.article-body", "section[name=articleBody]"],
        remove: &[
            "p:contains(\"点击此处订阅\")",
            "p:contains(\"點擊此處訂閱\")",
            ".article-dual-info",
            ".big_ad",
            ".ad_sidebar",
            "[id^=dfp-ad]",
            ".related-articles",
            ".article-footer",
        ],
    },
    Site {
        // Reuters (Chinese and English): toolbars, attribution and "read more".
        domains: &["reuters.com"],
        content: &["div.ArticleBodyWrapper", "div.StandardArticleBody_body", "div[class*=article-body__content]"],
        remove: &[
            "[class*=RelatedCoverage]",
            "[class*=ReadMore]",
            "[class*=Attribution_container]",
            "[class*=article-body__toolbar]",
            "[data-testid=Toolbar]",
            ".trust-badge",
            "[class*=Slideshow]",
        ],
    },
    Site {
        // Voice of America: "also read" boxes, share bars, comment sections.
        domains: &["voachinese.com", "voacantonese.com", "voanews.com"],
        content: &["div#article-content div.wsw", "div.wsw"],
        remove: &[".also-read", ".media-block-wrap .related", ".share", ".comments", ".ad", ".embed-player--promo"],
    },
    Site {
        // Radio Free Asia: share bar, tag and related lists.
        domains: &["rfa.org"],
        content: &["div#storytext", "div.storytext", "article"],
        remove: &["#socialshare", ".share", "#related", ".related", ".tags", "#comments", ".story-tags"],
    },
    Site {
        // BBC News (Chinese): related content, most-read, topic tags, nav.
        domains: &["bbc.com", "bbc.co.uk"],
        content: &["main[role=main]", "article"],
        remove: &[
            "section[aria-labelledby*=related]",
            "section[aria-labelledby*=Related]",
            "section[aria-labelledby*=Most-Read]",
            "section[aria-labelledby*=most-read]",
            "aside",
            "nav",
            "[data-e2e=related-content-heading]",
            "[data-component=tag-list]",
            "[data-component=links-block]",
        ],
    },
    Site {
        // Lianhe Zaobao: in-article ad slots (DFP, Innity) and related lists.
        domains: &["zaobao.com", "zaobao.com.sg", "zaobao.sg"],
        content: &["div.article-content-rawhtml", "div#article-body", "div.article-content-container", "article"],
        remove: &[
            "#imu",
            ".dfp-tag-wrapper",
            "[id^=dfp-ad]",
            "#innity-in-post",
            ".inline-related",
            ".article-related",
            ".share-article",
        ],
    },
    Site {
        // China Digital Times (WordPress): the feed's "appeared first on"
        // line, share and related blocks. Embedded post cards stay: in its
        // guides ("CDT导览") they are the article's citations; only their
        // iframe (which the sanitiser drops anyway) goes.
        domains: &["chinadigitaltimes.net"],
        content: &["div.entry-content", "div.post-content", "article"],
        remove: &[
            "p:contains(\"appeared first on\")",
            "iframe.wp-embedded-content",
            ".sharedaddy",
            "#jp-relatedposts",
            ".jp-relatedposts",
            ".yarpp-related",
            ".post-tags",
        ],
    },
];

/// Applied to every cleaned page and feed content: share buttons and
/// tracking pixels no article needs.
pub const EVERYWHERE: &[&str] = &[
    ".feedflare",
    ".sharedaddy",
    ".jp-relatedposts",
    ".addtoany_share_save_container",
    "img[width=\"1\"][height=\"1\"]",
    "img[width=\"0\"][height=\"0\"]",
    "img[src*=\"feeds.feedburner.com/~r/\"]",
    "img[src*=\"pixel.wp.com\"]",
    "img[src*=\"stats.wordpress.com\"]",
    "img[src*=\"doubleclick.net\"]",
    "img[src*=\"google-analytics.com\"]",
    "img[src*=\"feedsportal.com\"]",
];

/// Substrings without which no [`EVERYWHERE`] selector can match: content
/// holding none of them skips the HTML parse entirely.
pub const EVERYWHERE_HINTS: &[&str] =
    &["feedflare", "sharedaddy", "jp-relatedposts", "addtoany", "<img", "<IMG", "<Img"];

pub fn rules() -> Vec<(String, Rules)> {
    let mut out = Vec::new();
    for site in SITES {
        // The table is ours and tested; a selector it cannot compile is a
        // bug caught by `every_built_in_selector_compiles`.
        let Ok(mut rules) = Rules::new(site.content, site.remove) else { continue };
        rules.built_in = true;
        for d in site.domains {
            out.push(((*d).to_string(), rules.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_selector_compiles() {
        for site in SITES {
            Rules::new(site.content, site.remove).unwrap_or_else(|e| panic!("{:?}: {e}", site.domains));
        }
        Rules::new(&[] as &[&str], EVERYWHERE).unwrap();
    }
}
