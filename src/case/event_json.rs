//! Reading events back from their JSON without serde's buffering.
//!
//! [`EventKind`] is an internally tagged enum (`{"type": "contacted", ...}`).
//! serde's derived code for such enums first buffers the whole object into
//! an intermediate tree, because the tag may come anywhere, then reads the
//! variant from that tree. The JSON the crate writes always has `"type"`
//! first (the derived `Serialize` writes the tag first), so the
//! deserializer here reads the first key and, when it is the tag, reads the
//! variant's fields straight from the input. When it is not (or the input
//! is a sequence), the derived code takes over with the key already read
//! put back in front, so every input is read exactly as before.
//!
//! Both readers are serde's derived code for the same variants (generated
//! by [`event_kind!`] from [`EventKind`]'s own definition, as `remote`
//! definitions), so field names, defaults, `with` functions and error
//! messages are the same in both. Two things differ between reading a
//! value from serde's buffer and reading it straight from JSON, and are
//! kept as the buffer had them:
//!
//! - a second `"type"` among the fields is an error ([`Fields`]);
//! - the tag of an internally tagged enum nested in a kind (an opening's
//!   origin, a gesture) may be a variant's index ([`tag_as_any`]).
//!
//! A malformed event is an error either way; its message gives the place
//! where the reader found the fault (inside the kind, where the buffering
//! reader reported the end of the kind), and for an enum field given
//! neither a string nor an object with one key, or a struct given an array
//! longer than its fields, it is `serde_json`'s ("expected value", "trailing
//! characters") rather than the buffer's.
//!
//! Also here: [`utc`] and [`utc_option`], which read the RFC 3339 times the
//! crate writes (`2021-03-08T14:00:00Z`, maybe with a fraction of a second)
//! without chrono's general parser, and fall back to it for anything else.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, BytesDeserializer,
    CharDeserializer, F32Deserializer, F64Deserializer, I8Deserializer, I16Deserializer,
    I32Deserializer, I64Deserializer, MapAccessDeserializer, SeqAccessDeserializer,
    StringDeserializer, U8Deserializer, U16Deserializer, U32Deserializer, U64Deserializer,
    UnitDeserializer,
};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};

use super::event::{BufferedEventKind, EventKind, Opened, StreamedEventKind};
use crate::policy::PolicyFingerprint;
use crate::{CaseId, Customer, Origin, Priority, Text};

/// The tag naming an event kind's variant.
const TAG: &str = "type";

/// Defines [`EventKind`] from its body, with two private `remote`
/// deserializers for the same variants: `BufferedEventKind` (internally
/// tagged: serde's derived reader, which buffers) and `StreamedEventKind`
/// (externally tagged: fed the tag and then the rest of the object by
/// [`EventKind`]'s `Deserialize`). The serde container attributes
/// (`rename_all`, `tag`) are written here, once for the three.
macro_rules! event_kind {
    ($(#[$meta:meta])* pub enum EventKind { $($body:tt)* }) => {
        $(#[$meta])*
        #[serde(rename_all = "snake_case", tag = "type")]
        pub enum EventKind { $($body)* }

        /// [`EventKind`]'s derived (buffering) deserializer, for objects
        /// whose first key is not `"type"`, and for sequences.
        #[derive(serde::Deserialize)]
        #[serde(remote = "EventKind", rename_all = "snake_case", tag = "type")]
        #[allow(dead_code, clippy::large_enum_variant)] // only its deserializer is used
        pub(super) enum BufferedEventKind { $($body)* }

        /// [`EventKind`]'s variants read from the tag's value and then the
        /// rest of the object, without buffering.
        #[derive(serde::Deserialize)]
        #[serde(remote = "EventKind", rename_all = "snake_case")]
        #[allow(dead_code, clippy::large_enum_variant)] // only its deserializer is used
        pub(super) enum StreamedEventKind { $($body)* }
    };
}

pub(super) use event_kind;

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // As the derived code: any self-describing input, read as a map
        // or a sequence.
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = EventKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("internally tagged enum EventKind")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<EventKind, A::Error> {
        BufferedEventKind::deserialize(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventKind, A::Error> {
        match map.next_key_seed(FirstKeySeed)? {
            None => Err(de::Error::missing_field(TAG)),
            Some(FirstKey::Tag) => StreamedEventKind::deserialize(TagFirst { map }),
            Some(FirstKey::Other(key)) => {
                BufferedEventKind::deserialize(MapAccessDeserializer::new(KeyPutBack {
                    key: Some(key),
                    map,
                }))
            }
        }
    }
}

/// An object's first key: the tag, or another key kept to be read again.
enum FirstKey<'de> {
    Tag,
    Other(Key<'de>),
}

/// A map key as the input gave it (the forms serde's derived code accepts
/// for the keys of an internally tagged enum, but for compound keys, which
/// no format that can store events produces).
enum Key<'de> {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    Char(char),
    Str(&'de str),
    String(String),
    Bytes(&'de [u8]),
    ByteBuf(Vec<u8>),
    Unit,
}

impl<'de> Key<'de> {
    /// The key, read again by `seed` as the input gave it.
    fn replay<S: DeserializeSeed<'de>, E: de::Error>(self, seed: S) -> Result<S::Value, E> {
        match self {
            Key::Bool(v) => seed.deserialize(BoolDeserializer::new(v)),
            Key::I8(v) => seed.deserialize(I8Deserializer::new(v)),
            Key::I16(v) => seed.deserialize(I16Deserializer::new(v)),
            Key::I32(v) => seed.deserialize(I32Deserializer::new(v)),
            Key::I64(v) => seed.deserialize(I64Deserializer::new(v)),
            Key::U8(v) => seed.deserialize(U8Deserializer::new(v)),
            Key::U16(v) => seed.deserialize(U16Deserializer::new(v)),
            Key::U32(v) => seed.deserialize(U32Deserializer::new(v)),
            Key::U64(v) => seed.deserialize(U64Deserializer::new(v)),
            Key::F32(v) => seed.deserialize(F32Deserializer::new(v)),
            Key::F64(v) => seed.deserialize(F64Deserializer::new(v)),
            Key::Char(v) => seed.deserialize(CharDeserializer::new(v)),
            Key::Str(v) => seed.deserialize(BorrowedStrDeserializer::new(v)),
            Key::String(v) => seed.deserialize(StringDeserializer::new(v)),
            Key::Bytes(v) => seed.deserialize(BorrowedBytesDeserializer::new(v)),
            Key::ByteBuf(v) => seed.deserialize(BytesDeserializer::new(&v)),
            Key::Unit => seed.deserialize(UnitDeserializer::new()),
        }
    }
}

/// Reads an object's first key as serde's derived code does (any value;
/// the tag when it is the string or the bytes `type`).
struct FirstKeySeed;

impl<'de> DeserializeSeed<'de> for FirstKeySeed {
    type Value = FirstKey<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The visitor methods of [`FirstKeySeed`] that keep a copied value.
macro_rules! keep {
    ($($method:ident($ty:ty) => $variant:ident,)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                Ok(FirstKey::Other(Key::$variant(v)))
            }
        )*
    };
}

impl<'de> Visitor<'de> for FirstKeySeed {
    type Value = FirstKey<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a type tag `{TAG}` or any other value")
    }

    keep! {
        visit_bool(bool) => Bool,
        visit_i8(i8) => I8,
        visit_i16(i16) => I16,
        visit_i32(i32) => I32,
        visit_i64(i64) => I64,
        visit_u8(u8) => U8,
        visit_u16(u16) => U16,
        visit_u32(u32) => U32,
        visit_u64(u64) => U64,
        visit_f32(f32) => F32,
        visit_f64(f64) => F64,
        visit_char(char) => Char,
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(if v == TAG {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::String(v.to_owned()))
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(if v == TAG {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::Str(v))
        })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(if v == TAG {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::String(v))
        })
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(if v == TAG.as_bytes() {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::ByteBuf(v.to_owned()))
        })
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(if v == TAG.as_bytes() {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::Bytes(v))
        })
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        Ok(if v == TAG.as_bytes() {
            FirstKey::Tag
        } else {
            FirstKey::Other(Key::ByteBuf(v))
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FirstKey::Other(Key::Unit))
    }
}

/// An object whose first key was read and is given again before the rest.
struct KeyPutBack<'de, A> {
    key: Option<Key<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KeyPutBack<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.key.take() {
            Some(key) => key.replay(seed).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map
            .size_hint()
            .map(|n| n + usize::from(self.key.is_some()))
    }
}

/// An object whose first key was the tag: read as an externally tagged
/// enum, the tag's value naming the variant and the rest of the object
/// being its fields.
struct TagFirst<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for TagFirst<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for TagFirst<A> {
    type Error = A::Error;
    type Variant = Fields<A>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        mut self,
        seed: V,
    ) -> Result<(V::Value, Fields<A>), A::Error> {
        let variant = self.map.next_value_seed(seed)?;
        Ok((variant, Fields { map: self.map }))
    }
}

/// The rest of an object after its tag: the variant's fields. A second tag
/// is an error, as in serde's derived code.
struct Fields<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Fields<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(NotTag(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Fields<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        // As the derived code: a unit variant ignores the other keys.
        while self.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(MapAccessDeserializer::new(self))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, A::Error> {
        MapAccessDeserializer::new(self).deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }
}

/// Reads a key with `S`, failing on a second tag.
struct NotTag<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for NotTag<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(NotTag(deserializer))
    }
}

/// `Deserializer` methods that call the same method of the wrapped
/// deserializer (`self.0`), the visitor wrapped in `$wrap`.
macro_rules! pass_deserialize {
    ($wrap:expr; $($method:ident($($arg:ident: $ty:ty),*),)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* $wrap(visitor))
            }
        )*
    };
}

/// Every `Deserializer` method but `deserialize_any` and
/// `deserialize_identifier`, passed on as [`pass_deserialize`] does.
macro_rules! pass_deserialize_others {
    ($wrap:expr) => {
        pass_deserialize! {
            $wrap;
            deserialize_bool(),
            deserialize_i8(),
            deserialize_i16(),
            deserialize_i32(),
            deserialize_i64(),
            deserialize_i128(),
            deserialize_u8(),
            deserialize_u16(),
            deserialize_u32(),
            deserialize_u64(),
            deserialize_u128(),
            deserialize_f32(),
            deserialize_f64(),
            deserialize_char(),
            deserialize_str(),
            deserialize_string(),
            deserialize_bytes(),
            deserialize_byte_buf(),
            deserialize_option(),
            deserialize_unit(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str),
            deserialize_seq(),
            deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_map(),
            deserialize_struct(name: &'static str, fields: &'static [&'static str]),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
            deserialize_ignored_any(),
        }

        fn is_human_readable(&self) -> bool {
            self.0.is_human_readable()
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NotTag<D> {
    type Error = D::Error;

    pass_deserialize! {
        NotTag;
        deserialize_any(),
        deserialize_identifier(),
    }
    pass_deserialize_others!(NotTag);
}

/// `Visitor` methods that pass a value on to the wrapped visitor
/// (`self.0`).
macro_rules! pass_visit {
    ($($method:ident($ty:ty),)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

/// The `Visitor` methods for scalars but strings and bytes, passed on as
/// [`pass_visit`] does, and `expecting`, `visit_none`, `visit_some`,
/// `visit_unit`, `visit_newtype_struct` and `visit_enum`.
macro_rules! pass_visit_others {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }

        pass_visit! {
            visit_bool(bool),
            visit_i8(i8),
            visit_i16(i16),
            visit_i32(i32),
            visit_i64(i64),
            visit_i128(i128),
            visit_u8(u8),
            visit_u16(u16),
            visit_u32(u32),
            visit_u64(u64),
            visit_u128(u128),
            visit_f32(f32),
            visit_f64(f64),
            visit_char(char),
        }

        fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_none()
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
            self.0.visit_some(deserializer)
        }

        fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_unit()
        }

        fn visit_newtype_struct<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<V::Value, D::Error> {
            self.0.visit_newtype_struct(deserializer)
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
            self.0.visit_enum(data)
        }
    };
}

/// The methods of [`NotTag`]'s `Visitor` that refuse the tag.
macro_rules! refuse_tag {
    ($($method:ident($ty:ty),)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                if AsRef::<[u8]>::as_ref(&v) == TAG.as_bytes() {
                    Err(de::Error::duplicate_field(TAG))
                } else {
                    self.0.$method(v)
                }
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NotTag<V> {
    type Value = V::Value;

    pass_visit_others!();

    refuse_tag! {
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

/// Deserializes the data of [`EventKind::Opened`] as serde's derived
/// reader of [`EventKind`] did (its origin read by [`tag_as_any`]), into
/// its shared form.
pub(super) fn opened<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<Opened>, D::Error> {
    OpenedInKind::deserialize(deserializer).map(Arc::new)
}

/// [`Opened`]'s derived reader, but for the origin.
#[derive(Deserialize)]
#[serde(remote = "Opened")]
struct OpenedInKind {
    case: CaseId,
    customer: Customer,
    #[serde(deserialize_with = "tag_as_any")]
    origin: Origin,
    summary: Text,
    #[serde(default)]
    priority: Priority,
    policy: Text,
    #[serde(default)]
    policy_fingerprint: Option<PolicyFingerprint>,
    time_zone: Tz,
}

/// Deserializes an internally tagged enum nested in an event kind (an
/// opening's origin, a gesture) accepting what serde's derived reader of
/// [`EventKind`] accepted when it read the kind from its buffer: the tag's
/// value read as any value, not only as a string. (From the buffer, a
/// variant's index, `{"type": 0, ...}`, named a variant; read straight from
/// JSON it does not. Nothing writes such tags, but they were read.)
pub(super) fn tag_as_any<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize(TagAsAny(deserializer))
}

/// A deserializer whose maps and sequences give their values through
/// [`IdentifierAsAny`].
struct TagAsAny<T>(T);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TagAsAny<D> {
    type Error = D::Error;

    pass_deserialize! {
        TagAsAny;
        deserialize_any(),
        deserialize_identifier(),
    }
    pass_deserialize_others!(std::convert::identity);
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TagAsAny<V> {
    type Value = V::Value;

    pass_visit_others!();

    pass_visit! {
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(TagAsAny(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(TagAsAny(map))
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TagAsAny<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(IdentifierAsAny(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TagAsAny<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(IdentifierAsAny(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A deserializer that reads an identifier as any value, as serde's
/// buffer does (a string, bytes, or an integer: a variant's index).
struct IdentifierAsAny<T>(T);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for IdentifierAsAny<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(IdentifierAsAny(deserializer))
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for IdentifierAsAny<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    pass_deserialize_others!(std::convert::identity);
}

/// Deserializes a `DateTime<Utc>` as chrono does (an RFC 3339 string, read
/// by chrono's `FromStr`), reading the form the crate writes directly.
pub(super) fn utc<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(UtcVisitor)
}

/// [`utc`] for an optional time, as serde reads an `Option`.
pub(super) fn utc_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(OptionUtcVisitor)
}

struct UtcVisitor;

impl Visitor<'_> for UtcVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime<Utc>, E> {
        parse_utc(v)
    }
}

struct OptionUtcVisitor;

impl<'de> Visitor<'de> for OptionUtcVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        utc(deserializer).map(Some)
    }
}

/// Parses a time as chrono's `DateTime<Utc>` deserializer does.
pub(crate) fn parse_utc<E: de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    match written_utc(text) {
        Some(at) => Ok(at),
        None => text
            .parse::<DateTime<FixedOffset>>()
            .map(|at| at.with_timezone(&Utc))
            .map_err(E::custom),
    }
}

/// The time in `text` when it has the form the crate writes,
/// `YYYY-MM-DDTHH:MM:SSZ` with maybe a fraction of 1 to 9 digits after the
/// seconds, and is a valid time that is not a leap second; `None` otherwise
/// (chrono's parser then decides).
fn written_utc(text: &str) -> Option<DateTime<Utc>> {
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        mo0,
        mo1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
        rest @ ..,
    ] = text.as_bytes()
    else {
        return None;
    };
    let nanos = match rest {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            let mut n = 0;
            for &c in fraction {
                n = n * 10 + digit(c)?;
            }
            (fraction.len()..9).fold(n, |n, _| n * 10)
        }
        _ => return None,
    };
    let year = digits(&[*y0, *y1, *y2, *y3])?;
    let second = digits(&[*s0, *s1])?;
    if second >= 60 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        digits(&[*mo0, *mo1])?,
        digits(&[*d0, *d1])?,
    )?;
    let time =
        date.and_hms_nano_opt(digits(&[*h0, *h1])?, digits(&[*mi0, *mi1])?, second, nanos)?;
    Some(time.and_utc())
}

fn digit(c: u8) -> Option<u32> {
    c.is_ascii_digit().then(|| u32::from(c - b'0'))
}

fn digits(cs: &[u8]) -> Option<u32> {
    cs.iter().try_fold(0, |n, &c| Some(n * 10 + digit(c)?))
}
