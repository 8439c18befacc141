//! The HTML elements the scan treats alike, by their lower-case names:
//! what the tree builder does with each decides what is counted.

/// Elements whose content is text up to their own end tag.
pub(super) fn is_raw_text(n: &[u8]) -> bool {
    matches!(
        n,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
            | b"noscript"
            | b"plaintext"
    )
}

pub(super) fn is_void(n: &[u8]) -> bool {
    matches!(
        n,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"image"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Start tags that close an open `<p>` (and do not reopen formatting).
pub(super) fn is_block(n: &[u8]) -> bool {
    matches!(
        n,
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"center"
            | b"details"
            | b"dialog"
            | b"dir"
            | b"div"
            | b"dl"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"form"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hgroup"
            | b"hr"
            | b"listing"
            | b"main"
            | b"menu"
            | b"nav"
            | b"ol"
            | b"p"
            | b"pre"
            | b"search"
            | b"section"
            | b"summary"
            | b"table"
            | b"ul"
            | b"li"
            | b"dd"
            | b"dt"
            | b"plaintext"
    )
}

/// Open elements a start tag ends, as the parser's implied end tags do.
pub(super) fn implied_close(n: &[u8]) -> &'static [&'static [u8]] {
    match n {
        b"li" => &[b"li"],
        b"dt" | b"dd" => &[b"dt", b"dd"],
        b"option" => &[b"option"],
        b"optgroup" => &[b"option", b"optgroup"],
        b"tr" => &[b"td", b"th", b"tr"],
        b"td" | b"th" => &[b"td", b"th"],
        b"thead" | b"tbody" | b"tfoot" => &[b"td", b"th", b"tr", b"thead", b"tbody", b"tfoot"],
        b"rb" | b"rt" | b"rp" | b"rtc" => &[b"rb", b"rt", b"rp"],
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => &[b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"],
        b"a" | b"nobr" | b"button" | b"form" => match n {
            b"a" => &[b"a"],
            b"nobr" => &[b"nobr"],
            b"button" => &[b"button"],
            _ => &[b"form"],
        },
        _ => &[],
    }
}

/// Elements the parser keeps in its list of active formatting elements.
pub(super) fn is_formatting(n: &[u8]) -> bool {
    matches!(
        n,
        b"a" | b"b"
            | b"big"
            | b"code"
            | b"em"
            | b"font"
            | b"i"
            | b"nobr"
            | b"s"
            | b"small"
            | b"strike"
            | b"strong"
            | b"tt"
            | b"u"
    )
}

/// Where a search for an element to close stops.
pub(super) fn is_scope_boundary(n: &[u8]) -> bool {
    matches!(
        n,
        b"applet"
            | b"button"
            | b"caption"
            | b"html"
            | b"marquee"
            | b"object"
            | b"table"
            | b"td"
            | b"template"
            | b"th"
            | b"ol"
            | b"ul"
            | b"dl"
            | b"svg"
            | b"math"
    )
}
