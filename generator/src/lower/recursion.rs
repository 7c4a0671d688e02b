//! Recursive types: a struct that contains itself (directly, or through
//! other structs and aliases, not through a `Vec` or map) would have
//! infinite size, so the fields that close such a cycle are boxed; a type
//! alias that refers to itself cannot exist in Rust and becomes a JSON value.

use crate::ir::{Check, TypeDef, TypeKind, TypeRef};
use std::collections::{BTreeMap, HashMap};

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
        TypeRef::Option(inner) | TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => {
            all_names(inner, out)
        }
        _ => {}
    }
}

/// The strongly connected component of each node of a graph given as
/// successor lists (Tarjan's algorithm, iterative: a chain of a hundred
/// thousand types must not exhaust the stack). Two nodes share a component
/// exactly when each reaches the other.
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut component) = (vec![UNSEEN; n], vec![0; n], vec![UNSEEN; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let (mut next_index, mut next_component) = (0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, how many of its successors were visited)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if *child == 0 && index[node] == UNSEEN {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&succ) = edges[node].get(*child) {
                *child += 1;
                if index[succ] == UNSEEN {
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Whether `node` lies on a cycle: its component has another member, or it
/// refers to itself.
fn on_cycle(node: usize, edges: &[Vec<usize>], component: &[usize], sizes: &[usize]) -> bool {
    sizes[component[node]] > 1 || edges[node].contains(&node)
}

fn sizes(component: &[usize]) -> Vec<usize> {
    let mut sizes = vec![0; component.len()];
    component.iter().for_each(|&c| sizes[c] += 1);
    sizes
}

fn boxed(ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(inner) => TypeRef::Option(Box::new(boxed(inner))),
        other => TypeRef::Boxed(Box::new(other.clone())),
    }
}

/// Boxes the struct fields that close a cycle, and breaks alias cycles;
/// returns the aliases that became JSON values (pointer and name).
pub fn break_cycles(types: &mut [TypeDef]) -> Vec<(String, String)> {
    let index: HashMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let ids = |names: Vec<String>| -> Vec<usize> { names.iter().filter_map(|n| index.get(n).copied()).collect() };

    // Aliases through aliases only: Rust refuses those even behind a `Vec`.
    let alias_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias { target } => {
                let mut names = Vec::new();
                all_names(target, &mut names);
                ids(names).into_iter().filter(|&j| matches!(types[j].kind, TypeKind::Alias { .. })).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let component = components(&alias_edges);
    let size = sizes(&component);
    let mut broken = Vec::new();
    for (i, t) in types.iter_mut().enumerate() {
        if matches!(t.kind, TypeKind::Alias { .. }) && on_cycle(i, &alias_edges, &component, &size) {
            t.kind = TypeKind::Alias { target: TypeRef::Json };
            broken.push((t.pointer.clone(), t.name.clone()));
        }
    }

    // A union variant that is the union again (directly, or through other
    // unions and aliases) hands the same value back to the union: decoding
    // it would never end. Such variants add no values and are dropped; a
    // union left with none is a JSON value.
    let same_value_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut names = Vec::new();
            match &t.kind {
                TypeKind::Alias { target } => direct_names(target, &mut names),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| direct_names(&v.ty, &mut names)),
                _ => {}
            }
            ids(names)
        })
        .collect();
    let component = components(&same_value_edges);
    let size = sizes(&component);
    for i in 0..types.len() {
        if !on_cycle(i, &same_value_edges, &component, &size) {
            continue;
        }
        let t = &mut types[i];
        let TypeKind::Union(u) = &mut t.kind else { continue };
        u.variants.retain(|v| {
            let mut names = Vec::new();
            direct_names(&v.ty, &mut names);
            !ids(names).iter().any(|&j| component[j] == component[i])
        });
        // A dropped variant's tags are no longer listed: the server refuses them.
        if let Check::Tagged { variants, .. } = &mut t.check {
            let kept: Vec<&TypeRef> = u.variants.iter().map(|v| &v.ty).collect();
            variants.retain(|(_, check)| {
                matches!(check, Check::Ref { name } if kept.iter().any(|ty| matches!(ty, TypeRef::Named(n) if n == name)))
            });
        }
        if u.variants.is_empty() {
            t.kind = TypeKind::Alias { target: TypeRef::Json };
            t.check = Check::Any;
        }
        broken.push((types[i].pointer.clone(), types[i].name.clone()));
    }

    // What each type holds inline; a field whose type holds its struct
    // (directly or not) closes a cycle.
    let inline_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut names = Vec::new();
            match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().for_each(|f| direct_names(&f.ty, &mut names)),
                TypeKind::Alias { target } => direct_names(target, &mut names),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| direct_names(&v.ty, &mut names)),
                TypeKind::Enum(_) | TypeKind::NumericEnum(_) => {}
            }
            ids(names)
        })
        .collect();
    let component = components(&inline_edges);
    for (i, t) in types.iter_mut().enumerate() {
        let slots: Vec<&mut TypeRef> = match &mut t.kind {
            TypeKind::Struct(s) => s.fields.iter_mut().map(|f| &mut f.ty).collect(),
            TypeKind::Union(u) => u.variants.iter_mut().map(|v| &mut v.ty).collect(),
            _ => Vec::new(),
        };
        for ty in slots {
            let mut names = Vec::new();
            direct_names(ty, &mut names);
            if ids(names).iter().any(|&j| component[j] == component[i]) {
                *ty = boxed(ty);
            }
        }
    }
    broken
}

/// The checks a check hands the same value to, without descending into it:
/// a reference (through any number of `Nullable`s), or each variant of a
/// tagged union.
fn referred<'c>(check: &'c Check, out: &mut Vec<&'c str>) {
    match check {
        Check::Ref { name } => out.push(name),
        Check::Nullable { inner } => referred(inner, out),
        Check::Tagged { variants, .. } => variants.iter().for_each(|(_, c)| referred(c, out)),
        _ => {}
    }
}

/// Checks that hand the value to each other without looking into it
/// (`A: {$ref: B}`, `B: {$ref: A}`, or a tagged union whose variant is the
/// union again) describe no value at all; validating against them would
/// never end. They admit any value, as the JSON type their aliases became.
pub fn break_check_cycles(types: &mut [TypeDef]) {
    let index: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut names = Vec::new();
            referred(&t.check, &mut names);
            names.into_iter().filter_map(|n| index.get(n).copied()).collect()
        })
        .collect();
    let component = components(&edges);
    let size = sizes(&component);
    let cyclic: Vec<bool> = (0..types.len()).map(|i| on_cycle(i, &edges, &component, &size)).collect();
    for (t, cyclic) in types.iter_mut().zip(cyclic) {
        if cyclic {
            t.check = Check::Any;
        }
    }
}
