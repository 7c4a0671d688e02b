//! Spec text as rustdoc: valid, readable, and inert.
//!
//! A vendor's description reaches the generated crate as doc comments, and
//! rustdoc compiles and runs code blocks in doc comments as doctests
//! (`cargo test` runs them). So every code block of spec text is made a
//! `text` block: fenced blocks (backticks or tildes, any length, inside
//! block quotes and list items too) get the info string `text`, and
//! indented code blocks lose the indentation that makes them code. Text
//! that rustc refuses in a comment (a bare carriage return) or warns about
//! (bidirectional overrides), and other control characters, are written as
//! visible `\u{..}` escapes.
//!
//! [`inert_doc_attrs`] applies the same rules to every doc attribute of an
//! emitted file, whatever built it, so no emitter can forget them.

use proc_macro2::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};

/// Characters rustc's `text_direction_codepoint_in_*` lints reject.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Line breaks become `\n`; control characters and bidi controls become
/// visible escapes; tabs become spaces (to the next multiple of four), as
/// Markdown counts them at the start of a line.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut line_start = true;
    let mut column = 0;
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
                line_start = true;
                column = 0;
                continue;
            }
            '\n' => {
                out.push('\n');
                line_start = true;
                column = 0;
                continue;
            }
            // Tabs become spaces to the next stop of four, anywhere (as
            // clippy asks of doc comments); leading ones keep the indent.
            '\t' => {
                let width = 4 - column % 4;
                out.extend(std::iter::repeat_n(' ', width));
                column += width;
                if line_start {
                    continue;
                }
            }
            ' ' if line_start => {
                out.push(' ');
                column += 1;
                continue;
            }
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
                column += 1;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
        line_start = false;
    }
    out
}

/// The leading spaces of a line.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line split into its container markers (block quote `>`, list item
/// markers, the spaces around them) and the rest.
struct Split<'a> {
    /// Spaces before the first marker.
    lead: usize,
    /// The markers as written, from the first marker up to the rest.
    markers: &'a str,
    /// Spaces between the last marker and the rest.
    gap: usize,
    rest: &'a str,
}

fn split(line: &str) -> Split<'_> {
    let lead = indent(line);
    let bytes = line.as_bytes();
    let (mut i, mut markers_end) = (lead, lead);
    loop {
        let mut j = i;
        while bytes.get(j) == Some(&b' ') {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'>') => {
                i = j + 1;
                markers_end = i;
            }
            Some(b'-' | b'*' | b'+') if bytes.get(j + 1) == Some(&b' ') => {
                i = j + 1;
                markers_end = i;
            }
            Some(b'0'..=b'9') => {
                let digits = bytes[j..].iter().take_while(|b| b.is_ascii_digit()).count();
                let after = j + digits;
                if digits <= 9 && matches!(bytes.get(after), Some(b'.' | b')')) && bytes.get(after + 1) == Some(&b' ') {
                    i = after + 1;
                    markers_end = i;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    let gap = indent(&line[markers_end..]);
    Split { lead, markers: &line[lead..markers_end], gap, rest: &line[markers_end + gap..] }
}

/// The fence a line opens, if it is one: three or more backticks or
/// tildes (a backtick fence's info string holds no backtick).
fn fence_run(rest: &str) -> Option<(u8, usize)> {
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    if len < 3 || (ch == b'`' && rest[len..].contains('`')) {
        return None;
    }
    Some((ch, len))
}

/// Whether a line would close a top-level backtick fence: at most three
/// spaces, three or more backticks, nothing else.
fn closes_top_level(line: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    line.len() - rest.len() <= 3 && rest.trim_end().len() >= 3 && rest.trim_end().bytes().all(|b| b == b'`')
}

/// Spec text as doc lines that rustdoc renders as the author meant but
/// never runs: see the module docs. Keeps the text's own indentation.
///
/// Every code block of the result is one this function wrote: an opening
/// "```text" and a closing "```" at the text's own indentation, with no
/// line between them that could close it. So where the spec's Markdown is
/// ambiguous (a fence inside a quote or list item that ends early), the
/// worst outcome is a block shown as text that the author meant as prose.
pub fn inert_lines(text: &str) -> Vec<String> {
    let text = sanitize(text);
    let lines: Vec<&str> = text.split('\n').collect();
    // rustdoc removes the indentation every line shares before reading
    // Markdown: measure from there.
    let base = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| indent(l)).min().unwrap_or(0);
    let shared = " ".repeat(base);
    let mut out = Vec::with_capacity(lines.len() + 2);
    // The spec's open fence: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    for line in lines {
        let own = &line[base.min(indent(line))..];
        let s = split(own);
        if let Some((ch, len)) = fence {
            let run = s.rest.bytes().take_while(|&b| b == ch).count();
            if run >= len && s.lead <= 3 && s.gap <= 3 && s.rest.trim_end().bytes().all(|b| b == ch) {
                fence = None;
                out.push(format!("{shared}```"));
            } else if closes_top_level(own) {
                // Would end this block early: indented, it is content.
                out.push(format!("{shared}    {}", own.trim_end()));
            } else {
                out.push(line.trim_end().to_owned());
            }
            continue;
        }
        if let Some(run) = fence_run(s.rest) {
            fence = Some(run);
            let markers = s.markers.trim_end();
            if !markers.is_empty() {
                out.push(format!("{shared}{}{markers}", " ".repeat(if s.lead >= 4 { 0 } else { s.lead })));
            }
            out.push(format!("{shared}```text"));
            continue;
        }
        // Four or more spaces before the text (or after a marker) would make
        // an indented code block: keep at most one.
        let lead = if s.lead >= 4 { 0 } else { s.lead };
        out.push(format!("{shared}{}{}{}{}", " ".repeat(lead), s.markers, gap_text(&s), s.rest).trim_end().to_owned());
    }
    if fence.is_some() {
        out.push(format!("{shared}```"));
    }
    out
}

/// The spaces after the markers: one when there are markers and a gap.
fn gap_text(s: &Split<'_>) -> &'static str {
    if s.gap > 0 && !s.markers.is_empty() {
        " "
    } else {
        ""
    }
}

/// Rustdoc lines for spec text, each with its leading space, as `///`
/// comments are written (see [`inert_lines`]).
pub fn doc_lines(doc: &str) -> Vec<String> {
    let trimmed = doc.trim_matches(['\n', '\r']);
    inert_lines(trimmed).into_iter().map(|l| if l.is_empty() { l } else { format!(" {l}") }).collect()
}

/// Whether a doc text is already what [`inert_lines`] makes of it.
fn is_inert(text: &str) -> bool {
    let lines = inert_lines(text);
    text.split('\n').map(str::trim_end).eq(lines.iter().map(String::as_str))
}

/// The value of a string literal token, if it is a plain or raw string.
fn string_value(literal: &Literal) -> Option<String> {
    let lit: syn::LitStr = syn::parse2(TokenTree::Literal(literal.clone()).into()).ok()?;
    Some(lit.value())
}

/// An attribute's tokens: `#`, `!` when inner, and its bracketed group.
struct Attr {
    tokens: Vec<TokenTree>,
    inner: bool,
    /// The value of `doc = "..."`, for doc attributes.
    doc: Option<String>,
}

fn doc_value(group: &Group) -> Option<String> {
    let mut tokens = group.stream().into_iter();
    let (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(eq)), Some(TokenTree::Literal(value)), None) =
        (tokens.next(), tokens.next(), tokens.next(), tokens.next())
    else {
        return None;
    };
    (name == "doc" && eq.as_char() == '=').then(|| string_value(&value)).flatten()
}

fn doc_attr(text: &str, inner: bool) -> Vec<TokenTree> {
    let mut tokens = vec![TokenTree::Punct(Punct::new('#', Spacing::Alone))];
    if inner {
        tokens.push(TokenTree::Punct(Punct::new('!', Spacing::Alone)));
    }
    let body: TokenStream = [
        TokenTree::Ident(proc_macro2::Ident::new("doc", proc_macro2::Span::call_site())),
        TokenTree::Punct(Punct::new('=', Spacing::Alone)),
        TokenTree::Literal(Literal::string(text)),
    ]
    .into_iter()
    .collect();
    tokens.push(TokenTree::Group(Group::new(Delimiter::Bracket, body)));
    tokens
}

/// Writes a run of attributes of one kind (inner or outer): when the docs
/// among them, joined as rustdoc joins them, are not inert, they are
/// replaced by the inert lines, where the first of them was.
fn flush(run: &mut Vec<Attr>, out: &mut Vec<TokenTree>) {
    let docs: Vec<&str> = run.iter().filter_map(|a| a.doc.as_deref()).collect();
    let joined = docs.join("\n");
    if docs.is_empty() || is_inert(&joined) {
        out.extend(run.drain(..).flat_map(|a| a.tokens));
        return;
    }
    let lines = inert_lines(&joined);
    let mut written = false;
    for attr in run.drain(..) {
        match attr.doc {
            Some(_) if written => {}
            Some(_) => {
                written = true;
                for line in &lines {
                    out.extend(doc_attr(line, attr.inner));
                }
            }
            None => out.extend(attr.tokens),
        }
    }
}

/// Makes every doc attribute of a token stream inert (see the module docs),
/// descending into every group. Streams without such docs come back as
/// they were.
pub fn inert_doc_attrs(tokens: TokenStream) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut run: Vec<Attr> = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(token) = iter.next() {
        if let TokenTree::Punct(p) = &token {
            if p.as_char() == '#' {
                let bang = matches!(iter.peek(), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                let mut tokens = vec![token.clone()];
                if bang {
                    tokens.extend(iter.next());
                }
                if let Some(TokenTree::Group(g)) = iter.peek() {
                    if g.delimiter() == Delimiter::Bracket {
                        let group = g.clone();
                        iter.next();
                        if run.first().is_some_and(|a| a.inner != bang) {
                            flush(&mut run, &mut out);
                        }
                        let doc = doc_value(&group);
                        let group = if doc.is_some() { group } else { descend(&group) };
                        tokens.push(TokenTree::Group(group));
                        run.push(Attr { tokens, inner: bang, doc });
                        continue;
                    }
                }
                flush(&mut run, &mut out);
                out.extend(tokens);
                continue;
            }
        }
        flush(&mut run, &mut out);
        out.push(match token {
            TokenTree::Group(g) => TokenTree::Group(descend(&g)),
            other => other,
        });
    }
    flush(&mut run, &mut out);
    out.into_iter().collect()
}

fn descend(group: &Group) -> Group {
    let mut inner = Group::new(group.delimiter(), inert_doc_attrs(group.stream()));
    inner.set_span(group.span());
    inner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inert(text: &str) -> String {
        inert_lines(text).join("\n")
    }

    #[test]
    fn fences_of_every_kind_become_text() {
        assert_eq!(
            inert("a\n```rust\nstd::fs::write(\"x\", \"\")?;\n```\nb"),
            "a\n```text\nstd::fs::write(\"x\", \"\")?;\n```\nb"
        );
        assert_eq!(inert("```\ncode\n```"), "```text\ncode\n```");
        assert_eq!(inert("~~~rust\ncode\n~~~"), "```text\ncode\n```");
        // A shorter run inside a longer fence is content, kept from closing ours.
        assert_eq!(inert("````rust,no_run\n```\n````"), "```text\n    ```\n```");
        assert_eq!(inert("> ```rust\n> code\n> ```"), ">\n```text\n> code\n```");
        assert_eq!(inert("- item\n  ```\n  code\n  ```"), "- item\n```text\n  code\n```");
        assert_eq!(inert("1. ~~~\n   code\n   ~~~"), "1.\n```text\n   code\n```");
        // Unclosed fences are closed.
        assert_eq!(inert("```rust\ncode"), "```text\ncode\n```");
        // Inline code is not a fence.
        assert_eq!(inert("```a``` b"), "```a``` b");
    }

    #[test]
    fn a_fence_whose_container_ends_early_stays_text() {
        // CommonMark ends the quoted fence at the second line, and the
        // second fence would then run `evil()`: every block here is ours.
        let text = inert("> ```\n```rust\nevil()\n```\n```\nmore()\n```");
        assert_eq!(text, ">\n```text\n```rust\nevil()\n```\n```text\nmore()\n```");
    }

    #[test]
    fn indented_code_loses_its_indentation() {
        assert_eq!(inert("text\n\n    evil();\n\tevil();"), "text\n\nevil();\nevil();");
        assert_eq!(inert(">     evil();"), "> evil();");
        assert_eq!(inert("-     evil();"), "- evil();");
        assert_eq!(inert("    - 1;\n    evil();\nx"), "- 1;\nevil();\nx");
        // Indentation shared by every line is not code (rustdoc removes it).
        assert_eq!(inert("    a\n    b"), "    a\n    b");
        assert_eq!(inert("- a\n  - b"), "- a\n  - b");
    }

    #[test]
    fn characters_rustc_refuses_become_escapes() {
        assert_eq!(inert("a\rb\r\nc"), "a\nb\nc");
        assert_eq!(inert("x\u{202E}y\u{7}z\u{7f}\u{0}"), "x\\u{202e}y\\u{7}z\\u{7f}\\u{0}");
    }

    #[test]
    fn inert_text_is_left_as_it_is() {
        for text in ["a\n\n```text\nb\n```", " One line.", "- a\n  - b", ">\n```text\n> x\n    ```\n```"] {
            assert!(is_inert(text), "{text:?}");
            let lines = inert_lines(text);
            assert_eq!(inert_lines(&lines.join("\n")), lines);
        }
    }

    #[test]
    fn doc_attributes_of_any_emitter_are_made_inert() {
        let title = "X\n```rust\nevil();\n```";
        let module_doc = format!(" Client of the {title} API.");
        let tokens = quote::quote! {
            #![doc = #module_doc]
            #![allow(dead_code)]
            /// Plain.
            #[derive(Debug)]
            #[doc = #module_doc]
            pub struct A { #[doc = #module_doc] pub x: i32 }
        };
        let text = inert_doc_attrs(tokens).to_string();
        assert!(!text.contains("```rust"), "{text}");
        assert_eq!(text.matches("```text").count(), 3, "{text}");
        assert!(text.contains("derive"), "{text}");
    }
}
