//! Every built-in site rule on its site's shapes: an article page (written
//! after the site's markup, in `tests/fixtures/pages/`) and, where the old
//! system's archive holds one, a real feed item with its furniture.

mod common;

use newsmirror::extract::{self, Method, RuleSet};
use url::Url;

const PARAGRAPHS: [&str; 3] = ["第一段：記者在現場看到", "第二段：當局表示", "第三段：分析人士指出"];

struct PageCase {
    file: &'static str,
    url: &'static str,
    kept: &'static [&'static str],
    gone: &'static [&'static str],
}

const PAGES: &[PageCase] = &[
    PageCase {
        file: "cna.html",
        url: "https://www.cna.com.tw/news/aopl/202301310214.aspx",
        kept: &["北約秘書長史托騰柏格。（共同社）", "1200x800.jpg"],
        gone: &[
            "#烏克蘭",
            "延伸閱讀",
            "北約秘書長促韓軍援烏克蘭",
            "聚焦新聞",
            "陽性率低",
            "分享",
            "熱門新聞",
            "版權所有",
        ],
    },
    PageCase {
        file: "rfi.html",
        url: "https://www.rfi.fr/cn/欧洲/20210122-欧盟",
        kept: &[],
        gone: &["订阅法广电子报", "下载法广应用程序", "相关文章", "宵禁", "Facebook"],
    },
    PageCase {
        file: "dw.html",
        url: "https://www.dw.com/zh/支持香港民主/a-56310170",
        kept: &["杨威廉/邹宗翰 (综合报导)"],
        gone: &["德国之声版权声明", "相关内容", "欧中投资协定", "分享"],
    },
    PageCase {
        file: "nytimes.html",
        url: "https://cn.nytimes.com/morning-brief/20210122/china-covid-trade/",
        kept: &[],
        gone: &["点击此处订阅", "感谢阅读", "中英双语", "广告", "相关报道"],
    },
    PageCase {
        file: "reuters.html",
        url: "https://cn.reuters.com/article/china-yuan-midprice-forecast-0122-idCNKBS29R035",
        kept: &[],
        gone: &["分享", "打印", "编辑 张明钧", "相关报道", "阅读更多"],
    },
    PageCase {
        file: "voa.html",
        url: "https://www.voachinese.com/a/us-jobless-claims-20210121/5747430.html",
        kept: &[],
        gone: &["另见", "拜登就职首日", "发表评论", "Twitter"],
    },
    PageCase {
        file: "rfa.html",
        url: "https://www.rfa.org/mandarin/yataibaodao/renquanfazhi/zhangzhan-01212021.html",
        kept: &["自由亚洲电台记者 柳飞"],
        gone: &["分享", "相关文章", "公民记者张展被判四年"],
    },
    PageCase {
        file: "bbc.html",
        url: "https://www.bbc.com/zhongwen/simp/chinese-news-55750224",
        kept: &["武汉封城一周年记"],
        // An image credit is furniture on every path (issue 13).
        gone: &["图像来源，Getty Images", "相关内容", "最多阅读", "新冠疫苗", "主页 国际"],
    },
    PageCase {
        file: "zaobao.html",
        url: "https://www.zaobao.com/realtime/china/story20210122-1118366",
        kept: &[],
        gone: &["dfp-ad", "innity", "吉林通化", "河北新增确诊", "分享"],
    },
    PageCase {
        file: "cdt.html",
        url: "https://chinadigitaltimes.net/chinese/2021/01/默存格物/",
        kept: &["另一篇文章"],
        gone: &["appeared first on", "相关文章", "Twitter", "标签"],
    },
];

#[test]
fn each_site_rule_keeps_the_article_and_drops_its_furniture() {
    let rules = RuleSet::default();
    for case in PAGES {
        let html = std::fs::read_to_string(common::fixture(&format!("pages/{}", case.file))).unwrap();
        let url = Url::parse(case.url).unwrap();
        let site = rules.for_link(&url).unwrap_or_else(|| panic!("no built-in rule for {}", case.url));
        let article = extract::extract_page(&html, Some(&url), Some(site)).unwrap();
        assert!(matches!(article.method, Method::Selector(_)), "{}: {:?}", case.file, article.method);
        for p in PARAGRAPHS.iter().chain(case.kept) {
            assert!(article.html.contains(p), "{}: lost {p:?}:\n{}", case.file, article.html);
        }
        for junk in case.gone {
            assert!(!article.html.contains(junk), "{}: kept {junk:?}:\n{}", case.file, article.html);
        }
    }
}

#[test]
fn without_rules_readability_still_finds_the_article() {
    // The same pages under a domain no rule covers: the generic extractors
    // (Readability, trafilatura when it finds more) must still find the
    // three paragraphs on most of them.
    let mut found = 0;
    for case in PAGES {
        let html = std::fs::read_to_string(common::fixture(&format!("pages/{}", case.file))).unwrap();
        let url = Url::parse("https://unknown.example/a").unwrap();
        if let Ok(a) = extract::extract_page(&html, Some(&url), None) {
            assert!(matches!(a.method, Method::Readability | Method::Trafilatura), "{:?}", a.method);
            found += usize::from(PARAGRAPHS.iter().all(|p| a.html.contains(p)));
        }
    }
    assert!(found >= 8, "readability found the article on only {found} of {} pages", PAGES.len());
}

/// Real feed items from the old system's archive, furniture and all.
struct FeedCase {
    post: &'static str,
    kept: &'static [&'static str],
    gone: &'static [&'static str],
}

const FEED_ITEMS: &[FeedCase] = &[
    FeedCase {
        post: "2021-01-22-買書「學會改變」發票中200萬 得主至今未現身.md",
        kept: &["（編輯：楊凱翔）1100122"],
        gone: &["延伸閱讀", "moreArticle", "adslot", "統一發票9-10月千萬得主"],
    },
    FeedCase {
        post: "2021-01-22-防疫情陡变 欧盟紧急呼吁境内避免不必要旅行 入境法国须持72小时核酸检测.md",
        kept: &["购买的疫苗总数预计将达到25亿剂"],
        gone: &["o-self-promo", "selfpromo"],
    },
    FeedCase {
        post: "2021-01-22-支持香港民主 欧洲议会呼吁欧盟制裁中港官员.md",
        kept: &["杨威廉/邹宗翰 (综合报导)"],
        gone: &["版权声明", "不得擅自使用"],
    },
    FeedCase {
        post: "2021-01-22-简报：上海等多地疫情反弹；中国未兑现美中贸易协议承诺.md",
        kept: &["韩国速滑队前教练获刑10年半"],
        gone: &["点击此处订阅", "cn.letters@nytimes.com"],
    },
    FeedCase {
        post: "2021-01-22-黑龙江新增47起确诊病例.md",
        kept: &["上述所有确诊病例和无症状感染者"],
        gone: &["dfp-ad", "innity-in-post", "imu"],
    },
    FeedCase {
        post: "2021-01-21-默存格物｜宋石男：锦衣卫那些事儿.md",
        kept: &["有明一代，厂卫领袖多是宦官"],
        gone: &["appeared first on"],
    },
];

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn real_feed_items_from_the_old_archive_lose_their_furniture() {
    let shared = common::shared().expect("../shared");
    let posts = shared.join("corpus/archive/waimei/_posts");
    let rules = RuleSet::default();
    for case in FEED_ITEMS {
        let text = std::fs::read_to_string(posts.join(case.post)).unwrap();
        let link = text.lines().find_map(|l| l.strip_prefix("from: ")).unwrap();
        let content = &text[text.find("------\n").unwrap() + 7..];
        let url = Url::parse(link).unwrap();
        let site = rules.for_link(&url).unwrap_or_else(|| panic!("no built-in rule for {link}"));
        let cleaned = extract::clean_fragment(content, Some(site));
        for k in case.kept {
            assert!(cleaned.contains(k), "{}: lost {k:?}:\n{cleaned}", case.post);
        }
        for junk in case.gone {
            assert!(!cleaned.contains(junk), "{}: kept {junk:?}:\n{cleaned}", case.post);
        }
        // Nothing but the furniture went: the article's text is all there.
        let before = extract::visible_chars(content);
        let after = extract::visible_chars(&cleaned);
        assert!(after * 10 >= before * 7 || case.gone.contains(&"延伸閱讀"), "{}: {before} → {after}", case.post);
    }
}

#[test]
fn extract_command_prints_the_article_by_the_site_s_rules() {
    let page = common::fixture("pages/cna.html");
    let page = page.to_str().unwrap();
    // A file has no address: --base-url names the site, so its rule applies.
    let out = common::newsmirror(&["extract", page, "--base-url", "https://www.cna.com.tw/news/aopl/1.aspx"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let html = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(html.contains("<p>第一段：記者在現場看到") && !html.contains("延伸閱讀"), "{html}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("by content selector \"div.centralContent div.paragraph\""), "{said}");

    // --rules by domain, --text: one paragraph per line.
    let out = common::newsmirror(&["extract", page, "--rules", "cna.com.tw", "--text"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with("第一段") && lines[3].starts_with("第三段"), "{text}");

    // Unknown rules and pages without an article are errors that say so.
    let out = common::newsmirror(&["extract", page, "--rules", "nowhere.example"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out).contains("no source or domain named \"nowhere.example\""));
    let empty = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(empty.path(), "<html><head><title>Gone</title></head><body><script>x()</script></body></html>")
        .unwrap();
    let out = common::newsmirror(&["extract", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out).contains("no article found on the page"), "{}", common::text(&out));
}

#[test]
fn extract_command_fetches_a_url_and_applies_a_configured_source_s_rules() {
    use common::http::{TestServer, handler, ok};
    let page = "<html><body><div id=\"mine\"><p>Picked by the source's rule.</p><p class=\"x\">Not this.</p></div>\
                <article><p>Readability would pick this longer article text, which has many more words in it.</p></article></body></html>";
    let server = TestServer::start(vec![("/a", handler(move |_, _| ok("text/html", page)))]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("newsmirror.toml");
    std::fs::write(
        &config,
        "[[source]]\nname = \"Mine\"\nurl = \"https://feeds.example/f\"\ncontent = \"#mine\"\nremove = \".x\"\n",
    )
    .unwrap();
    let out =
        common::newsmirror(&["extract", &server.url("/a"), "--config", config.to_str().unwrap(), "--rules", "Mine"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("Picked by the source's rule.") && !html.contains("Not this") && !html.contains("Readability"),
        "{html}"
    );
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn china_digital_times_articles_keep_all_their_text_and_citations() {
    let shared = common::shared().expect("../shared");
    let dir = shared.join("corpus/extraction/duty-machine-chinadigitaltimes/articles");
    let rules = RuleSet::default();
    let cdt = rules.for_link(&Url::parse("https://chinadigitaltimes.net/chinese/2020/07/x/").unwrap()).unwrap();
    let (mut articles, mut with_cards) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // "[title](link)\n------\n日期：…\n\n<html>"
        let Some(start) = text.find("\n\n<") else { continue };
        let html = &text[start + 2..];
        articles += 1;
        let cleaned = extract::clean_fragment(html, Some(cdt));
        // Embedded post cards are a guide's citations: their links stay,
        // their iframes go.
        if html.contains("<blockquote class=\"wp-embedded-content\"") {
            with_cards += 1;
            assert!(cleaned.contains("<blockquote class=\"wp-embedded-content\""), "{:?}", entry.path());
        }
        assert!(!cleaned.contains("<iframe class=\"wp-embedded-content\""), "{:?}", entry.path());
        let (before, after) = (extract::visible_chars(html), extract::visible_chars(&cleaned));
        assert_eq!(before, after, "{:?}: text lost", entry.path());
    }
    assert!(articles > 200 && with_cards >= 20, "{articles} articles, {with_cards} with cards");
}
