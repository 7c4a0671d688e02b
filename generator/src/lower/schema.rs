//! Schemas to Rust types and their checks, in one walk: each arm of
//! [`Lowerer::item_type`] is one mapping rule, and yields both the type a
//! value decodes into and what a server validates of it before (a
//! [`Lowered`]). Each rule says why it is what it is.

use super::{doc_of, Lowerer, NameHint, MAX_ALIAS_HOPS, MAX_ENUM_VARIANTS, MAX_STRUCT_FIELDS};
use crate::error::Error;
use crate::error::{ErrorKind, Pointer};
use crate::ir::{
    Additional, Check, Default, Discriminator, Field, NumericEnum, OneWay, PropertyCheck, StringEnum, Struct, TypeDef,
    TypeKind, TypeRef, Union, UnionVariant, Variant,
};
use crate::naming::{self, Scope};
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;
use std::collections::HashSet;
use std::rc::Rc;

/// A schema or a reference to one, borrowed from wherever it sits.
#[derive(Clone, Copy)]
pub(super) enum SchemaSrc<'s> {
    Ref(&'s str),
    Item(&'s Schema),
}

impl<'s> From<&'s ReferenceOr<Schema>> for SchemaSrc<'s> {
    fn from(r: &'s ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaSrc::Ref(reference),
            ReferenceOr::Item(s) => SchemaSrc::Item(s),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<Schema>>> for SchemaSrc<'s> {
    fn from(r: &'s ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaSrc::Ref(reference),
            ReferenceOr::Item(s) => SchemaSrc::Item(s),
        }
    }
}

/// A schema lowered: the Rust type of its values and what a server checks
/// of a JSON value before decoding it. Neither admits `null` for a
/// `nullable` schema: the caller, which knows whether the value may also be
/// absent, adds it to both with [`Lowered::or_null_if`].
#[derive(Debug, Clone)]
pub(super) struct Lowered {
    pub ty: TypeRef,
    pub check: Check,
}

impl Lowered {
    pub(super) fn new(ty: TypeRef, check: Check) -> Self {
        Lowered { ty, check }
    }

    /// A value the server does not check beyond decoding it.
    pub(super) fn unchecked(ty: TypeRef) -> Self {
        Lowered { ty, check: Check::Any }
    }

    /// A named type of the module: its check is the type's own.
    fn named(name: String) -> Self {
        Lowered { check: Check::Ref { name: name.clone() }, ty: TypeRef::Named(name) }
    }

    /// The same schema where `null` is admitted too, when `nullable`.
    pub(super) fn or_null_if(self, nullable: bool) -> Self {
        if !nullable {
            return self;
        }
        Lowered { ty: self.ty.option(), check: null_or(self.check) }
    }
}

/// A check that admits `null` besides what `check` admits.
fn null_or(check: Check) -> Check {
    Check::Nullable { inner: Box::new(check) }
}

/// The object-shaped parts of a schema, whichever `openapiv3` variant holds them.
struct ObjectParts<'s> {
    properties: Vec<(&'s str, SchemaSrc<'s>)>,
    required: Vec<&'s str>,
    additional: Option<&'s AdditionalProperties>,
}

impl Lowerer<'_> {
    pub(super) fn lower_component_schemas(&mut self) -> Result<(), Error> {
        let Some(components) = &self.doc.openapi.components else {
            return Ok(());
        };
        let base = Pointer::root().push("components").push("schemas");
        for (key, schema) in &components.schemas {
            let at = base.push(key);
            let name = self.component_names[key].clone();
            let slot = self.reserve_slot();
            let lowered = self.schema_type(schema.into(), &at, &NameHint::Claimed(name.clone()))?;
            let defined = self.types[slot..].iter().flatten().any(|t| t.name == name);
            let Lowered { mut ty, mut check } = lowered;
            if ty == TypeRef::Named(name.clone()) && !defined {
                // `A: {allOf: [{$ref: A}]}`: the schema says nothing but itself.
                ty = self.fallback(&at, format!("`{key}` is defined only by a reference to itself"))?;
                check = Check::Any;
            }
            if ty != TypeRef::Named(name.clone()) {
                // A primitive, array, map or another name: keep the
                // component's name as an alias so downstream code can use it.
                let doc = match schema {
                    ReferenceOr::Item(s) => {
                        doc_of(s.schema_data.title.as_deref(), s.schema_data.description.as_deref())
                    }
                    // An alias of another component admits `null` when its target does.
                    ReferenceOr::Reference { .. } => {
                        if self.is_nullable(schema.into(), &at) {
                            check = null_or(check);
                        }
                        None
                    }
                };
                self.types[slot] = Some(TypeDef {
                    name: name.clone(),
                    doc,
                    pointer: at.to_string(),
                    kind: TypeKind::Alias { target: ty },
                    check,
                });
            }
            if let ReferenceOr::Item(s) = schema {
                if let Some(example) = &s.schema_data.example {
                    self.record_example(at.push("example"), &TypeRef::Named(name), example);
                }
            }
        }
        Ok(())
    }

    /// The Rust type of a schema and its check, defining named types as
    /// needed. `null` is added by the caller (see [`Lowered`]).
    pub(super) fn schema_type(&mut self, src: SchemaSrc<'_>, at: &Pointer, hint: &NameHint) -> Result<Lowered, Error> {
        match src {
            SchemaSrc::Ref(reference) => self.ref_type(reference, at),
            SchemaSrc::Item(schema) => {
                let key = (at.clone(), self.checks_only);
                if let Some(lowered) = self.memo.get(&key) {
                    return Ok(lowered.clone());
                }
                self.depth += 1;
                if self.depth > 64 {
                    self.depth -= 1;
                    return self.fallback(at, "schema nesting deeper than 64 levels").map(Lowered::unchecked);
                }
                let lowered = self.item_type(schema, at, hint);
                self.depth -= 1;
                let lowered = lowered?;
                self.memo.insert(key, lowered.clone());
                Ok(lowered)
            }
        }
    }

    /// A schema where it is used: its type and check, with `null` added
    /// to both when the schema admits it.
    pub(super) fn schema_use(&mut self, src: SchemaSrc<'_>, at: &Pointer, hint: &NameHint) -> Result<Lowered, Error> {
        let lowered = self.schema_type(src, at, hint)?;
        Ok(lowered.or_null_if(self.is_nullable(src, at)))
    }

    /// A `$ref` to a component schema is that component's type; any other
    /// local `$ref` is lowered where it points (once, thanks to the memo).
    fn ref_type(&mut self, reference: &str, at: &Pointer) -> Result<Lowered, Error> {
        if let Some(key) = super::component_key(reference) {
            return match self.component_names.get(&key) {
                Some(name) => Ok(Lowered::named(name.clone())),
                None => Err(self.err(at, ErrorKind::DanglingRef(reference.to_owned()))),
            };
        }
        let (schema, target) = self.deref_schema(reference, at)?;
        let last = target.as_str().rsplit('/').next().unwrap_or_default().to_owned();
        self.schema_type(SchemaSrc::Item(&schema), &target, &NameHint::Suggest(naming::type_name(&last)))
    }

    /// Whether a schema (following refs and single-part `allOf`s) admits
    /// `null`. The walk is bounded, so a schema that is its own only part
    /// (`A: {allOf: [{$ref: A}]}`) ends it instead of recursing forever.
    /// Whether a property travels one way ([`one_way_of`] its schema).
    fn one_way(&self, src: SchemaSrc<'_>, at: &Pointer) -> Option<OneWay> {
        match src {
            SchemaSrc::Item(s) => one_way_of(s),
            SchemaSrc::Ref(r) => self.deref_schema(r, at).ok().and_then(|(s, _)| one_way_of(&s)),
        }
    }

    pub(super) fn is_nullable(&self, src: SchemaSrc<'_>, at: &Pointer) -> bool {
        let mut owned: std::borrow::Cow<'_, Schema>;
        let mut schema = match src {
            SchemaSrc::Item(s) => s,
            SchemaSrc::Ref(r) => match self.deref_schema(r, at) {
                Ok((s, _)) => {
                    owned = s;
                    &*owned
                }
                Err(_) => return false,
            },
        };
        for _ in 0..MAX_ALIAS_HOPS {
            if schema.schema_data.nullable {
                return true;
            }
            match &schema.schema_kind {
                SchemaKind::Type(Type::String(t)) => return t.enumeration.iter().any(Option::is_none),
                SchemaKind::AllOf { all_of } if all_of.len() == 1 => match &all_of[0] {
                    ReferenceOr::Item(part) => {
                        owned = std::borrow::Cow::Owned(part.clone());
                        schema = &*owned;
                    }
                    ReferenceOr::Reference { reference } => match self.deref_schema(reference, at) {
                        Ok((s, _)) => {
                            owned = s;
                            schema = &*owned;
                        }
                        Err(_) => return false,
                    },
                },
                _ => return false,
            }
        }
        false
    }

    /// Bounds no value can meet (`minimum` above `maximum`, `minLength`
    /// above `maxLength`, ...) make every request fail validation: say so.
    fn check_bounds(&mut self, schema: &Schema, at: &Pointer) -> Result<(), Error> {
        // (minimum, maximum, exclusive minimum, exclusive maximum), and the
        // counted bounds with their keywords.
        type Numbers = Option<(Option<f64>, Option<f64>, bool, bool)>;
        type Counts = Vec<(&'static str, &'static str, Option<usize>, Option<usize>)>;
        let (numbers, lengths): (Numbers, Counts) = match &schema.schema_kind {
            SchemaKind::Type(Type::Integer(i)) => (
                Some((
                    i.minimum.map(|v| v as f64),
                    i.maximum.map(|v| v as f64),
                    i.exclusive_minimum,
                    i.exclusive_maximum,
                )),
                Vec::new(),
            ),
            SchemaKind::Type(Type::Number(n)) => {
                (Some((n.minimum, n.maximum, n.exclusive_minimum, n.exclusive_maximum)), Vec::new())
            }
            SchemaKind::Type(Type::String(t)) => (None, vec![("minLength", "maxLength", t.min_length, t.max_length)]),
            SchemaKind::Type(Type::Array(a)) => (None, vec![("minItems", "maxItems", a.min_items, a.max_items)]),
            SchemaKind::Type(Type::Object(o)) => {
                (None, vec![("minProperties", "maxProperties", o.min_properties, o.max_properties)])
            }
            SchemaKind::Any(a) => (
                Some((
                    a.minimum,
                    a.maximum,
                    a.exclusive_minimum.unwrap_or(false),
                    a.exclusive_maximum.unwrap_or(false),
                )),
                vec![
                    ("minLength", "maxLength", a.min_length, a.max_length),
                    ("minItems", "maxItems", a.min_items, a.max_items),
                    ("minProperties", "maxProperties", a.min_properties, a.max_properties),
                ],
            ),
            _ => (None, Vec::new()),
        };
        if let Some((Some(min), Some(max), ex_min, ex_max)) = numbers {
            if min > max || (min == max && (ex_min || ex_max)) {
                let (low, high) = (
                    if ex_min { "exclusiveMinimum" } else { "minimum" },
                    if ex_max { "exclusiveMaximum" } else { "maximum" },
                );
                self.doubt(at, format!("{low} {min} and {high} {max} leave no valid value"))?;
            }
        }
        for (low, high, min, max) in lengths {
            if let (Some(min), Some(max)) = (min, max) {
                if min > max {
                    self.doubt(at, format!("{low} {min} is greater than {high} {max}: no value is valid"))?;
                }
            }
        }
        Ok(())
    }

    /// One arm per mapping rule: the Rust type of a schema described in
    /// place and its check.
    fn item_type(&mut self, schema: &Schema, at: &Pointer, hint: &NameHint) -> Result<Lowered, Error> {
        self.check_bounds(schema, at)?;
        let data = &schema.schema_data;
        let doc = doc_of(data.title.as_deref(), data.description.as_deref());
        match &schema.schema_kind {
            // A string enum is a Rust enum (see `define_enum`); any other
            // string is `String`, or the type its format names.
            SchemaKind::Type(Type::String(s)) => {
                let check = Check::String {
                    min_length: s.min_length.map(|n| n as u64),
                    max_length: s.max_length.map(|n| n as u64),
                    pattern: s.pattern.clone(),
                    format: checked_format(&s.format),
                    values: s.enumeration.iter().flatten().cloned().collect(),
                };
                if !s.enumeration.is_empty() {
                    let values: Vec<&str> = s.enumeration.iter().flatten().map(String::as_str).collect();
                    return self.define_enum(&values, at, hint, doc, check);
                }
                Ok(Lowered::new(string_type(&s.format), check))
            }
            // `integer` without a format is 64-bit: JSON does not bound it,
            // and i64 is what servers in the wild send.
            SchemaKind::Type(Type::Integer(i)) => {
                let int32 = matches!(i.format, VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32));
                let values: Vec<i64> = i.enumeration.iter().flatten().copied().collect();
                let check = Check::Integer {
                    minimum: i.minimum.map(|v| v as f64),
                    maximum: i.maximum.map(|v| v as f64),
                    exclusive_minimum: i.exclusive_minimum,
                    exclusive_maximum: i.exclusive_maximum,
                    int32,
                    values: values.clone(),
                };
                if !values.is_empty() && values.len() <= MAX_ENUM_VARIANTS && !self.checks_only {
                    let numbers: Vec<serde_json::Number> = values.iter().map(|v| (*v).into()).collect();
                    let names = var_names(schema, numbers.len());
                    return Ok(self.define_numeric_enum(&numbers, true, names, at, hint, doc, check));
                }
                Ok(Lowered::new(if int32 { TypeRef::I32 } else { TypeRef::I64 }, check))
            }
            SchemaKind::Type(Type::Number(n)) => {
                let float = matches!(n.format, VariantOrUnknownOrEmpty::Item(NumberFormat::Float));
                let values: Vec<f64> = n.enumeration.iter().flatten().copied().filter(|v| v.is_finite()).collect();
                let check = Check::Number {
                    minimum: n.minimum,
                    maximum: n.maximum,
                    exclusive_minimum: n.exclusive_minimum,
                    exclusive_maximum: n.exclusive_maximum,
                    values: values.clone(),
                };
                // `format: float` stays `f32`: its values are rounded to
                // f32 on decode, so a table of exact values would not match.
                if !float && !values.is_empty() && values.len() <= MAX_ENUM_VARIANTS && !self.checks_only {
                    let numbers: Vec<serde_json::Number> = values.iter().filter_map(|v| json_number(*v)).collect();
                    let names = var_names(schema, numbers.len());
                    return Ok(self.define_numeric_enum(&numbers, false, names, at, hint, doc, check));
                }
                Ok(Lowered::new(if float { TypeRef::F32 } else { TypeRef::F64 }, check))
            }
            SchemaKind::Type(Type::Boolean(_)) => Ok(Lowered::new(TypeRef::Bool, Check::Boolean)),
            SchemaKind::Type(Type::Array(a)) => {
                let counts = (a.min_items.map(|n| n as u64), a.max_items.map(|n| n as u64), a.unique_items);
                self.array_type(a.items.as_ref().map(SchemaSrc::from), counts, at, hint)
            }
            SchemaKind::Type(Type::Object(o)) => {
                let parts = ObjectParts {
                    properties: o.properties.iter().map(|(k, v)| (k.as_str(), v.into())).collect(),
                    required: o.required.iter().map(String::as_str).collect(),
                    additional: o.additional_properties.as_ref(),
                };
                self.object_type(parts, at, hint, doc)
            }
            SchemaKind::AllOf { all_of } => self.all_of_type(all_of, &[], at, hint, doc),
            SchemaKind::OneOf { one_of } => {
                self.union_type(one_of, &at.push("oneOf"), at, hint, doc, data.discriminator.as_ref())
            }
            SchemaKind::AnyOf { any_of } => {
                self.union_type(any_of, &at.push("anyOf"), at, hint, doc, data.discriminator.as_ref())
            }
            SchemaKind::Not { .. } => {
                self.fallback(&at.push("not"), "`not` cannot be expressed as a Rust type").map(Lowered::unchecked)
            }
            // What `openapiv3` could not type: the same rules, read from
            // the loose form.
            SchemaKind::Any(any) => {
                let parts = ObjectParts {
                    properties: any.properties.iter().map(|(k, v)| (k.as_str(), v.into())).collect(),
                    required: any.required.iter().map(String::as_str).collect(),
                    additional: any.additional_properties.as_ref(),
                };
                let object_shaped =
                    !parts.properties.is_empty() || any.typ.as_deref() == Some("object") || parts.additional.is_some();
                let has_shape = !any.properties.is_empty() || !any.all_of.is_empty();
                if !any.one_of.is_empty() && !has_shape {
                    return self.union_type(&any.one_of, &at.push("oneOf"), at, hint, doc, data.discriminator.as_ref());
                }
                if !any.any_of.is_empty() && !has_shape {
                    return self.union_type(&any.any_of, &at.push("anyOf"), at, hint, doc, data.discriminator.as_ref());
                }
                if !any.one_of.is_empty() || !any.any_of.is_empty() {
                    // Still checked as the object its own properties describe.
                    let ty = self.fallback(at, "`oneOf`/`anyOf` beside properties or `allOf`")?;
                    if !object_shaped {
                        return Ok(Lowered::unchecked(ty));
                    }
                    let additional = self.additional_type(parts.additional, at, hint)?.1;
                    return Ok(Lowered::new(ty, self.object_check(&parts, additional, at, hint)?));
                }
                if !any.all_of.is_empty() {
                    return self.all_of_type(&any.all_of, &parts.properties, at, hint, doc);
                }
                let string_values: Option<Vec<&str>> = any.enumeration.iter().map(Value::as_str).collect();
                let string_check = || Check::String {
                    min_length: any.min_length.map(|n| n as u64),
                    max_length: any.max_length.map(|n| n as u64),
                    pattern: any.pattern.clone(),
                    format: any.format.clone(),
                    values: any.enumeration.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                };
                let numeric = |int32: Option<bool>| {
                    let (minimum, maximum) = (any.minimum, any.maximum);
                    let exclusive_minimum = any.exclusive_minimum.unwrap_or(false);
                    let exclusive_maximum = any.exclusive_maximum.unwrap_or(false);
                    match int32 {
                        Some(int32) => {
                            let values = any.enumeration.iter().filter_map(Value::as_i64).collect();
                            Check::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32, values }
                        }
                        None => {
                            let values = any.enumeration.iter().filter_map(Value::as_f64).collect();
                            Check::Number { minimum, maximum, exclusive_minimum, exclusive_maximum, values }
                        }
                    }
                };
                let counts =
                    (any.min_items.map(|n| n as u64), any.max_items.map(|n| n as u64), any.unique_items == Some(true));
                match any.typ.as_deref() {
                    _ if !parts.properties.is_empty() => self.object_type(parts, at, hint, doc),
                    Some("object") => self.object_type(parts, at, hint, doc),
                    Some("array") => self.array_type(any.items.as_ref().map(SchemaSrc::from), counts, at, hint),
                    None if any.items.is_some() => {
                        self.array_type(any.items.as_ref().map(SchemaSrc::from), counts, at, hint)
                    }
                    Some("string") | None if !any.enumeration.is_empty() && string_values.is_some() => {
                        let values = string_values.unwrap_or_default();
                        self.define_enum(&values, at, hint, doc, string_check())
                    }
                    Some("string") => Ok(Lowered::new(string_type_name(any.format.as_deref()), string_check())),
                    Some("integer") => {
                        let int32 = any.format.as_deref() == Some("int32");
                        Ok(Lowered::new(if int32 { TypeRef::I32 } else { TypeRef::I64 }, numeric(Some(int32))))
                    }
                    Some("number") => Ok(Lowered::new(
                        if any.format.as_deref() == Some("float") { TypeRef::F32 } else { TypeRef::F64 },
                        numeric(None),
                    )),
                    Some("boolean") => Ok(Lowered::new(TypeRef::Bool, Check::Boolean)),
                    None if parts.additional.is_some() => self.object_type(parts, at, hint, doc),
                    // `{}` and anything without a shape: any JSON value.
                    None => Ok(Lowered::unchecked(TypeRef::Json)),
                    Some(other) => {
                        self.fallback(&at.push("type"), format!("schema type `{other}`")).map(Lowered::unchecked)
                    }
                }
            }
        }
    }

    /// Arrays are `Vec`s of their items' type; items without a schema can
    /// be anything.
    fn array_type(
        &mut self,
        items: Option<SchemaSrc<'_>>,
        (min_items, max_items, unique_items): (Option<u64>, Option<u64>, bool),
        at: &Pointer,
        hint: &NameHint,
    ) -> Result<Lowered, Error> {
        let item = match items {
            Some(items) => self.schema_use(items, &at.push("items"), &hint.child("Item"))?,
            None => Lowered::unchecked(TypeRef::Json),
        };
        Ok(Lowered::new(
            TypeRef::Vec(Box::new(item.ty)),
            Check::Array { items: Box::new(item.check), min_items, max_items, unique_items },
        ))
    }

    /// Objects: known properties make a struct; none make a free-form JSON
    /// object, or a map when `additionalProperties` gives the value schema.
    fn object_type(
        &mut self,
        parts: ObjectParts<'_>,
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
    ) -> Result<Lowered, Error> {
        let (additional, additional_check) = self.additional_type(parts.additional, at, hint)?;
        if parts.properties.is_empty() {
            let ty = match additional {
                Some(TypeRef::Json) | None => TypeRef::JsonObject,
                Some(value) => TypeRef::Map(Box::new(value)),
            };
            return Ok(Lowered::new(ty, self.object_check(&parts, additional_check, at, hint)?));
        }
        if parts.properties.len() > MAX_STRUCT_FIELDS {
            let what = format!("an object of {} properties (more than {MAX_STRUCT_FIELDS})", parts.properties.len());
            let ty = self.approximate(&at.push("properties"), what, TypeRef::JsonObject)?;
            return Ok(Lowered::new(ty, self.object_check(&parts, additional_check, at, hint)?));
        }
        if self.checks_only {
            return Ok(Lowered::new(TypeRef::JsonObject, self.object_check(&parts, additional_check, at, hint)?));
        }
        let name = self.claim_type_name(hint);
        let slot = self.reserve_slot();
        let child_hint = NameHint::Claimed(name.clone());
        let mut property_checks = Vec::with_capacity(parts.properties.len());
        // Unnamed properties are allowed but not typed: the crate may keep
        // them in `additional_properties` (reserved either way, so a field's
        // name does not depend on that choice).
        let open = additional.is_none() && matches!(additional_check, Additional::Allow);
        let mut scope = Scope::with_reserved((additional.is_some() || open).then_some("additional_properties"));
        let mut fields = Vec::with_capacity(parts.properties.len());
        // Accessors of defaulted fields are methods of the struct: none may
        // shadow a method of the traits models implement, or `new`.
        let mut methods = Scope::with_reserved(ACCESSOR_RESERVED.iter().copied());
        let required_names: HashSet<&str> = parts.required.iter().copied().collect();
        for (wire, src) in &parts.properties {
            let field_at = at.push("properties").push(wire);
            // A `readOnly` property is only in responses and a `writeOnly` one
            // only in requests: one type serves both, so neither is required.
            let one_way = self.one_way(*src, &field_at);
            let required = required_names.contains(wire) && one_way.is_none();
            let nullable = self.is_nullable(*src, &field_at);
            let Lowered { ty, check } = self.schema_type(*src, &field_at, &child_hint.child(wire))?;
            let check = if nullable { null_or(check) } else { check };
            property_checks.push(PropertyCheck { name: (*wire).to_owned(), check: request_check(one_way, check) });
            let field_name = scope.claim(naming::field_name(wire));
            let (doc, default_value) = match src {
                SchemaSrc::Item(s) => (
                    doc_of(s.schema_data.title.as_deref(), s.schema_data.description.as_deref()),
                    s.schema_data.default.clone(),
                ),
                SchemaSrc::Ref(_) => (None, None),
            };
            // A default applies only when the property may be absent and is
            // not nullable (null must stay distinguishable), and only for
            // values with a plain Rust literal. The field stays `Option`, so
            // what was absent is written back absent; its accessor applies
            // the default.
            let default = default_value
                .filter(|v| !required && !nullable && default_fits(&ty, v, self))
                .map(|value| Default { accessor: methods.claim(field_name.clone()), value });
            // Absent and null are different on the wire: an optional
            // nullable property is `Option<Option<T>>` (outer: present?).
            let ty = match (required, nullable) {
                (true, false) => ty,
                (true, true) | (false, false) => ty.option(),
                (false, true) => TypeRef::Option(Box::new(ty.option())),
            };
            fields.push(Field {
                name: field_name,
                wire_name: (*wire).to_owned(),
                doc,
                ty,
                required,
                nullable,
                default,
                one_way,
            });
        }
        // `Default` leaves every property absent (defaulted ones included:
        // their accessors apply the spec's default).
        let derive_default = fields.iter().all(|f| matches!(f.ty, TypeRef::Option(_)));
        // One-way (`readOnly`/`writeOnly`) properties were made optional above.
        let optional_one_way: HashSet<&str> =
            fields.iter().filter(|f| !f.required).map(|f| f.wire_name.as_str()).collect();
        let check = Check::Object {
            properties: property_checks,
            required: {
                let mut listed = HashSet::new();
                parts
                    .required
                    .iter()
                    .filter(|r| !optional_one_way.contains(**r) && listed.insert(**r))
                    .map(|r| (*r).to_owned())
                    .collect()
            },
            additional: additional_check,
        };
        self.types[slot] = Some(TypeDef {
            name: name.clone(),
            doc,
            pointer: at.to_string(),
            kind: TypeKind::Struct(Struct { fields, additional, open, derive_default }),
            check,
        });
        Ok(Lowered::named(name))
    }

    /// The check of an object described in place, for an object that is
    /// not a struct: its properties' checks (their types defined as for a
    /// struct), its required properties as listed, and `additional`.
    fn object_check(
        &mut self,
        parts: &ObjectParts<'_>,
        additional: Additional,
        at: &Pointer,
        hint: &NameHint,
    ) -> Result<Check, Error> {
        let outer = std::mem::replace(&mut self.checks_only, true);
        let properties: Result<Vec<PropertyCheck>, Error> = parts
            .properties
            .iter()
            .map(|(wire, src)| {
                let field = self.schema_use(*src, &at.push("properties").push(wire), &hint.child(wire))?;
                let one_way = self.one_way(*src, &at.push("properties").push(wire));
                Ok(PropertyCheck { name: (*wire).to_owned(), check: request_check(one_way, field.check) })
            })
            .collect();
        self.checks_only = outer;
        let properties = properties?;
        let required = parts.required.iter().map(|r| (*r).to_owned()).collect();
        Ok(Check::Object { properties, required, additional })
    }

    /// `additionalProperties`: absent or `false` keeps no extra map on a
    /// struct (unknown fields are ignored on input); `true` or `{}` keeps
    /// them as JSON; a schema keeps them typed.
    fn additional_type(
        &mut self,
        additional: Option<&AdditionalProperties>,
        at: &Pointer,
        hint: &NameHint,
    ) -> Result<(Option<TypeRef>, Additional), Error> {
        Ok(match additional {
            None => (None, Additional::Allow),
            Some(AdditionalProperties::Any(false)) => (None, Additional::Deny),
            Some(AdditionalProperties::Any(true)) => (Some(TypeRef::Json), Additional::Allow),
            Some(AdditionalProperties::Schema(s)) => {
                let value =
                    self.schema_use(s.as_ref().into(), &at.push("additionalProperties"), &hint.child("Value"))?;
                (Some(value.ty), Additional::Check(Box::new(value.check)))
            }
        })
    }

    /// `allOf`: one part is that part (the usual way to attach a description
    /// to a `$ref`); several object parts merge into one struct, with a
    /// property defined differently by two parts reported as a conflict.
    fn all_of_type(
        &mut self,
        all_of: &[ReferenceOr<Schema>],
        own_properties: &[(&str, SchemaSrc<'_>)],
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
    ) -> Result<Lowered, Error> {
        if all_of.len() == 1 && own_properties.is_empty() {
            let (part, part_at) = ((&all_of[0]).into(), at.push("allOf").push("0"));
            let Lowered { ty, check } = self.schema_type(part, &part_at, hint)?;
            let check = if self.is_nullable(part, &part_at) { null_or(check) } else { check };
            return Ok(Lowered { ty, check });
        }
        let mut parts: Vec<(Schema, Pointer, NameHint)> = Vec::new();
        for (i, part) in all_of.iter().enumerate() {
            let part_at = at.push("allOf").push(i.to_string());
            let part_hint = self.part_hint(part, hint);
            let (schema, target) = self.resolve(part, &part_at)?;
            parts.push((schema, target, part_hint));
        }
        let mut merged: Vec<(String, ReferenceOr<Box<Schema>>, Pointer)> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut required: Vec<String> = Vec::new();
        let mut additional: Option<AdditionalProperties> = None;
        for (schema, part_at, _) in &parts {
            let (props, req, add) = match &schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required, &o.additional_properties),
                SchemaKind::Any(a) if a.all_of.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() => {
                    (&a.properties, &a.required, &a.additional_properties)
                }
                _ => {
                    let what = "`allOf` part that is not an object schema";
                    return self.all_of_fallback(&parts, own_properties, at, hint, part_at, what.to_owned());
                }
            };
            for (key, prop) in props {
                let prop_at = part_at.push("properties").push(key);
                if let Some(existing) = index.get(key).map(|&i| &merged[i]) {
                    if serde_json::to_value(&existing.1).ok() != serde_json::to_value(prop).ok() {
                        let what = format!("`allOf` parts define property `{key}` differently");
                        return self.all_of_fallback(&parts, own_properties, at, hint, &prop_at, what);
                    }
                    continue;
                }
                index.insert(key.clone(), merged.len());
                merged.push((key.clone(), prop.clone(), prop_at));
            }
            required.extend(req.iter().cloned());
            if add.is_some() {
                additional = add.clone();
            }
        }
        for (key, src) in own_properties {
            let prop = match src {
                SchemaSrc::Ref(r) => ReferenceOr::Reference { reference: (*r).to_owned() },
                SchemaSrc::Item(s) => ReferenceOr::Item(Box::new((*s).clone())),
            };
            let prop_at = at.push("properties").push(key);
            if let Some(existing) = index.get(*key).map(|&i| &merged[i]) {
                if serde_json::to_value(&existing.1).ok() != serde_json::to_value(&prop).ok() {
                    let what = format!("`allOf` parts and the schema itself define property `{key}` differently");
                    return self.all_of_fallback(&parts, own_properties, at, hint, &prop_at, what);
                }
                continue;
            }
            index.insert((*key).to_owned(), merged.len());
            merged.push(((*key).to_owned(), prop, prop_at));
        }
        self.merged_struct(merged, required, additional, at, hint, doc)
    }

    /// An `allOf` that is not one struct is any JSON value, still checked
    /// as every object part says: each part's properties (a property named
    /// by several keeps its first description, as a merged struct does) and
    /// required properties; a part of another shape is left to decoding.
    fn all_of_fallback(
        &mut self,
        parts: &[(Schema, Pointer, NameHint)],
        own_properties: &[(&str, SchemaSrc<'_>)],
        at: &Pointer,
        hint: &NameHint,
        problem_at: &Pointer,
        what: String,
    ) -> Result<Lowered, Error> {
        let ty = self.fallback(problem_at, what)?;
        let mut gathered = Gathered::default();
        for (schema, part_at, part_hint) in parts {
            let part = self.object_part_checks(schema, part_at, part_hint)?;
            gathered.extend(&part);
        }
        let own = ObjectParts { properties: own_properties.to_vec(), required: Vec::new(), additional: None };
        if let Check::Object { properties, .. } = self.object_check(&own, Additional::Allow, at, hint)? {
            gathered.extend(&Gathered::new(properties, Vec::new()));
        }
        let Gathered { properties, required, .. } = gathered;
        Ok(Lowered::new(ty, Check::Object { properties, required, additional: Additional::Allow }))
    }

    /// The property checks and required properties an `allOf` part states
    /// as an object, nested `allOf`s flattened. Memoized by the part's
    /// pointer, so parts shared across levels are gathered once; a part met
    /// again while it is gathered (a cycle) adds nothing.
    fn object_part_checks(&mut self, schema: &Schema, at: &Pointer, hint: &NameHint) -> Result<Rc<Gathered>, Error> {
        if let Some(done) = self.all_of_memo.get(at) {
            return Ok(done.clone());
        }
        self.all_of_memo.insert(at.clone(), Rc::default());
        self.depth += 1;
        let gathered = self.gather_object_part(schema, at, hint);
        self.depth -= 1;
        let gathered = Rc::new(gathered?);
        self.all_of_memo.insert(at.clone(), gathered.clone());
        Ok(gathered)
    }

    fn gather_object_part(&mut self, schema: &Schema, at: &Pointer, hint: &NameHint) -> Result<Gathered, Error> {
        let mut gathered = Gathered::default();
        if let Some(parts) = object_parts(schema) {
            if let Check::Object { properties, required, .. } =
                self.object_check(&parts, Additional::Allow, at, hint)?
            {
                gathered.extend(&Gathered::new(properties, required));
            }
        }
        let nested = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.as_slice(),
            SchemaKind::Any(a) => a.all_of.as_slice(),
            _ => &[],
        };
        if nested.is_empty() || self.depth > 64 {
            return Ok(gathered);
        }
        for (i, part) in nested.iter().enumerate() {
            let part_hint = self.part_hint(part, hint);
            let (part, part_at) = self.resolve(part, &at.push("allOf").push(i.to_string()))?;
            let inner = self.object_part_checks(&part, &part_at, &part_hint)?;
            gathered.extend(&inner);
        }
        Ok(gathered)
    }

    /// The name hint of an `allOf` part: a component's properties are
    /// named after it, wherever they are met first.
    fn part_hint(&self, part: &ReferenceOr<Schema>, hint: &NameHint) -> NameHint {
        match part {
            ReferenceOr::Reference { reference } => super::component_key(reference)
                .and_then(|key| self.component_names.get(&key))
                .map_or_else(|| hint.clone(), |name| NameHint::Suggest(name.clone())),
            ReferenceOr::Item(_) => hint.clone(),
        }
    }

    /// Defines a struct from properties gathered from several schemas; each
    /// property is lowered at its own pointer, so shared inline types stay shared.
    fn merged_struct(
        &mut self,
        merged: Vec<(String, ReferenceOr<Box<Schema>>, Pointer)>,
        required: Vec<String>,
        additional: Option<AdditionalProperties>,
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
    ) -> Result<Lowered, Error> {
        // Lower through `object_type` so every field rule lives in one place;
        // property pointers are those of the parts the properties came from.
        if self.checks_only {
            let parts = ObjectParts {
                properties: merged.iter().map(|(k, v, _)| (k.as_str(), v.into())).collect(),
                required: required.iter().map(String::as_str).collect(),
                additional: additional.as_ref(),
            };
            return self.object_type(parts, at, hint, doc);
        }
        let name = self.claim_type_name(hint);
        let mut fields_at = Vec::new();
        for (key, prop, prop_at) in &merged {
            let ty = self.schema_type(
                prop.into(),
                prop_at,
                &NameHint::Suggest(format!("{name}{}", naming::type_name(key))),
            )?;
            fields_at.push(ty);
        }
        let parts = ObjectParts {
            properties: merged.iter().map(|(k, v, _)| (k.as_str(), v.into())).collect(),
            required: required.iter().map(String::as_str).collect(),
            additional: additional.as_ref(),
        };
        // Inline property types were memoized at their source pointers above;
        // re-key them under this struct's pointers so `object_type` reuses them.
        for ((key, _, _), ty) in merged.iter().zip(fields_at) {
            self.memo.insert((at.push("properties").push(key), false), ty);
        }
        self.object_type(parts, at, &NameHint::Claimed(name), doc)
    }

    /// `oneOf`/`anyOf`: an untagged enum, one variant per alternative, tried
    /// in document order. A single alternative is that alternative; `null`
    /// alternatives make the parent nullable instead.
    fn union_type(
        &mut self,
        alternatives: &[ReferenceOr<Schema>],
        list_at: &Pointer,
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
        discriminator: Option<&openapiv3::Discriminator>,
    ) -> Result<Lowered, Error> {
        let is_null = |s: &ReferenceOr<Schema>| match s {
            ReferenceOr::Item(schema) => {
                matches!(&schema.schema_kind, SchemaKind::Any(a) if a.typ.as_deref() == Some("null"))
            }
            ReferenceOr::Reference { .. } => false,
        };
        let real: Vec<(usize, &ReferenceOr<Schema>)> =
            alternatives.iter().enumerate().filter(|(_, s)| !is_null(s)).collect();
        match real.as_slice() {
            [] => return Ok(Lowered::unchecked(TypeRef::Json)),
            [(i, only)] => return self.schema_type((*only).into(), &list_at.push(i.to_string()), hint),
            _ if self.checks_only => return Ok(Lowered::unchecked(TypeRef::Json)),
            _ => {}
        }
        let name = self.claim_type_name(hint);
        let slot = self.reserve_slot();
        let child_hint = NameHint::Claimed(name.clone());
        let mut scope = Scope::new();
        let mut variants = Vec::new();
        let mut seen = HashSet::new();
        for (i, alternative) in real {
            let variant_at = list_at.push(i.to_string());
            let variant_hint = child_hint.child(&format!("Variant{}", i + 1));
            let ty = self.schema_use(alternative.into(), &variant_at, &variant_hint)?.ty;
            if !seen.insert(ty.clone()) {
                continue;
            }
            // Tag values: the mapping's entries that point here, and the
            // component's own name (the implicit value).
            let mut tags = Vec::new();
            if let (Some(d), ReferenceOr::Reference { reference }) = (discriminator, alternative) {
                tags.extend(
                    d.mapping
                        .iter()
                        .filter(|(_, target)| *target == reference || reference.ends_with(&format!("/{target}")))
                        .map(|(value, _)| value.clone()),
                );
                if let Some(key) = super::component_key(reference) {
                    if !tags.contains(&key) {
                        tags.push(key);
                    }
                }
            }
            variants.push(UnionVariant { name: scope.claim(variant_name_for(&ty)), ty, tags });
        }
        // Tagged only when every alternative is a named type with tag values.
        let tagged = discriminator
            .filter(|_| variants.iter().all(|v| matches!(v.ty, TypeRef::Named(_)) && !v.tags.is_empty()))
            .map(|d| Discriminator { property: d.property_name.clone(), fallback: scope.claim("Other".to_owned()) });
        // The server refuses a tagged object without its tag, or with one the
        // spec does not list; the client keeps those in the fallback variant.
        let check = match &tagged {
            Some(d) => Check::Tagged {
                property: d.property.clone(),
                variants: variants
                    .iter()
                    .flat_map(|v| {
                        let TypeRef::Named(name) = &v.ty else { return Vec::new() };
                        v.tags.iter().map(|tag| (tag.clone(), Check::Ref { name: name.clone() })).collect()
                    })
                    .collect(),
            },
            None => Check::Any,
        };
        self.types[slot] = Some(TypeDef {
            name: name.clone(),
            doc,
            pointer: at.to_string(),
            kind: TypeKind::Union(Union { variants, discriminator: tagged }),
            check,
        });
        Ok(Lowered::named(name))
    }

    /// Integer and number enums, like string ones, keep unknown values in a
    /// fallback variant; variants are named by the spec's `x-enum-varnames`
    /// when it gives them, else by value (`V1`, `VMinus1`, `V0_5`).
    #[allow(clippy::too_many_arguments)]
    fn define_numeric_enum(
        &mut self,
        values: &[serde_json::Number],
        integer: bool,
        names: Option<Vec<String>>,
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
        check: Check,
    ) -> Lowered {
        let name = self.claim_type_name(hint);
        self.numeric_enum_names.insert(name.clone(), integer);
        let mut scope = Scope::new();
        let mut variants = Vec::new();
        let mut seen = HashSet::new();
        for (index, value) in values.iter().enumerate() {
            // `1` and `1.0` are one value.
            if !seen.insert(value.as_f64().map(f64::to_bits)) {
                continue;
            }
            let variant = match &names {
                Some(names) => naming::variant_name(&names[index]),
                None => naming::numeric_variant_name(value),
            };
            variants.push((scope.claim(variant), value.clone()));
        }
        let fallback = fallback_name(&mut scope);
        self.types.push(Some(TypeDef {
            name: name.clone(),
            doc,
            pointer: at.to_string(),
            check,
            kind: TypeKind::NumericEnum(NumericEnum { variants, integer, fallback }),
        }));
        Lowered::named(name)
    }

    /// String enums keep unknown values in a fallback variant: vendors add
    /// values, and a client must not fail on one it does not know.
    fn define_enum(
        &mut self,
        values: &[&str],
        at: &Pointer,
        hint: &NameHint,
        doc: Option<String>,
        check: Check,
    ) -> Result<Lowered, Error> {
        if values.len() > MAX_ENUM_VARIANTS {
            let what = format!("an enum of {} values (more than {MAX_ENUM_VARIANTS})", values.len());
            return Ok(Lowered::new(self.approximate(&at.push("enum"), what, TypeRef::String)?, check));
        }
        if self.checks_only {
            return Ok(Lowered::new(TypeRef::String, check));
        }
        let name = self.claim_type_name(hint);
        self.enum_names.insert(name.clone());
        let mut scope = Scope::new();
        let mut variants: Vec<Variant> = Vec::new();
        let mut seen = HashSet::new();
        for value in values {
            if !seen.insert(*value) {
                continue;
            }
            variants.push(Variant { name: scope.claim(naming::variant_name(value)), wire_value: (*value).to_owned() });
        }
        let fallback = fallback_name(&mut scope);
        self.types.push(Some(TypeDef {
            name: name.clone(),
            doc,
            pointer: at.to_string(),
            check: Check::String {
                min_length: None,
                max_length: None,
                pattern: None,
                format: None,
                values: variants.iter().map(|v| v.wire_value.clone()).collect(),
            },
            kind: TypeKind::Enum(StringEnum { variants, fallback }),
        }));
        Ok(Lowered::named(name))
    }
}

/// A finite number as JSON writes it: integral values as integers.
fn json_number(value: f64) -> Option<serde_json::Number> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return Some((value as i64).into());
    }
    serde_json::Number::from_f64(value)
}

/// The name of an enum's fallback variant: the first of `Unknown`, `Other`
/// and `UnknownValue` that no listed value took.
fn fallback_name(scope: &mut Scope) -> String {
    ["Unknown", "Other", "UnknownValue"]
        .into_iter()
        .find(|n| !scope.contains(n))
        .map_or_else(|| scope.claim("Unknown".to_owned()), str::to_owned)
}

/// Variant names a schema gives its enum values (`x-enum-varnames`, or
/// `x-enumNames`), when there is one string per value.
fn var_names(schema: &Schema, count: usize) -> Option<Vec<String>> {
    ["x-enum-varnames", "x-enumNames"].iter().find_map(|key| {
        let names = schema.schema_data.extensions.get(*key)?.as_array()?;
        let names: Vec<String> = names.iter().map(|n| n.as_str().map(str::to_owned)).collect::<Option<_>>()?;
        (names.len() == count).then_some(names)
    })
}

/// Whether a property travels one way: `readOnly` or `writeOnly` on the
/// property's schema, or on the component it refers to. Both set is
/// neither way, so it is treated as unmarked.
fn one_way_of(schema: &Schema) -> Option<OneWay> {
    match (schema.schema_data.read_only, schema.schema_data.write_only) {
        (true, false) => Some(OneWay::ReadOnly),
        (false, true) => Some(OneWay::WriteOnly),
        _ => None,
    }
}

/// What a server checks of a property in a request: a `readOnly` one must
/// be absent.
fn request_check(one_way: Option<OneWay>, check: Check) -> Check {
    match one_way {
        Some(OneWay::ReadOnly) => Check::ReadOnly,
        _ => check,
    }
}

/// A union variant's name from its type: the type's own name, or what kind
/// of value it is.
fn variant_name_for(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String => "String".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F32 | TypeRef::F64 => "Number".into(),
        TypeRef::Bool => "Boolean".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::JsonObject | TypeRef::Map(_) => "Object".into(),
        TypeRef::Vec(inner) => format!("{}List", variant_name_for(inner)),
        TypeRef::Option(inner) | TypeRef::Boxed(inner) => variant_name_for(inner),
        TypeRef::Bytes | TypeRef::Base64 | TypeRef::Multipart => "Bytes".into(),
    }
}

/// What the object parts of an `allOf` require together: every property
/// check (a property named by several parts keeps its first description,
/// as a merged struct does) and every required property, each once.
#[derive(Default)]
pub(super) struct Gathered {
    properties: Vec<PropertyCheck>,
    required: Vec<String>,
    seen: (HashSet<String>, HashSet<String>),
}

impl Gathered {
    fn new(properties: Vec<PropertyCheck>, required: Vec<String>) -> Self {
        let mut gathered = Gathered::default();
        gathered.add(properties.iter(), required.iter());
        gathered
    }

    fn extend(&mut self, other: &Gathered) {
        self.add(other.properties.iter(), other.required.iter());
    }

    fn add<'a>(
        &mut self,
        properties: impl Iterator<Item = &'a PropertyCheck>,
        required: impl Iterator<Item = &'a String>,
    ) {
        for p in properties {
            if self.seen.0.insert(p.name.clone()) {
                self.properties.push(p.clone());
            }
        }
        for r in required {
            if self.seen.1.insert(r.clone()) {
                self.required.push(r.clone());
            }
        }
    }
}

/// The object-shaped parts of a schema that a check describes as an
/// object: a typed object, or a loose one with properties, `type: object`
/// or `additionalProperties`.
fn object_parts(schema: &Schema) -> Option<ObjectParts<'_>> {
    let (properties, required, additional) = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required, &o.additional_properties),
        SchemaKind::Any(a)
            if !a.properties.is_empty() || a.typ.as_deref() == Some("object") || a.additional_properties.is_some() =>
        {
            (&a.properties, &a.required, &a.additional_properties)
        }
        _ => return None,
    };
    Some(ObjectParts {
        properties: properties.iter().map(|(k, v)| (k.as_str(), v.into())).collect(),
        required: required.iter().map(String::as_str).collect(),
        additional: additional.as_ref(),
    })
}

/// The formats the server's validator knows by name; `binary` and
/// `password` are any string to it, and `byte` is checked by decoding it
/// into its type.
fn checked_format(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date".into()),
        VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
        _ => None,
    }
}

/// Formats with a well-known Rust type: `date-time` and `date` through
/// chrono (a malformed timestamp fails the body's deserialization, which the
/// caller sees as an error holding the raw body), `uuid` through uuid,
/// `byte` as the runtime's `Base64` (text that is not base64 fails alike).
fn string_type(format: &VariantOrUnknownOrEmpty<StringFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => TypeRef::Base64,
        VariantOrUnknownOrEmpty::Unknown(f) => string_type_name(Some(f)),
        _ => TypeRef::String,
    }
}

fn string_type_name(format: Option<&str>) -> TypeRef {
    match format {
        Some("date-time") => TypeRef::DateTime,
        Some("date") => TypeRef::Date,
        Some("uuid") => TypeRef::Uuid,
        Some("byte") => TypeRef::Base64,
        _ => TypeRef::String,
    }
}

/// Whether a `default` has a plain Rust literal for the field's type.
/// Names a defaulted field's accessor may not take: methods of the traits
/// models derive or implement, and the constructor's name.
const ACCESSOR_RESERVED: &[&str] =
    &["new", "clone", "clone_from", "eq", "ne", "fmt", "serialize", "deserialize", "default", "to_owned", "to_string"];

fn default_fits(ty: &TypeRef, value: &Value, cx: &Lowerer<'_>) -> bool {
    match (ty, value) {
        (TypeRef::String, Value::String(_)) | (TypeRef::Bool, Value::Bool(_)) => true,
        (TypeRef::I32, Value::Number(n)) => n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
        (TypeRef::I64, Value::Number(n)) => n.as_i64().is_some(),
        (TypeRef::F32 | TypeRef::F64, Value::Number(_)) => true,
        (TypeRef::Vec(_), Value::Array(items)) => items.is_empty(),
        (TypeRef::Named(name), Value::String(_)) => cx.enum_names.contains(name),
        (TypeRef::Named(name), Value::Number(n)) => match cx.numeric_enum_names.get(name) {
            Some(true) => n.as_i64().is_some(),
            Some(false) => n.as_f64().is_some_and(f64::is_finite),
            None => false,
        },
        _ => false,
    }
}
