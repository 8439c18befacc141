//! `[site] language`: the strings the re-check pages and badges show, and
//! the pages' `lang` attribute.

/// The site's language; simplified Chinese unless `[site] language` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    ZhHans,
    ZhHant,
    En,
}

/// The strings of one language.
pub struct Strings {
    /// "原文已删除", before the date it was first seen gone.
    pub deleted: &'static str,
    /// "原文已修改 {n} 次".
    pub edited: &'static str,
    pub first_seen_gone: &'static str,
    pub versions: &'static str,
    pub version: &'static str,
    pub captured: &'static str,
    pub changes: &'static str,
    pub changes_intro: &'static str,
    pub recent_deletions: &'static str,
    pub recent_edits: &'static str,
    pub per_source: &'static str,
    pub source: &'static str,
    pub deleted_col: &'static str,
    pub edited_col: &'static str,
    pub original: &'static str,
    pub back_to_post: &'static str,
    pub only_deleted: &'static str,
    pub none_yet: &'static str,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "zh-hans" | "zh-cn" | "zh" => Some(Language::ZhHans),
            "zh-hant" | "zh-tw" | "zh-hk" => Some(Language::ZhHant),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::En => "en",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Language::ZhHans => &ZH_HANS,
            Language::ZhHant => &ZH_HANT,
            Language::En => &EN,
        }
    }

    /// "原文已修改 3 次", "Original edited 3 times".
    pub fn edited(self, n: u32) -> String {
        match self {
            Language::En if n == 1 => "Original edited once".to_string(),
            _ => self.strings().edited.replace("{n}", &n.to_string()),
        }
    }
}

static ZH_HANS: Strings = Strings {
    deleted: "原文已删除",
    edited: "原文已修改 {n} 次",
    first_seen_gone: "首次发现删除于",
    versions: "各版本",
    version: "版本",
    captured: "存档于",
    changes: "原文变动",
    changes_intro: "本站定期回访原文：以下文章的原文已被删除或修改。",
    recent_deletions: "最近删除",
    recent_edits: "最近修改",
    per_source: "各来源统计",
    source: "来源",
    deleted_col: "已删除",
    edited_col: "已修改",
    original: "原文",
    back_to_post: "返回存档",
    only_deleted: "只看原文已删除的",
    none_yet: "暂无",
};

static ZH_HANT: Strings = Strings {
    deleted: "原文已刪除",
    edited: "原文已修改 {n} 次",
    first_seen_gone: "首次發現刪除於",
    versions: "各版本",
    version: "版本",
    captured: "存檔於",
    changes: "原文變動",
    changes_intro: "本站定期回訪原文：以下文章的原文已被刪除或修改。",
    recent_deletions: "最近刪除",
    recent_edits: "最近修改",
    per_source: "各來源統計",
    source: "來源",
    deleted_col: "已刪除",
    edited_col: "已修改",
    original: "原文",
    back_to_post: "返回存檔",
    only_deleted: "只看原文已刪除的",
    none_yet: "暫無",
};

static EN: Strings = Strings {
    deleted: "Original deleted",
    edited: "Original edited {n} times",
    first_seen_gone: "first seen gone on",
    versions: "Versions",
    version: "Version",
    captured: "captured",
    changes: "Changes to originals",
    changes_intro: "This mirror re-checks the originals: these articles were deleted or edited at their source.",
    recent_deletions: "Recently deleted",
    recent_edits: "Recently edited",
    per_source: "By source",
    source: "Source",
    deleted_col: "Deleted",
    edited_col: "Edited",
    original: "Original",
    back_to_post: "Back to the mirrored copy",
    only_deleted: "Only articles whose original was deleted",
    none_yet: "None yet",
};
