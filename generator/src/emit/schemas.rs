//! The server's schema tables: one `Schema` static per named type, and the
//! schema expressions of parameters and bodies.
//!
//! A schema expression is built once as a [`Node`] and then either laid out
//! as text directly (the `schemas` module, a data table that is a quarter of
//! a large spec's output and gains nothing from a full parse and reprint)
//! or turned into tokens for the rest of the server module.

use crate::ir::{Additional, Api, Check};
use proc_macro2::{Literal, TokenStream};

/// The line width the layout aims for, as prettyplease.
const WIDTH: usize = 100;
const INDENT: usize = 4;

/// A Rust expression of the schema tables.
enum Node {
    /// Printed as is: `Schema::STRING`, `None`, `"name"`, `5u64`.
    Atom(String),
    /// `Head(arg)`.
    Call(String, Box<Node>),
    /// `Head { field: value, ... }`.
    Struct(String, Vec<(&'static str, Node)>),
    /// `&[item, ...]`.
    Slice(Vec<Node>),
    /// `(a, b)`.
    Pair(Box<Node>, Box<Node>),
    /// `&inner`.
    Borrow(Box<Node>),
}

impl Node {
    fn atom(text: impl Into<String>) -> Node {
        Node::Atom(text.into())
    }

    /// The expression on one line.
    fn flat(&self, out: &mut String) {
        match self {
            Node::Atom(text) => out.push_str(text),
            Node::Call(head, arg) => {
                out.push_str(head);
                out.push('(');
                arg.flat(out);
                out.push(')');
            }
            Node::Struct(head, fields) => {
                out.push_str(head);
                out.push_str(" {");
                for (i, (name, value)) in fields.iter().enumerate() {
                    out.push_str(if i == 0 { " " } else { ", " });
                    out.push_str(name);
                    out.push_str(": ");
                    value.flat(out);
                }
                out.push_str(" }");
            }
            Node::Slice(items) => {
                out.push_str("&[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.flat(out);
                }
                out.push(']');
            }
            Node::Pair(a, b) => {
                out.push('(');
                a.flat(out);
                out.push_str(", ");
                b.flat(out);
                out.push(')');
            }
            Node::Borrow(inner) => {
                out.push('&');
                inner.flat(out);
            }
        }
    }

    fn flat_len(&self) -> usize {
        let mut text = String::new();
        self.flat(&mut text);
        text.len()
    }

    /// Lays the expression out from column `column` of a line indented by
    /// `indent`, with `after` characters still to follow it on its last line.
    fn write(&self, indent: usize, column: usize, after: usize, out: &mut String) {
        if column + self.flat_len() + after <= WIDTH {
            return self.flat(out);
        }
        let inner = indent + INDENT;
        let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
        match self {
            Node::Atom(text) => out.push_str(text),
            Node::Call(head, arg) => {
                out.push_str(head);
                out.push('(');
                arg.write(indent, column + head.len() + 1, after + 1, out);
                out.push(')');
            }
            Node::Borrow(value) => {
                out.push('&');
                value.write(indent, column + 1, after, out);
            }
            Node::Struct(head, fields) => {
                out.push_str(head);
                out.push_str(" {\n");
                for (name, value) in fields {
                    pad(out, inner);
                    out.push_str(name);
                    out.push_str(": ");
                    value.write(inner, inner + name.len() + 2, 1, out);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push('}');
            }
            Node::Slice(items) => {
                out.push_str("&[\n");
                for item in items {
                    pad(out, inner);
                    item.write(inner, inner, 1, out);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push(']');
            }
            Node::Pair(a, b) => {
                // `("name", &Schema::Object {` ... `})`: the key stays beside
                // the opening parenthesis, as a person writes it.
                out.push('(');
                a.flat(out);
                out.push_str(", ");
                b.write(indent, column + a.flat_len() + 3, after + 1, out);
                out.push(')');
            }
        }
    }
}

/// Values sorted and without repeats, as the runtime's binary search needs.
fn sorted<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut values: Vec<&str> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

fn string(text: &str) -> Node {
    Node::Atom(Literal::string(text).to_string())
}

fn opt_f64(v: Option<f64>) -> Node {
    match v {
        Some(v) if v.is_finite() => {
            Node::Call("Some".into(), Box::new(Node::Atom(Literal::f64_suffixed(v).to_string())))
        }
        _ => Node::atom("None"),
    }
}

fn opt_u64(v: Option<u64>) -> Node {
    match v {
        Some(v) => Node::Call("Some".into(), Box::new(Node::Atom(Literal::u64_suffixed(v).to_string()))),
        None => Node::atom("None"),
    }
}

/// Where the expression sits: `prefix` is the path of the `schemas` module
/// (empty inside it), `rt` the path of the runtime types (empty inside
/// `schemas`, which imports them).
#[derive(Clone, Copy)]
struct Paths<'a> {
    prefix: &'a str,
    rt: &'a str,
}

/// A `&'static Schema` expression.
fn schema_ref(check: &Check, at: Paths<'_>) -> Node {
    match check {
        Check::Ref { name } => Node::Atom(format!("&{}{}", at.prefix, super::rust::ident(name))),
        other => Node::Borrow(Box::new(schema_value(other, at))),
    }
}

/// Whether a check's `Schema` is one of the runtime's named constants
/// (`Schema::STRING`, `Schema::Any`, ...), which a static can refer to
/// directly instead of through a static of its own.
pub fn is_named_constant(check: &Check) -> bool {
    matches!(schema_value(check, Paths { prefix: "", rt: "" }), Node::Atom(_))
}

/// A `Schema` value expression for a static initializer.
fn schema_value(check: &Check, at: Paths<'_>) -> Node {
    let rt = at.rt;
    let bool_atom = |b: bool| Node::atom(if b { "true" } else { "false" });
    match check {
        Check::Any => Node::Atom(format!("{rt}Schema::Any")),
        Check::Ref { .. } => Node::Call(format!("{rt}Schema::Ref"), Box::new(schema_ref(check, at))),
        Check::Nullable { inner } => Node::Call(format!("{rt}Schema::Nullable"), Box::new(schema_ref(inner, at))),
        Check::Boolean => Node::Atom(format!("{rt}Schema::Boolean")),
        // Unconstrained scalars, the common case, by name.
        Check::String { min_length: None, max_length: None, pattern: None, values, .. } if values.is_empty() => {
            Node::Atom(format!("{rt}Schema::STRING"))
        }
        Check::Integer { minimum: None, maximum: None, int32, .. } => {
            Node::Atom(format!("{rt}Schema::{}", if *int32 { "INT32" } else { "INTEGER" }))
        }
        Check::Number { minimum: None, maximum: None, .. } => Node::Atom(format!("{rt}Schema::NUMBER")),
        Check::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32 } => Node::Struct(
            format!("{rt}Schema::Integer"),
            vec![
                ("minimum", opt_f64(*minimum)),
                ("maximum", opt_f64(*maximum)),
                ("exclusive_minimum", bool_atom(*exclusive_minimum)),
                ("exclusive_maximum", bool_atom(*exclusive_maximum)),
                ("int32", bool_atom(*int32)),
            ],
        ),
        Check::Number { minimum, maximum, exclusive_minimum, exclusive_maximum } => Node::Struct(
            format!("{rt}Schema::Number"),
            vec![
                ("minimum", opt_f64(*minimum)),
                ("maximum", opt_f64(*maximum)),
                ("exclusive_minimum", bool_atom(*exclusive_minimum)),
                ("exclusive_maximum", bool_atom(*exclusive_maximum)),
            ],
        ),
        Check::String { min_length, max_length, pattern, values, .. } => Node::Struct(
            format!("{rt}Schema::String"),
            vec![
                ("min_length", opt_u64(*min_length)),
                ("max_length", opt_u64(*max_length)),
                (
                    "pattern",
                    pattern.as_deref().map_or(Node::atom("None"), |p| Node::Call("Some".into(), Box::new(string(p)))),
                ),
                ("values", Node::Slice(sorted(values.iter().map(String::as_str)).into_iter().map(string).collect())),
            ],
        ),
        Check::Array { items, min_items, max_items, unique_items } => Node::Struct(
            format!("{rt}Schema::Array"),
            vec![
                ("items", schema_ref(items, at)),
                ("min_items", opt_u64(*min_items)),
                ("max_items", opt_u64(*max_items)),
                ("unique_items", bool_atom(*unique_items)),
            ],
        ),
        Check::Object { properties, required, additional } => {
            // Sorted by name: the runtime finds a property by binary search.
            let mut by_name: Vec<&crate::ir::PropertyCheck> = properties.iter().collect();
            by_name.sort_by(|a, b| a.name.cmp(&b.name));
            by_name.dedup_by(|a, b| a.name == b.name);
            let properties =
                by_name.into_iter().map(|p| Node::Pair(Box::new(string(&p.name)), Box::new(schema_ref(&p.check, at))));
            let additional = match additional {
                Additional::Allow => Node::Atom(format!("{rt}Additional::Allow")),
                Additional::Deny => Node::Atom(format!("{rt}Additional::Deny")),
                Additional::Check(check) => {
                    Node::Call(format!("{rt}Additional::Check"), Box::new(schema_ref(check, at)))
                }
            };
            Node::Struct(
                format!("{rt}Schema::Object"),
                vec![
                    ("properties", Node::Slice(properties.collect())),
                    ("required", Node::Slice(required.iter().map(|r| string(r)).collect())),
                    ("additional", additional),
                ],
            )
        }
    }
}

/// The schema of a parameter or body, as tokens of the server module
/// (`schemas::Name` for named types, `rt::` for runtime types).
pub fn value_tokens(check: &Check) -> TokenStream {
    let mut text = String::new();
    schema_value(check, Paths { prefix: "schemas::", rt: "rt::" }).flat(&mut text);
    // The text is made of identifiers and literals printed by proc_macro2,
    // so it lexes; were it not to, the crate says so where it is compiled.
    text.parse().unwrap_or_else(|e| {
        let message = format!("apigen emitted a schema that does not lex: {e}");
        quote::quote!(compile_error!(#message))
    })
}

/// The text of `server/schemas.rs`: one static per named type.
pub fn schemas_file(api: &Api) -> String {
    let mut out = String::from(
        "//! The spec's schemas, as the server validates request values against them.\n\n#![allow(non_upper_case_globals)]\n\n#[allow(unused_imports)]\nuse crate::support::server::{Additional, Schema};\n"
    );
    let at = Paths { prefix: "", rt: "" };
    for t in &api.types {
        let name = super::rust::ident(&t.name);
        out.push_str(&format!(
            "\n/// Schema of [`{0}`](super::super::models::{0}).\npub static {name}: Schema = ",
            t.name
        ));
        let start = format!("pub static {name}: Schema = ").len();
        schema_value(&t.check, at).write(0, start, 1, &mut out);
        out.push_str(";\n");
    }
    out
}
