//! Schemas to [`Check`]s: what a server validates of a JSON value before
//! it deserializes it. A schema that became a named type is referred to by
//! name; anything else is described in place.

use super::schema::SchemaSrc;
use super::Lowerer;
use crate::error::Pointer;
use crate::ir::{Additional, Check, PropertyCheck};
use openapiv3::{
    AdditionalProperties, IntegerFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;
use std::collections::HashSet;

impl Lowerer<'_> {
    /// The check of a schema where it is used: nullability included.
    pub(super) fn check_of(&self, src: SchemaSrc<'_>, at: &Pointer) -> Check {
        self.check_at(src, at, 0)
    }

    /// The check of a schema at a nesting depth, wrapped in `Nullable` when
    /// the schema admits `null`.
    fn check_at(&self, src: SchemaSrc<'_>, at: &Pointer, depth: usize) -> Check {
        let base = self.check_base(src, at, depth);
        if self.is_nullable(src, at) {
            Check::Nullable { inner: Box::new(base) }
        } else {
            base
        }
    }

    fn check_base(&self, src: SchemaSrc<'_>, at: &Pointer, depth: usize) -> Check {
        if depth > 32 {
            return Check::Any;
        }
        match src {
            SchemaSrc::Ref(reference) => {
                if let Some(key) = super::component_key(reference) {
                    return self.component_names.get(&key).map_or(Check::Any, |name| Check::Ref { name: name.clone() });
                }
                match self.deref_schema(reference, at) {
                    Ok((schema, target)) => self.check_base(SchemaSrc::Item(&schema), &target, depth + 1),
                    Err(_) => Check::Any,
                }
            }
            SchemaSrc::Item(schema) => match self.defined_at.get(at) {
                Some(name) => Check::Ref { name: name.clone() },
                None => self.structural_check(schema, at, depth),
            },
        }
    }

    /// The check of a schema described in place (for a type's own definition).
    /// Memoized by pointer: `allOf` parts shared by many schemas (and parts
    /// of parts) are described once, so fan-out costs linear time.
    /// A schema met again while it is being described (`A: {allOf: [{$ref:
    /// A}, ...]}`) is taken as `Any` there: the check is then what the rest
    /// of the schema says.
    pub(super) fn structural_check(&self, schema: &Schema, at: &Pointer, depth: usize) -> Check {
        if let Some(check) = self.check_memo.borrow().get(at) {
            return check.clone();
        }
        if depth > 32 {
            return Check::Any;
        }
        self.check_memo.borrow_mut().insert(at.clone(), Check::Any);
        let check = self.describe(schema, at, depth);
        self.check_memo.borrow_mut().insert(at.clone(), check.clone());
        check
    }

    fn describe(&self, schema: &Schema, at: &Pointer, depth: usize) -> Check {
        let child = |src: SchemaSrc<'_>, child_at: &Pointer| self.check_at(src, child_at, depth + 1);
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => Check::String {
                min_length: s.min_length.map(|n| n as u64),
                max_length: s.max_length.map(|n| n as u64),
                pattern: s.pattern.clone(),
                format: match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time".into()),
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date".into()),
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
                    _ => None,
                },
                values: s.enumeration.iter().flatten().cloned().collect(),
            },
            SchemaKind::Type(Type::Integer(i)) => Check::Integer {
                minimum: i.minimum.map(|v| v as f64),
                maximum: i.maximum.map(|v| v as f64),
                exclusive_minimum: i.exclusive_minimum,
                exclusive_maximum: i.exclusive_maximum,
                int32: matches!(i.format, VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)),
            },
            SchemaKind::Type(Type::Number(n)) => Check::Number {
                minimum: n.minimum,
                maximum: n.maximum,
                exclusive_minimum: n.exclusive_minimum,
                exclusive_maximum: n.exclusive_maximum,
            },
            SchemaKind::Type(Type::Boolean(_)) => Check::Boolean,
            SchemaKind::Type(Type::Array(a)) => Check::Array {
                items: Box::new(a.items.as_ref().map_or(Check::Any, |i| child(i.into(), &at.push("items")))),
                min_items: a.min_items.map(|n| n as u64),
                max_items: a.max_items.map(|n| n as u64),
                unique_items: a.unique_items,
            },
            SchemaKind::Type(Type::Object(o)) => {
                self.object_check(o.properties.iter(), &o.required, o.additional_properties.as_ref(), at, depth)
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                child((&all_of[0]).into(), &at.push("allOf").push("0"))
            }
            SchemaKind::AllOf { all_of } => {
                // Every part must hold. A property named by several parts
                // keeps its first description, as the merged struct does.
                let mut properties: Vec<PropertyCheck> = Vec::new();
                let mut required: Vec<String> = Vec::new();
                let (mut named, mut must) = (HashSet::new(), HashSet::new());
                for (i, part) in all_of.iter().enumerate() {
                    let part_at = at.push("allOf").push(i.to_string());
                    let resolved = match part {
                        ReferenceOr::Item(s) => Some((s.clone(), part_at)),
                        ReferenceOr::Reference { reference } => {
                            self.deref_schema(reference, &part_at).ok().map(|(s, p)| (s.into_owned(), p))
                        }
                    };
                    if let Some((schema, part_at)) = resolved {
                        if let Check::Object { properties: p, required: r, .. } =
                            self.structural_check(&schema, &part_at, depth + 1)
                        {
                            properties.extend(p.into_iter().filter(|p| named.insert(p.name.clone())));
                            required.extend(r.into_iter().filter(|r| must.insert(r.clone())));
                        }
                    }
                }
                Check::Object { properties, required, additional: Additional::Allow }
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::Not { .. } => Check::Any,
            SchemaKind::Any(any) => {
                if !any.properties.is_empty()
                    || any.typ.as_deref() == Some("object")
                    || any.additional_properties.is_some()
                {
                    return self.object_check(
                        any.properties.iter(),
                        &any.required,
                        any.additional_properties.as_ref(),
                        at,
                        depth,
                    );
                }
                match any.typ.as_deref() {
                    Some("string") => Check::String {
                        min_length: any.min_length.map(|n| n as u64),
                        max_length: any.max_length.map(|n| n as u64),
                        pattern: any.pattern.clone(),
                        format: any.format.clone(),
                        values: any.enumeration.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    },
                    Some("integer") => Check::Integer {
                        minimum: any.minimum,
                        maximum: any.maximum,
                        exclusive_minimum: any.exclusive_minimum.unwrap_or(false),
                        exclusive_maximum: any.exclusive_maximum.unwrap_or(false),
                        int32: any.format.as_deref() == Some("int32"),
                    },
                    Some("number") => Check::Number {
                        minimum: any.minimum,
                        maximum: any.maximum,
                        exclusive_minimum: any.exclusive_minimum.unwrap_or(false),
                        exclusive_maximum: any.exclusive_maximum.unwrap_or(false),
                    },
                    Some("boolean") => Check::Boolean,
                    Some("array") | None if any.items.is_some() => Check::Array {
                        items: Box::new(any.items.as_ref().map_or(Check::Any, |i| child(i.into(), &at.push("items")))),
                        min_items: any.min_items.map(|n| n as u64),
                        max_items: any.max_items.map(|n| n as u64),
                        unique_items: any.unique_items.unwrap_or(false),
                    },
                    _ => Check::Any,
                }
            }
        }
    }

    fn object_check<'s>(
        &self,
        properties: impl Iterator<Item = (&'s String, &'s ReferenceOr<Box<Schema>>)>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        at: &Pointer,
        depth: usize,
    ) -> Check {
        let properties = properties
            .map(|(name, src)| {
                let src: SchemaSrc<'_> = src.into();
                let prop_at = at.push("properties").push(name);
                PropertyCheck { name: name.clone(), check: self.check_at(src, &prop_at, depth + 1) }
            })
            .collect();
        let additional = match additional {
            None | Some(AdditionalProperties::Any(true)) => Additional::Allow,
            Some(AdditionalProperties::Any(false)) => Additional::Deny,
            Some(AdditionalProperties::Schema(s)) => {
                let src: SchemaSrc<'_> = s.as_ref().into();
                let value_at = at.push("additionalProperties");
                Additional::Check(Box::new(self.check_at(src, &value_at, depth + 1)))
            }
        };
        Check::Object { properties, required: required.to_vec(), additional }
    }
}
