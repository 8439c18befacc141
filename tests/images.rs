//! Images: links made absolute with tracking pixels dropped (default), or
//! mirrored into `assets/` from a real server on 127.0.0.1.

mod common;

use common::http::{TestServer, handler, ok};
use common::*;

const RSS: &str = "application/rss+xml";

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..200u8).collect::<Vec<_>>());
    bytes
}

fn server() -> TestServer {
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let p = port.clone();
    let feed = move |_: &common::http::Req, _| {
        let base = format!("http://127.0.0.1:{}", p.get().unwrap());
        let words = "Text of the article, long enough to be the whole story. ".repeat(12);
        let first = format!(
            "<p>{words}</p><p><img src=\"{base}/photo.png\" srcset=\"{base}/photo-2x.png 2x\" alt=\"photo\"></p>\
             <p><img src=\"{base}/not-an-image.jpg\"></p><p><img src=\"{base}/huge.jpg\"></p>\
             <img src=\"{base}/pixel.gif\" width=\"1\" height=\"1\"><p><img src=\"../relative.png\"></p>"
        );
        let second = format!("<p>{words}</p><p><img src=\"{base}/photo.png\"></p>");
        ok(
            RSS,
            rss(&[
                It { title: "First", link: &format!("{base}/a/1"), body: &first, ..Default::default() },
                It { title: "Second", link: &format!("{base}/a/2"), body: &second, ..Default::default() },
            ]),
        )
    };
    let server = TestServer::start(vec![
        ("/f.xml", handler(feed)),
        ("/photo.png", handler(|_, _| ok("image/png", png()))),
        ("/not-an-image.jpg", handler(|_, _| ok("image/jpeg", "<html><body>Hotlinking denied</body></html>"))),
        ("/huge.jpg", handler(|_, _| ok("image/jpeg", [b"\xFF\xD8\xFF\xE0".as_slice(), &[0u8; 4096]].concat()))),
        ("/pixel.gif", handler(|_, _| ok("image/gif", b"GIF89a\x01\0\x01\0".to_vec()))),
        ("/relative.png", handler(|_, _| ok("image/png", png()))),
    ]);
    port.set(server.port).unwrap();
    server
}

fn read_post(site: &std::path::Path, title: &str) -> String {
    let name = posts(site).into_iter().find(|n| n.contains(title)).unwrap();
    std::fs::read_to_string(site.join("_posts").join(name)).unwrap()
}

#[test]
fn mirrored_images_are_stored_once_by_content_and_failures_keep_their_links() {
    let server = server();
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    // The images are on 127.0.0.1, which feed data may reach only so.
    std::fs::write(
        &config,
        format!(
            "[defaults]\nimages = \"mirror\"\nimage_max_size = \"1KiB\"\nallow_private = true\n\n[[source]]\nname = \"Pics\"\nurl = \"{}\"\n",
            server.url("/f.xml")
        ),
    )
    .unwrap();
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);

    let assets: Vec<_> = std::fs::read_dir(site.path().join("assets")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(assets.len(), 1, "one picture, one file: {assets:?}");
    assert_eq!(std::fs::read(&assets[0]).unwrap(), png());
    let name = assets[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.ends_with(".png") && name.len() == 32 + 4, "{name}");
    let copy = format!("src=\"/assets/{name}\"");

    let first = read_post(site.path(), "First");
    let second = read_post(site.path(), "Second");
    assert!(first.contains(&copy) && second.contains(&copy), "{first}\n{second}");
    assert!(!first.contains("srcset"), "the other sizes point at the original host: {first}");
    // The relative image was resolved against the item link, then mirrored.
    assert_eq!(first.matches(&copy).count(), 2, "{first}");
    assert_eq!(server.requests("/photo.png").len(), 1, "fetched once for both posts");
    assert_eq!(server.requests("/relative.png").len(), 1);

    // Failures keep the original link, and the report says why.
    let port = server.port;
    assert!(first.contains(&format!("src=\"http://127.0.0.1:{port}/not-an-image.jpg\"")), "{first}");
    assert!(first.contains(&format!("src=\"http://127.0.0.1:{port}/huge.jpg\"")), "{first}");
    assert!(
        report.contains("not-an-image.jpg: not a JPEG, PNG, GIF, WebP or AVIF image; kept the original link"),
        "{report}"
    );
    assert!(report.contains("huge.jpg: body larger than the 1024-byte cap"), "{report}");

    // The tracking pixel is gone and was never asked for.
    assert!(!first.contains("pixel.gif"), "{first}");
    assert!(server.requests("/pixel.gif").is_empty());
}

#[test]
fn by_default_images_stay_links_and_nothing_is_downloaded() {
    let server = server();
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Pics", &server.url("/f.xml"))], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!site.path().join("assets").exists());
    let first = read_post(site.path(), "First");
    assert!(first.contains(&format!("src=\"http://127.0.0.1:{}/photo.png\"", server.port)), "{first}");
    assert!(first.contains(&format!("src=\"http://127.0.0.1:{}/relative.png\"", server.port)), "{first}");
    assert!(!first.contains("pixel.gif"), "{first}");
    assert!(server.requests("/photo.png").is_empty());
}
