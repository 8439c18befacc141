//! Furniture known by its words rather than its name: bylines, datelines,
//! credits, the page's own widgets, "see also" lines inside the text, and
//! the appeals and contacts that close an article.

use std::sync::OnceLock;

use dom_query::{Document, NodeRef};
use regex::Regex;

use super::{SHORT_LINE, drop_node, link_share, regex, short_match};

/// Bylines, datelines, credits and share prompts: short blocks that are
/// nothing but that.
fn is_furniture_line(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    short_match(
        text,
        SHORT_LINE,
        &RE,
        r"(?x)^[(\[]?\s*(
            (?i:by|von|par|por|di|door|written\ by|text:|author:|autor:)\s+\p{Lu}[\p{L}.'’\-]*(\s+\p{Lu}[\p{L}.'’\-]*){0,3}
              ((\s*(,|and|&|und|et|y)\s*\p{Lu}[\p{L}.'’\-]*(\s+\p{Lu}[\p{L}.'’\-]*){0,3})*)(\s*[,|–—-]\s*.{0,60})?
          | (?i:published|updated|posted|last\ updated|first\ published|veröffentlicht|aktualisiert|stand|publié|mis\ à\ jour|publicado|actualizado)
              [\s:,]*(?i:on|am|le|el|at)?\s*(\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|today|yesterday|heute|gestern)).{0,50}
          | (?i:photo|photograph|picture|image|credit|foto|bild|quelle|crédit|crédito|source|źródło|bildnachweis)s?\s*(:|(?i:by|credit)|©)\s*.{0,100}
          | (\(|\[)(?i:photo|image|picture|foto)s?\s*(:|(?i:by)).{0,100}
          | .{0,80}(?i:getty\ images|shutterstock|ap\ photo|afp\ via|reuters/|/\ ?reuters|/\ ?afp|/\ ?dpa|picture\ alliance|imago\ images).{0,60}
          | ©.{0,100}
          | .{0,130}©\s*[^.!?©]{1,60}
          | (?i:share|share\ this|share\ on|follow\ us|follow\ me|sign\ up|subscribe|newsletter|teilen|folgen\ sie|partager|compartir)\b.{0,80}
          | \d{1,2}[:.]\d{2}\s*(?i:am|pm|a\.m\.|p\.m\.|uhr|h)?\s*
          | ((?i:mon|tues|wednes|thurs|fri|satur|sun)(?i:day),?\s+)?(\d{1,2}\.?\s+)?(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|dezember)\p{Ll}*\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}
              (\s*(at|um|,|-|–|\|)?\s*\d{1,2}[:.]\d{2}\s*(?i:am|pm|a\.m\.|p\.m\.|uhr)?)?(\s*\p{L}{2,4})?
          | \d{1,2}\.?\s+(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|dezember)\p{Ll}*\.?,?\s+\d{4}
              (\s*(at|um|,|-|–|\|)?\s*\d{1,2}[:.]\d{2}\s*(?i:am|pm|uhr)?)?
          | \d{4}-\d{2}-\d{2}([T\ ]\d{2}:\d{2}(:\d{2})?)?
          | \d{1,2}[./]\d{1,2}[./]\d{2,4}(\s*(,|-|–|\|)?\s*\d{1,2}[:.]\d{2}\s*(?i:uhr|am|pm)?)?
        )\W*$",
    )
}

/// The page's own controls and notices, kept as text when the article was
/// cut out of it: rating and share prompts, comment-form notices, consent
/// placeholders for embeds, image-viewer buttons, "posted in ... tagged"
/// footers, ad labels. Short blocks only, matched anywhere in them.
fn is_widget_line(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    short_match(
        text,
        200,
        &RE,
        r"(?i)(war (der|dieser) (artikel|beitrag) (nützlich|hilfreich)|noch keine bewertungen|artikel bewerten|(diesen|den) (artikel|beitrag) (mit anderen )?teilen|artikel gefallen\?|eingeloggt sein|logged in to (post|comment)|kommentare insgesamt|^\d*\s*keine kommentare|akismet|um den inhalt von .{0,60} zu laden|^inhalt laden|^bild (anzeigen|schließen)|zum vergrößern|^vergrößern$|dieser eintrag wurde .{0,30}veröffentlicht|^der beitrag wurde am|abgelegt unter|zeige alle beiträge|this entry was posted|^posted in .{0,80}tagged|^-?\s*anzeige\s*-?$|^(lade|load|loading|mehr|more|weitere) (weitere |more )?(inhalte|artikel|beiträge|posts|stories|articles|laden|anzeigen)\W*$|^(quellen|sources?) (ausblenden|einblenden|anzeigen|hide|show)$|^((von|by)\s*:|(kontakt|contact|pressekontakt)\s*:?)$|^advertisement:?$|^loading\.{3}$|^(titelbild|beitragsbild|aufmacherbild|bildquelle|crédits? photos?|crédito|imagen)\s*:)",
    )
}

/// Notices the page sets into the text for its own sake: affiliate
/// disclosures and the consent placeholders that stand in for an embed
/// until the reader allows it. Longer than a widget's label (a disclosure
/// is a sentence or two), so matched only by phrases no article sentence
/// uses.
fn is_notice_line(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    short_match(
        text,
        400,
        &RE,
        r"(?i)(^\W*affiliate-?links?\W*$|^\W*\(?(enthält |mit )?(affiliate|partner|provisions)-?links?\)?\s*[:*]|(?-u:\b)(contains|may contain|includes?) (affiliate links|references to products)|(?-u:\b)we (may )?(receive|earn) (a )?(small )?(compensation|commission)(?-u:\b)|ohne (dein|ihr)(e|en)? (einverständnis|zustimmung)|^\W*datenschutzeinstellungen (verwalten|anpassen)\W*$|^\W*\S+ freischalten\W*$|^\W*(externe[nr]? )?inhalte? (laden|anzeigen|entsperren)\W*$|(?-u:\b)(accept|manage) (all )?cookies(?-u:\b)|(?-u:\b)cookie (settings|preferences)(?-u:\b)|(?-u:\b)is not responsible for the (opinions|views|content)(?-u:\b))",
    )
}

/// The line a blog engine sets under a post: where it was filed, its tags,
/// when and by whom it was published, its licence. Often longer than a
/// byline (a tag list), so it is known by how it starts.
fn is_footer_line(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    short_match(
        text,
        600,
        &RE,
        r"(?i)^\W*(this (entry|post|article) was (posted|filed|published)(?-u:\b)|posted in(?-u:\b).{0,200}(?-u:\b)(tagged|bookmark|permalink)|filed (under|in)\s*:|(dieser|der) (eintrag|beitrag|artikel) wurde(?-u:\b).{0,120}(?-u:\b)(veröffentlicht|abgelegt)|dieser (text|artikel|beitrag) (wurde|ist) (veröffentlicht )?unter (der|einer) lizenz|erstellt am(?-u:\b).{0,80}(?-u:\b)(abgelegt|kategorie)|(veröffentlicht|publiziert) (am|in|von)(?-u:\b).{0,120}(?-u:\b)(abgelegt unter|verschlagwortet|schlagwörter))",
    )
}

pub(super) fn remove_lines(doc: &Document) -> bool {
    let mut changed = false;
    for node in doc
        .select("p, div, span, li, figcaption, small, time, address, h4, h5, h6, em, cite, footer, b, strong")
        .nodes()
    {
        if node.parent().is_none() {
            continue;
        }
        // Only the block that is the line, not a container around more.
        if node.element_children().iter().any(|c| c.is("p, div, ul, ol, table, figure, section, article")) {
            continue;
        }
        // Source line breaks inside a block are spaces to its reader.
        let text = node.text().split_whitespace().collect::<Vec<_>>().join(" ");
        if node.is("time")
            || is_widget_line(&text)
            || !node.is("b, strong") && (is_furniture_line(&text) || is_notice_line(&text) || is_footer_line(&text))
        {
            drop_node(node, "line");
            changed = true;
        }
    }
    changed
}

/// A line inside the article that points to another story ("Lea también:
/// …", "Czytaj też: …", "Weiterlesen: …"): a label and a link, mostly link.
/// The link share keeps a paragraph that starts with a name ("Mira: …" in
/// an interview) or a label followed by the article's own text.
pub(super) fn remove_teaser_lines(doc: &Document) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &RE,
        r"(?i)^\W*(see also|read (also|more)|also read|related|more on this|lea( también| más)?|lee también|mira( también)?|le puede interesar|te puede interesar|puedes ver|veja também|leia (também|mais)|weiterlesen|lesen sie auch|mehr zum thema|siehe auch|czytaj (też|także|również)|zobacz (też|także|również)|lire aussi|à lire aussi|voir aussi)\s*[:：»>|–-]",
    );
    let mut changed = false;
    for node in doc.select("p, div, li, h3, h4, h5, h6, blockquote").nodes() {
        if node.parent().is_none() || node.element_children().iter().any(|c| c.is("p, div, ul, ol, table, figure")) {
            continue;
        }
        let text = node.text();
        if text.chars().count() <= 300 && re.is_match(text.trim()) && link_share(node) >= 0.5 {
            drop_node(node, "teaser line");
            changed = true;
        }
    }
    changed
}

/// The last blocks, when short and asking the reader for something else
/// (subscribe, download the app, join the channel, support the paper): an
/// appeal, not the article's ending.
pub(super) fn remove_trailing_appeals(doc: &Document) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &RE,
        r"(?i)(subscri(be|ber|ption)|suscr[ií]b|abonnier|abonnent|newsletter|download (the|our)\b.{0,40}\bapps?\b|\bapps? (for|on) (android|ios|iphone)|straight to your phone|canal de telegram|telegram|whatsapp|consider supporting|support (our|independent) (work|journalism)|ihr beitrag hilft|unterstützen sie|zapraszamy)",
    );
    remove_trailing_blocks(doc, |t| re.is_match(t), 4, 300)
}

/// The last blocks, when short and holding an e-mail address or a social
/// handle ("Follow @reporter", "jane@paper.com"), sign the author off.
pub(super) fn remove_trailing_contacts(doc: &Document) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    static MAIL: OnceLock<Regex> = OnceLock::new();
    static SIGNOFF: OnceLock<Regex> = OnceLock::new();
    let social = regex(
        &RE,
        r"(?i)((^|\s)@\w{2,}|\bon (twitter|x|instagram|facebook|bluesky|threads)\b|\b(twitter|instagram|facebook|bluesky)\s*:)",
    );
    let mail = regex(&MAIL, r"[\w.+-]+@[\w-]+\.[\w.]+");
    let signoff = regex(&SIGNOFF, r"(?i)\b(e-?mail|reach|contact|write to|follow|kontakt|mail an|correo|courriel)\b");
    // An address alone signs the author off only in a short line or one
    // that says so; a longer sentence giving an office's address (where
    // to ask, where to report a flaw) is the article's own information.
    remove_trailing_blocks(
        doc,
        |t| social.is_match(t) || mail.is_match(t) && (t.chars().count() <= 80 || signoff.is_match(t)),
        3,
        200,
    )
}

/// Of the last `last` innermost blocks, remove those of at most `max_chars`
/// characters that `matches` accepts.
fn remove_trailing_blocks(doc: &Document, matches: impl Fn(&str) -> bool, last: usize, max_chars: usize) -> bool {
    let blocks = doc.select("p, div, li").nodes().to_vec();
    let leaves: Vec<&NodeRef> =
        blocks.iter().filter(|n| !n.element_children().iter().any(|c| c.is("p, div, li"))).collect();
    let mut changed = false;
    for node in leaves.iter().rev().take(last) {
        let text = node.text();
        if text.chars().count() <= max_chars && matches(&text) {
            drop_node(node, "trailing block");
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::super::clean;
    use super::*;
    #[test]
    fn furniture_lines() {
        for line in [
            "By Jane Doe",
            "By JANE DOE and John Roe, Associated Press",
            "Published 4:00 am",
            "Updated March 3, 2021 at 5:12 p.m. EST",
            "Photo: Jane Doe/Getty Images",
            "(AP Photo/Evan Vucci)",
            "March 3, 2021",
            "31. Mai 2012",
            "Share this article",
            "(Credit: Jane Doe / Grist)",
            "(crédito: Jane Doe/Agência)",
            "Hikers on the ridge at dawn. © AFP / JANE DOE",
        ] {
            assert!(is_furniture_line(line), "{line}");
        }
        for line in [
            "By the time the police arrived, the crowd had gone.",
            "Published reports say the minister resigned on Tuesday after a vote.",
            "The share price fell by a third.",
            "警方表示，事件仍在调查中。",
        ] {
            assert!(!is_furniture_line(line), "{line}");
        }
    }

    #[test]
    fn teaser_lines_and_closing_appeals_go() {
        let body = "<p>The council met on Tuesday and voted to keep the ferry running all winter long.</p>".repeat(6);
        let html = format!(
            "{body}<p><b>Lea también: <a href=/x>Otra noticia con un titular bastante largo</a></b></p>\
             <p>Mira: the mayor said the vote was close, and that the ferry would run.</p>{body}\
             <p>Get the latest news straight to your phone with the Daily app.</p>"
        );
        let out = clean(&html, true);
        assert!(!out.contains("Otra noticia") && !out.contains("latest news straight"), "{out}");
        assert!(out.contains("Mira: the mayor said"), "a paragraph that is text stays: {out}");
    }

    #[test]
    fn widget_lines() {
        for line in [
            "War der Artikel nützlich?",
            "(Noch keine Bewertungen) Loading...",
            "Du musst eingeloggt sein um Kommentare zu schreiben!",
            "Klicken Sie auf den unteren Button, um den Inhalt von www.komoot.de zu laden.",
            "Advertisement:",
            "Titelbild: Jane Doe/picture-alliance",
            "Lade weitere Inhalte ...",
            "Load more stories",
            "Von:",
        ] {
            assert!(is_widget_line(line), "{line}");
        }
        for line in [
            "The advertisement ran for three weeks before the regulator stepped in.",
            "Die Abgeordneten wollen den Artikel im Grundgesetz ändern.",
        ] {
            assert!(!is_widget_line(line), "{line}");
        }
    }
}
