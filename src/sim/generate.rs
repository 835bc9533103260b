//! Deterministic text generation: what the simulated model "thinks" and "says".
//!
//! The output depends only on (model name, thinking on/off, prompt) and the length overrides in
//! [`SimConfig`], so the same request always streams the same bytes. Reasoning mixes English,
//! Chinese and an emoji so that chunk boundaries land inside multi-byte UTF-8 sequences; the
//! answer is Markdown (heading, paragraph, bullets, sometimes a code block and a table) because
//! the TUI renders it.

use super::SimConfig;

/// What the simulator will say for one request, before `thinking_budget` and `max_tokens`
/// truncation. Each element is one token piece, sent as one chunk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub reasoning: Vec<String>,
    pub answer: Vec<String>,
}

impl Script {
    pub fn reasoning_text(&self) -> String {
        self.reasoning.concat()
    }

    pub fn answer_text(&self) -> String {
        self.answer.concat()
    }
}

/// The script for `prompt` (the last user message, with any trailing `/think` or `/no_think`
/// removed and surrounding whitespace trimmed). With `thinking` false the reasoning is empty.
pub fn script(model: &str, prompt: &str, thinking: bool, cfg: &SimConfig) -> Script {
    if let Some((reasoning, answer)) = super::hostile::pieces(cfg.hostile, thinking) {
        return Script { reasoning, answer };
    }
    let mut rng = Rng::seeded(&[model, if thinking { "1" } else { "0" }, prompt]);
    let words = Keywords::from_prompt(prompt);
    let mut reasoning = if thinking {
        let target = cfg
            .reasoning_tokens
            .unwrap_or_else(|| 120 + rng.below(281) as usize);
        reasoning_pieces(&mut rng, &words, target, cfg.reasoning_tokens.is_some())
    } else {
        Vec::new()
    };
    let target = cfg
        .answer_tokens
        .unwrap_or_else(|| 80 + rng.below(221) as usize);
    let mut answer = answer_pieces(&mut rng, &words, target, cfg.answer_tokens.is_some());
    if cfg.markers {
        end_with(
            &mut reasoning,
            REASONING_MARKER,
            cfg.reasoning_tokens.is_some(),
        );
        end_with(&mut answer, ANSWER_MARKER, cfg.answer_tokens.is_some());
    }
    Script { reasoning, answer }
}

/// The last reasoning piece with [`SimConfig::markers`] on: a benchmark looks for it on screen
/// to know that a client showed the reasoning to its end.
pub const REASONING_MARKER: &str = " RSN-END-QZ";
/// The last answer piece with [`SimConfig::markers`] on (on a line of its own).
pub const ANSWER_MARKER: &str = "\n\nANS-END-QZ";

/// Make `marker` the last piece of a non-empty script part, keeping an exact length exact.
fn end_with(pieces: &mut Vec<String>, marker: &str, exact: bool) {
    if pieces.is_empty() {
        return;
    }
    if exact {
        pieces.truncate(pieces.len() - 1);
    }
    pieces.push(marker.to_string());
}

/// Split text into token pieces: a word (ASCII letters, digits, `'`, `_`) or a run of one
/// repeated ASCII punctuation character, or one non-ASCII character (CJK, emoji), each with
/// the whitespace before it. Joining the pieces gives back the text exactly.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            cur.push(c);
            continue;
        }
        if is_joiner(c) {
            // Variation selectors and zero-width joiners stay with the character before them.
            match pieces.last_mut() {
                Some(last) if cur.is_empty() => last.push(c),
                _ => cur.push(c),
            }
            continue;
        }
        cur.push(c);
        if is_word_char(c) {
            while let Some(&n) = chars.peek() {
                if !is_word_char(n) {
                    break;
                }
                cur.push(n);
                chars.next();
            }
        } else if c.is_ascii() {
            while chars.peek() == Some(&c) {
                cur.push(c);
                chars.next();
            }
        }
        pieces.push(std::mem::take(&mut cur));
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
}

/// The simulator's token count for a piece of text: the number of [`tokenize`] pieces.
pub fn count_tokens(text: &str) -> u64 {
    tokenize(text).len() as u64
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '\'' || c == '_'
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200d}' | '\u{fe0e}' | '\u{fe0f}')
}

/// A small deterministic PRNG (splitmix64) seeded by FNV-1a.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn seeded(parts: &[&str]) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for b in part.bytes().chain(std::iter::once(0xff)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Rng(h)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Words taken from the prompt, so the text visibly relates to it.
struct Keywords {
    /// The prompt, clipped to a few words, for quoting.
    topic: String,
    words: Vec<String>,
}

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "what", "how", "why", "are", "you", "can", "does",
    "about", "from", "into", "your", "please", "explain", "tell", "give", "write", "show",
    "between", "using", "use", "should", "would", "could", "there", "their", "them", "have", "has",
    "make", "need", "want", "like", "get", "just", "also", "some", "any", "all", "more", "most",
    "than", "then", "these", "those", "its", "was", "were", "will", "not", "but", "our", "out",
    "who", "which", "when", "where", "way", "best", "good",
];

/// Chinese function characters and verbs of asking, which separate CJK keywords.
const CJK_STOP: &str = "的了是吗呢么请一个首关于和与在我你他她它们这那什怎样为如何吧啊呀把被给对从到用写讲说问解释介绍能会要有没不也都很";

/// How much of the prompt the reasoning quotes.
const TOPIC_WORDS: usize = 10;
const TOPIC_CHARS: usize = 72;
const TOPIC_CJK_CHARS: usize = 24;

impl Keywords {
    fn from_prompt(prompt: &str) -> Keywords {
        let mut words: Vec<String> = Vec::new();
        let mut push = |w: String| {
            if !w.is_empty() && !words.contains(&w) && words.len() < 6 {
                words.push(w);
            }
        };
        let mut ascii = String::new();
        let mut cjk = String::new();
        for c in prompt.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                ascii.push(c);
            } else {
                let w = ascii.trim_matches('-').to_string();
                if w.len() >= 3 && !STOPWORDS.contains(&w.to_ascii_lowercase().as_str()) {
                    push(w);
                }
                ascii.clear();
            }
            // CJK keywords: runs between function characters, at most four characters long.
            if is_cjk(c) && !CJK_STOP.contains(c) {
                if cjk.chars().count() < 4 {
                    cjk.push(c);
                }
            } else if !cjk.is_empty() {
                push(std::mem::take(&mut cjk));
            }
        }
        Keywords {
            topic: clip_topic(prompt),
            words,
        }
    }

    /// Keyword `i`, or a generic phrase when the prompt has fewer keywords.
    fn get(&self, i: usize) -> &str {
        const FALLBACK: [&str; 3] = ["the question", "the details", "the context"];
        self.words
            .get(i)
            .map(String::as_str)
            .unwrap_or(FALLBACK[i % FALLBACK.len()])
    }
}

/// The prompt as a short quotable phrase: at most a few words (or CJK characters), without
/// trailing punctuation.
fn clip_topic(prompt: &str) -> String {
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let whole = words.join(" ");
    let max_chars = if whole.chars().any(is_cjk) {
        TOPIC_CJK_CHARS
    } else {
        TOPIC_CHARS
    };
    let topic: String = words[..words.len().min(TOPIC_WORDS)]
        .join(" ")
        .chars()
        .take(max_chars)
        .collect();
    let clipped = topic.len() < whole.len();
    let topic =
        topic.trim_end_matches(|c: char| c.is_ascii_punctuation() || "？！。，".contains(c));
    match (topic.is_empty(), clipped) {
        (true, _) => "this question".to_string(),
        (false, true) => format!("{topic}…"),
        (false, false) => topic.to_string(),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Replace `{topic}`, `{0}`, `{1}`, `{2}` in a template.
fn fill(template: &str, words: &Keywords) -> String {
    template
        .replace("{topic}", &words.topic)
        .replace("{0}", words.get(0))
        .replace("{1}", words.get(1))
        .replace("{2}", words.get(2))
}

/// The indices `0..n` in an order drawn from `rng` (Fisher–Yates).
fn shuffled(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

const REASONING_OPENERS: &[&str] = &[
    "Okay, the user asks: \"{topic}\".",
    "嗯，用户问的是「{topic}」。",
    "Let me think about this carefully 🤔. The question is \"{topic}\".",
];

const REASONING_SENTENCES: &[&str] = &[
    "First, I should pin down what \"{0}\" means in this context.",
    "让我想想 🤔 what they really need here.",
    "嗯，{1} might be the key part of the question.",
    "One approach: break the problem into smaller steps and check each one.",
    "Wait — is there an edge case with {0}? 边界情况要小心。",
    "I recall that {2} usually interacts with {0} in a few ways.",
    "Let me double-check the reasoning so far ✅.",
    "The answer should be concise, with a short example.",
    "也许可以先给出结论，再解释原因。",
    "Hmm, what about performance? 性能也值得一提 🚀.",
    "If {1} gets large, the simple approach may not scale.",
    "Actually, I should compare {0} with the usual alternative first.",
    "用户可能是初学者，所以要解释清楚每一步。",
    "A concrete example with {1} would make this easier to follow.",
    "Let me verify: does this still hold when {2} is empty?",
    "好的，these points seem consistent with each other.",
    "Is {0} really the core issue, or is it {1}? Probably both matter.",
    "I shouldn't overcomplicate this — 简单直接更好。",
];

const REASONING_CLOSERS: &[&str] = &[
    "So the plan: a heading, a summary, a few bullet points.",
    "好，思路清楚了，开始组织回答 ✍️.",
    "Alright, I'm confident enough to write the answer now.",
];

fn reasoning_pieces(rng: &mut Rng, words: &Keywords, target: usize, exact: bool) -> Vec<String> {
    if exact && target == 0 {
        return Vec::new();
    }
    let mut pieces = tokenize(&fill(rng.pick(REASONING_OPENERS), words));
    // Every sentence once before any repeats (long benchmark scripts cycle through them).
    let order = shuffled(rng, REASONING_SENTENCES.len());
    let mut sentences = 0;
    while pieces.len() < target {
        // Whitespace first, so appending pieces equals tokenizing the joined text.
        let sep = if sentences > 0 && sentences % 4 == 0 {
            "\n\n"
        } else {
            " "
        };
        let body = if !exact && pieces.len() + 14 >= target {
            rng.pick(REASONING_CLOSERS)
        } else {
            REASONING_SENTENCES[order[sentences % order.len()]]
        };
        pieces.extend(tokenize(&format!("{sep}{}", fill(body, words))));
        sentences += 1;
    }
    if exact {
        pieces.truncate(target);
    }
    pieces
}

const TITLES: &[&str] = &[
    "## Understanding {0}",
    "## {0}: a short guide",
    "## 关于 {0} 的回答",
];

const PARAGRAPHS: &[&str] = &[
    "In short, **{0}** is best understood by looking at how it behaves in practice. The key idea is simple, and the details follow from it.",
    "Here is a compact overview of {0} and {1}. 简而言之，先抓住核心概念，再看细节。",
    "The short answer: it depends on how you use {1}, but a few rules of thumb cover most cases.",
];

const BULLETS: &[&str] = &[
    "- **{0}**: start with the simplest version that works.",
    "- **{1}**: measure before optimising; 先测量再优化。",
    "- Keep {2} explicit so readers can follow the flow.",
    "- Watch out for edge cases such as empty input or very large values.",
    "- 记住：清晰比聪明更重要 ✨.",
    "- Prefer small, composable steps over one big step.",
];

const CODE: &str = "```rust\nfn main() {\n    let name = \"{0}\";\n    for step in 1..=3 {\n        println!(\"{name}: step {step}\");\n    }\n}\n```";

const TABLE: &str = "| Aspect | Notes |\n|---|---|\n| {0} | the core idea |\n| {1} | where it matters |\n| 性能 | usually fine |";

/// Sections that lengthen an answer, in turn, before its closing line.
const MORE_SECTIONS: &[&str] = &[
    "### Step by step\n\n1. Start with {0} on its own.\n2. Bring in {1} once the basics work.\n3. Check the edge cases around {2}.\n4. 最后，写测试验证结果 ✅.",
    "### Details\n\nThe part that usually surprises people is how {1} interacts with {0}. Keep the two separate until you need both, and the code stays easy to change.",
    "### Pitfalls\n\n- Forgetting that {2} can change underneath you.\n- Optimising {0} before measuring it.\n- 忽略错误处理 ⚠️.",
    "### Summary\n\n| Choice | When |\n|---|---|\n| {0} | most of the time |\n| {1} | when you need more control |",
];

const CLOSERS: &[&str] = &[
    "Let me know if you'd like a deeper dive into {0} 🙂.",
    "希望这对你有帮助！",
    "That covers the essentials of {0} and {1}.",
];

fn answer_pieces(rng: &mut Rng, words: &Keywords, target: usize, exact: bool) -> Vec<String> {
    if exact && target == 0 {
        return Vec::new();
    }
    let mut blocks = vec![
        fill(rng.pick(TITLES), words),
        fill(rng.pick(PARAGRAPHS), words),
    ];
    let n_bullets = 3 + rng.below(3) as usize;
    let start = rng.below(BULLETS.len() as u64) as usize;
    let list: Vec<String> = (0..n_bullets)
        .map(|i| fill(BULLETS[(start + i) % BULLETS.len()], words))
        .collect();
    blocks.push(list.join("\n"));
    if rng.below(2) == 0 {
        blocks.push(fill(CODE, words));
    }
    if rng.below(3) == 0 {
        blocks.push(fill(TABLE, words));
    }
    let closer = fill(rng.pick(CLOSERS), words);
    let mut pieces = tokenize(&blocks.join("\n\n"));
    let closer_len = tokenize(&format!("\n\n{closer}")).len();
    let first = rng.below(MORE_SECTIONS.len() as u64) as usize;
    let mut extra = 0;
    while pieces.len() + closer_len < target {
        let section = fill(MORE_SECTIONS[(first + extra) % MORE_SECTIONS.len()], words);
        pieces.extend(tokenize(&format!("\n\n{section}")));
        extra += 1;
    }
    pieces.extend(tokenize(&format!("\n\n{closer}")));
    if exact {
        pieces.truncate(target);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_round_trips_and_splits_cjk_and_emoji() {
        let text = "Hello, world!  用户问 🤔 what's up?\n\n- **x**: y ✍️.";
        let pieces = tokenize(text);
        assert_eq!(pieces.concat(), text);
        assert!(pieces.contains(&"  用".to_string()), "{pieces:?}");
        assert!(pieces.contains(&"户".to_string()));
        assert!(pieces.contains(&" 🤔".to_string()));
        assert!(pieces.contains(&" what's".to_string()));
        assert!(pieces.contains(&" ✍\u{fe0f}".to_string()));
        assert!(pieces.iter().all(|p| !p.is_empty()));
    }

    #[test]
    fn tokenize_keeps_trailing_whitespace() {
        assert_eq!(tokenize("a \n"), vec!["a", " \n"]);
        assert!(tokenize("").is_empty());
    }

    #[test]
    fn script_is_deterministic_and_depends_on_inputs() {
        let cfg = SimConfig::default();
        let a = script("qwen-plus", "How do Rust lifetimes work?", true, &cfg);
        let b = script("qwen-plus", "How do Rust lifetimes work?", true, &cfg);
        assert_eq!(a, b);
        let c = script("qwen-plus", "Explain borrow checking", true, &cfg);
        assert_ne!(a, c);
        assert!(a.reasoning_text().contains("lifetimes") || a.reasoning_text().contains("Rust"));
        assert!(a.answer_text().starts_with("## "));
    }

    #[test]
    fn default_lengths_are_in_range() {
        let cfg = SimConfig::default();
        for p in [
            "hi",
            "写一首关于猫的诗",
            "Compare tokio and async-std for a web server",
        ] {
            let s = script("qwen3.7-plus", p, true, &cfg);
            assert!(
                (120..=440).contains(&s.reasoning.len()),
                "{}",
                s.reasoning.len()
            );
            assert!((80..=340).contains(&s.answer.len()), "{}", s.answer.len());
            let text = s.reasoning_text();
            assert!(text.chars().any(is_cjk), "no CJK in {text}");
            assert!(
                text.chars().any(|c| c as u32 >= 0x1f300),
                "no emoji in {text}"
            );
        }
    }

    #[test]
    fn topics_are_clipped() {
        assert_eq!(clip_topic("  What is a monad?  "), "What is a monad");
        assert_eq!(clip_topic("为什么天空是蓝色的？"), "为什么天空是蓝色的");
        assert_eq!(
            clip_topic("one two three four five six seven eight nine ten eleven"),
            "one two three four five six seven eight nine ten…"
        );
        assert_eq!(clip_topic(&"猫".repeat(30)).chars().count(), 25);
        assert_eq!(clip_topic("?!"), "this question");
    }

    #[test]
    fn markers_end_both_parts_and_keep_exact_lengths() {
        let cfg = SimConfig {
            reasoning_tokens: Some(50),
            answer_tokens: Some(300),
            markers: true,
            ..SimConfig::default()
        };
        let s = script("qwen-plus", "anything", true, &cfg);
        assert_eq!((s.reasoning.len(), s.answer.len()), (50, 300));
        assert!(s.reasoning_text().ends_with(REASONING_MARKER));
        assert!(s.answer_text().ends_with("\nANS-END-QZ"));
        assert_eq!(s.answer_text().matches("ANS-END-QZ").count(), 1);
        let free = SimConfig {
            markers: true,
            ..SimConfig::default()
        };
        let off = script("qwen-plus", "anything", false, &free);
        assert!(off.reasoning.is_empty());
        assert!(off.answer_text().ends_with(ANSWER_MARKER));
    }

    #[test]
    fn overrides_give_exact_lengths() {
        let cfg = SimConfig {
            reasoning_tokens: Some(1000),
            answer_tokens: Some(7),
            ..SimConfig::default()
        };
        let s = script("qwen-plus", "anything", true, &cfg);
        assert_eq!(s.reasoning.len(), 1000);
        assert_eq!(s.answer.len(), 7);
        let off = script("qwen-plus", "anything", false, &cfg);
        assert!(off.reasoning.is_empty());
        let zero = SimConfig {
            reasoning_tokens: Some(0),
            answer_tokens: Some(0),
            ..SimConfig::default()
        };
        let z = script("qwen-plus", "anything", true, &zero);
        assert!(z.reasoning.is_empty() && z.answer.is_empty());
    }

    #[test]
    fn answers_are_markdown_and_vary() {
        let cfg = SimConfig::default();
        let mut code = 0;
        let mut table = 0;
        for i in 0..40 {
            let a = script("qwen-plus", &format!("question number {i}"), false, &cfg).answer_text();
            assert!(a.contains("\n- "), "{a}");
            code += usize::from(a.contains("```rust\n"));
            table += usize::from(a.contains("|---|"));
        }
        assert!(code > 0 && code < 40, "code blocks: {code}");
        assert!(table > 0 && table < 40, "tables: {table}");
    }
}
