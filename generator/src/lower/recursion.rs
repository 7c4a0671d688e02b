//! Recursive types: a struct that contains itself (directly, or through
//! other structs and aliases, not through a `Vec` or map) would have
//! infinite size, so the fields that close such a cycle are boxed; a type
//! alias that refers to itself cannot exist in Rust and becomes a JSON value.

use crate::ir::{TypeDef, TypeKind, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// The named types a type holds inline (not behind a `Vec` or a map).
fn direct_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(inner) => direct_names(inner, out),
        _ => {}
    }
}

/// All named types a type mentions (for alias cycles, which Rust refuses
/// even behind a `Vec`).
fn all_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(inner) | TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => all_names(inner, out),
        _ => {}
    }
}

fn reaches(graph: &BTreeMap<String, Vec<String>>, from: &str, target: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(node) = stack.pop() {
        if node == target {
            return true;
        }
        if seen.insert(node.clone()) {
            stack.extend(graph.get(&node).into_iter().flatten().cloned());
        }
    }
    false
}

fn boxed(ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(inner) => TypeRef::Option(Box::new(boxed(inner))),
        other => TypeRef::Boxed(Box::new(other.clone())),
    }
}

/// Boxes the struct fields that close a cycle, and breaks alias cycles.
pub fn break_cycles(types: &mut [TypeDef]) {
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in types.iter() {
        if let TypeKind::Alias { target } = &t.kind {
            let mut names = Vec::new();
            all_names(target, &mut names);
            aliases.insert(t.name.clone(), names);
        }
    }
    let cyclic_aliases: BTreeSet<String> = aliases
        .iter()
        .filter(|(name, targets)| targets.iter().any(|t| reaches(&aliases, t, name)))
        .map(|(name, _)| name.clone())
        .collect();
    for t in types.iter_mut() {
        if cyclic_aliases.contains(&t.name) {
            t.kind = TypeKind::Alias { target: TypeRef::Json };
        }
    }

    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in types.iter() {
        let mut names = Vec::new();
        match &t.kind {
            TypeKind::Struct(s) => s.fields.iter().for_each(|f| direct_names(&f.ty, &mut names)),
            TypeKind::Alias { target } => direct_names(target, &mut names),
            TypeKind::Union(u) => u.variants.iter().for_each(|v| direct_names(&v.ty, &mut names)),
            TypeKind::Enum(_) => {}
        }
        graph.insert(t.name.clone(), names);
    }
    for t in types.iter_mut() {
        let name = t.name.clone();
        let slots: Vec<&mut TypeRef> = match &mut t.kind {
            TypeKind::Struct(s) => s.fields.iter_mut().map(|f| &mut f.ty).collect(),
            TypeKind::Union(u) => u.variants.iter_mut().map(|v| &mut v.ty).collect(),
            _ => Vec::new(),
        };
        for ty in slots {
            let mut names = Vec::new();
            direct_names(ty, &mut names);
            if names.iter().any(|n| reaches(&graph, n, &name)) {
                *ty = boxed(ty);
            }
        }
    }
}
