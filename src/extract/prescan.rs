//! Which cleanup selectors could match a feed item, read off its raw bytes
//! before any parse.
//!
//! A selector can only match an element whose class, id, attribute or tag
//! name is written in the markup: lol_html matches attributes on their raw
//! bytes, so `.share` needs `share` somewhere in the item. Most items hold
//! the literals of a few of a site's rules at most, and every selector
//! lol_html is given costs it a check on every element that has attributes
//! (two thirds of the streaming cleanup of a CNA item went to rules that
//! could not match it). So each literal is looked for once (memchr's SIMD
//! search), and only the selectors they allow are compiled.
//!
//! The literals are necessary, never sufficient: a selector this reading
//! does not understand (pseudo-classes, escapes, sibling combinators) needs
//! none and is always tried.

use memchr::memmem::Finder;

/// The literals of a list of selectors.
#[derive(Debug)]
pub struct Prescan {
    /// One entry a selector: `None` when it must always be tried, else
    /// its alternatives (one a selector of a comma list), each a set of
    /// literals (indices into `literals`) that must all occur.
    needs: Vec<Option<Vec<Vec<usize>>>>,
    literals: Vec<Literal>,
}

impl Prescan {
    pub fn new<'a>(selectors: impl IntoIterator<Item = &'a str>) -> Prescan {
        let mut literals: Vec<Literal> = Vec::new();
        let mut id = |wanted: Wanted| match literals.iter().position(|l| l.is(&wanted)) {
            Some(i) => i,
            None => {
                literals.push(Literal::new(wanted));
                literals.len() - 1
            }
        };
        // A literal of one or two bytes (`<a`, a value `1`) is in nearly
        // every item: it would rule nothing out and only cost a search.
        let needs = selectors
            .into_iter()
            .map(|s| {
                literals_of(s).map(|alternatives| {
                    alternatives
                        .into_iter()
                        .map(|all| all.into_iter().filter(|w| w.text.len() >= 3).map(&mut id).collect())
                        .collect()
                })
            })
            .collect();
        Prescan { needs, literals }
    }

    /// For each selector, in order, whether it could match an element of
    /// `html`.
    pub fn candidates(&self, html: &str) -> Vec<bool> {
        // Each literal is searched for at most once, and only while a
        // selector still needs the answer; the item is lowered once, when
        // a literal of any case is first wanted.
        let mut found: Vec<Option<bool>> = vec![None; self.literals.len()];
        let lower = std::cell::OnceCell::new();
        let mut present = |i: usize| {
            *found[i].get_or_insert_with(|| match &self.literals[i] {
                Literal::Exact(f) => f.find(html.as_bytes()).is_some(),
                Literal::AnyCase(f) => f.find(lower.get_or_init(|| html.as_bytes().to_ascii_lowercase())).is_some(),
            })
        };
        self.needs
            .iter()
            .map(|need| match need {
                Some(alternatives) => alternatives.iter().any(|all| all.iter().all(|&i| present(i))),
                None => true,
            })
            .collect()
    }
}

/// A literal as the selector needs it written.
#[derive(Debug, PartialEq)]
struct Wanted {
    text: String,
    /// Tag and attribute names (and attribute values, some of which HTML
    /// compares without case) may be written in any case; classes and
    /// ids are compared exactly.
    any_case: bool,
}

fn exact(text: String) -> Wanted {
    Wanted { text, any_case: false }
}

fn any_case(text: String) -> Wanted {
    Wanted { text: text.to_ascii_lowercase(), any_case: true }
}

/// A literal searched for as written, or (lower case) in the item lowered.
#[derive(Debug)]
enum Literal {
    Exact(Finder<'static>),
    AnyCase(Finder<'static>),
}

impl Literal {
    fn new(w: Wanted) -> Literal {
        let finder = Finder::new(w.text.as_bytes()).into_owned();
        if w.any_case { Literal::AnyCase(finder) } else { Literal::Exact(finder) }
    }

    fn is(&self, w: &Wanted) -> bool {
        match self {
            Literal::Exact(f) => !w.any_case && f.needle() == w.text.as_bytes(),
            Literal::AnyCase(f) => w.any_case && f.needle() == w.text.as_bytes(),
        }
    }
}

/// Elements the tree builder makes without their start tag in the markup
/// (an `<image>` tag is an `img`, `</br>` a `br`, `</p>` an empty `p`,
/// and the implied `html`, `head`, `body`, `tbody`, `tr`, `colgroup`): the
/// tree path (see `fragment`) can match them with no `<name` written.
const MADE_BY_THE_PARSER: &[&str] = &["html", "head", "body", "tbody", "tr", "colgroup", "p", "br", "img"];

/// The literals a match of `selector` (a comma list) needs in the raw
/// markup: for each selector of the list, those of its last compound (the
/// element removed); `None` when it is beyond this reading.
fn literals_of(selector: &str) -> Option<Vec<Vec<Wanted>>> {
    let mut r = Reader { s: selector.as_bytes(), i: 0 };
    let mut alternatives = Vec::new();
    let mut last: Vec<Wanted> = Vec::new();
    loop {
        r.skip_space();
        match r.peek() {
            None => {
                alternatives.push(last);
                return Some(alternatives);
            }
            Some(b',') => {
                r.i += 1;
                alternatives.push(std::mem::take(&mut last));
            }
            Some(b'>') => r.i += 1,
            Some(_) => {
                last = r.compound()?;
                // A compound ends at a combinator, a comma or the end.
                if !matches!(r.peek(), None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b',' | b'>')) {
                    return None;
                }
            }
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    /// A CSS identifier without escapes (a `\` ends the reading).
    fn ident(&mut self) -> Option<String> {
        let from = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_') || c >= 0x80) {
            self.i += 1;
        }
        let name = std::str::from_utf8(&self.s[from..self.i]).ok()?;
        (!name.is_empty()).then(|| name.to_string())
    }

    /// One compound selector: an optional tag name or `*`, then classes,
    /// ids and attribute conditions.
    fn compound(&mut self) -> Option<Vec<Wanted>> {
        let mut need = Vec::new();
        let mut tag = None;
        if self.peek() == Some(b'*') {
            self.i += 1;
        } else if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            let name = self.ident()?.to_ascii_lowercase();
            if name == "img" {
                // `<image` is an img to the tree builder.
                tag = Some(any_case("<im".to_string()));
            } else if !MADE_BY_THE_PARSER.contains(&name.as_str()) {
                tag = Some(any_case(format!("<{name}")));
            }
        }
        loop {
            match self.peek() {
                Some(b'.' | b'#') => {
                    self.i += 1;
                    need.push(exact(self.ident()?));
                }
                Some(b'[') => {
                    self.i += 1;
                    need.push(self.attribute()?);
                }
                // A tag name first: its search is shared by every selector
                // of that tag, and an item without the tag (most have no
                // `<img`, `<aside`, `<section`) rules them all out at once.
                _ => return Some(tag.into_iter().chain(need).collect()),
            }
        }
    }

    /// An attribute condition after its `[`: its value when the condition
    /// holds only where the value is written (a far rarer literal than
    /// `class` or `src`), else its name.
    fn attribute(&mut self) -> Option<Wanted> {
        self.skip_space();
        let name = self.ident()?.to_ascii_lowercase();
        self.skip_space();
        match self.peek()? {
            b']' => {
                self.i += 1;
                return Some(any_case(name));
            }
            b'~' | b'|' | b'^' | b'$' | b'*' => {
                self.i += 1;
                if self.peek()? != b'=' {
                    return None;
                }
                self.i += 1;
            }
            b'=' => self.i += 1,
            _ => return None,
        }
        self.skip_space();
        let value = match self.peek()? {
            q @ (b'"' | b'\'') => {
                self.i += 1;
                let from = self.i;
                while self.peek()? != q {
                    if self.peek()? == b'\\' {
                        return None;
                    }
                    self.i += 1;
                }
                let value = std::str::from_utf8(&self.s[from..self.i]).ok()?.to_string();
                self.i += 1;
                value
            }
            _ => self.ident()?,
        };
        self.skip_space();
        let flag = self.peek()?.to_ascii_lowercase();
        if matches!(flag, b'i' | b's') {
            self.i += 1;
            self.skip_space();
        }
        if self.peek()? != b']' {
            return None;
        }
        self.i += 1;
        // White space in a value may be written otherwise (a tree reads
        // CR LF as LF), and a value of a byte or two rules out nothing:
        // the name has to be there.
        if value.len() < 3 || value.bytes().any(|c| c.is_ascii_whitespace()) {
            return Some(any_case(name));
        }
        // HTML compares the values of a list of attributes (`type`,
        // `lang`, …) without case; these few it never does.
        let exactly = flag != b'i'
            && (matches!(name.as_str(), "class" | "id" | "src" | "href" | "style" | "title" | "alt")
                || name.starts_with("data-")
                || name.starts_with("aria-"));
        Some(if exactly { exact(value) } else { any_case(value) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any-case literals written with a leading `~`.
    fn lits(s: &str) -> Option<Vec<Vec<String>>> {
        let shown = |w: Wanted| if w.any_case { format!("~{}", w.text) } else { w.text };
        literals_of(s).map(|alts| alts.into_iter().map(|all| all.into_iter().map(shown).collect()).collect())
    }

    fn v(all: &[&[&str]]) -> Option<Vec<Vec<String>>> {
        Some(all.iter().map(|a| a.iter().map(|s| s.to_string()).collect()).collect())
    }

    #[test]
    fn literals_of_the_last_compound() {
        assert_eq!(lits(".share"), v(&[&["share"]]));
        assert_eq!(lits("#socialshare"), v(&[&["socialshare"]]));
        assert_eq!(lits(".media-block-wrap .related"), v(&[&["related"]]));
        assert_eq!(lits("div > ul.related"), v(&[&["~<ul", "related"]]));
        assert_eq!(lits("[class*=adslot]"), v(&[&["adslot"]]));
        assert_eq!(lits("img[width=\"1\"][height=\"1\"]"), v(&[&["~<im", "~width", "~height"]]));
        assert_eq!(lits("[data-testid=Toolbar]"), v(&[&["Toolbar"]]));
        assert_eq!(lits("[type=Hidden]"), v(&[&["~hidden"]]));
        assert_eq!(lits("section[aria-labelledby*=related i]"), v(&[&["~<section", "~related"]]));
        assert_eq!(lits("section[aria-labelledby*=Related]"), v(&[&["~<section", "Related"]]));
        assert_eq!(lits("aside, nav"), v(&[&["~<aside"], &["~<nav"]]));
        assert_eq!(lits("p, body"), v(&[&[], &[]]));
        assert_eq!(lits("[title=\"a b\"]"), v(&[&["~title"]]));
    }

    #[test]
    fn what_it_cannot_read_is_always_tried() {
        for s in ["p:contains(\"x\")", ".a:not(.b)", "h2 + ul", "h2 ~ ul", ".a\\:b", "[x=\"a\\\"b\"]", "svg|a"] {
            assert_eq!(lits(s), None, "{s}");
        }
        let p = Prescan::new(["p:contains(\"x\")", ".ads-box"]);
        assert_eq!(p.candidates("<p>nothing</p>"), vec![true, false]);
    }

    #[test]
    fn candidates_follow_the_literals_in_any_case() {
        let p = Prescan::new([".share", ".sharedaddy", "[class*=AdSlot]", "aside, nav", "div"]);
        assert_eq!(p.candidates("<p class=sharedaddy>x</p>"), vec![true, true, false, false, false]);
        assert_eq!(p.candidates("<NAV CLASS=AdSlot-1>"), vec![false, false, true, true, false]);
        assert_eq!(p.candidates("<Div>"), vec![false, false, false, false, true]);
        // Classes are compared exactly, by lol_html and by the tree alike.
        assert_eq!(p.candidates("<p class=Share>"), vec![false, false, false, false, false]);
        assert_eq!(p.candidates("<p class=ADSLOT>"), vec![false, false, false, false, false]);
        // A literal of two bytes rules nothing out.
        assert_eq!(Prescan::new([".ad"]).candidates("<p>"), vec![true]);
        assert_eq!(Prescan::new(["*"]).candidates("x"), vec![true]);
    }
}
