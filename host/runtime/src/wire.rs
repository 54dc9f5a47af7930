//! The project in the canonical ABI, laid out once and copied into each fresh instance.
//!
//! wasmtime's typed lowering writes a record field by field and looks the instance's memory up
//! again for every scalar it stores; on a 20-service project that was most of an evaluation. A
//! [`WireProject`] does the layout work once per project instead: it walks the host's model
//! (`plimsoll_model::model`, whose serde `Serialize` visits the same fields and cases as the
//! bindings', in WIT order; every field and case name is checked) against the component's own
//! type information and records the bytes of every block the canonical ABI allocates (the project
//! record, then each list and string in the order lowering reaches them) and where each block's
//! address goes. Lowering into an instance then asks the guest's `cabi_realloc` for every block,
//! in the same order and with the same sizes and alignments as wasmtime's lowering does, copies
//! the bytes in and writes the addresses: the guest sees what wasmtime's own lowering gives it,
//! and owns every block as the canonical ABI says.
//!
//! A guest whose allocator declares (see [`Lowering`]) that it does not mind where inside memory
//! it handed out a block is deallocated from gets one `cabi_realloc` call for all the small
//! blocks together, which the host carves into the same blocks at the same alignments; on a
//! 20-service project that saves some 600 calls into the guest per evaluation.
//!
//! The bindings' own `Project` is only built (through JSON, as the contract's roundtrip test does)
//! when wasmtime's lowering needs it: components that want strings in UTF-16, and debug builds,
//! which check that the model's image is byte for byte the bindings' image.
#![allow(unsafe_code)] // `ComponentType` and `Lower` are unsafe traits; see the SAFETY notes below.

use std::fmt;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use serde::Serialize;
use serde::ser::{self, Impossible};
use wasmtime::AsContextMut;
use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
use wasmtime::component::__internal::{CanonicalAbiInfo, ComponentTypes, InstanceType, InterfaceType, LowerContext};
use wasmtime::component::{ComponentType, Lower, TypedFunc};
use wasmtime::wasmparser::{Chunk, Parser, Payload};

use plimsoll_model::model;

use crate::bindings::plimsoll::policy::model::Project;
use crate::bindings::{Finding, Policy};

/// Name of the custom section in which a guest module declares how it takes the project.
pub const LOWERING_SECTION: &str = "plimsoll:lowering";

/// Largest block the host carves out of the one block of a [`Lowering::OneBlock`] guest; larger
/// blocks get a `cabi_realloc` call each.
pub const ONE_BLOCK_MAX: usize = 16 << 10;

/// How the host asks a guest for the memory of the project's lists and strings.
///
/// The canonical ABI gives the guest every list and string in a block of its own, from its own
/// `cabi_realloc`, and the guest's bindings later free each one with its exact size. A guest
/// module whose allocator takes such a free of a block that lies *inside* a larger block it
/// handed out as a harmless no-op (the SDK's arena: it only ever takes back the block that ends
/// at its bump pointer, and leaves other blocks to the end of the instance) says so with a custom
/// section [`LOWERING_SECTION`] holding `one-block`. Such a guest gets
/// [`Lowering::OneBlock`]: one `cabi_realloc` for all the blocks of at most [`ONE_BLOCK_MAX`]
/// bytes together, carved by the host in the order and at the alignments the separate calls
/// would have had. Every other guest (Python, JavaScript, a Rust pack on the system allocator)
/// gets [`Lowering::PerBlock`], the canonical ABI's own. A guest that declares `one-block`
/// without meaning it can only corrupt its own heap: the host writes nothing outside the block
/// the guest returned, which wasmtime checks lies inside the guest's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lowering {
    /// One `cabi_realloc` call per non-empty list and string.
    PerBlock,
    /// One `cabi_realloc` call for every block up to [`ONE_BLOCK_MAX`] bytes, carved by the host.
    OneBlock,
}

impl Lowering {
    /// What the component in `wasm` declares: `OneBlock` when one of its modules carries the
    /// custom section [`LOWERING_SECTION`] with `one-block`, `PerBlock` otherwise (also for
    /// bytes that do not parse; compiling them reports that).
    pub fn of_component(wasm: &[u8]) -> Lowering {
        // `Parser::parse_all` with the code sections skipped: walking every function body of a
        // Python or JavaScript component would cost milliseconds on every load.
        let mut parser = Parser::new(0);
        let mut outer = Vec::new();
        let mut data = wasm;
        loop {
            let Ok(Chunk::Parsed { consumed, payload }) = parser.parse(data, true) else {
                return Lowering::PerBlock;
            };
            data = &data[consumed..];
            match payload {
                Payload::CustomSection(section)
                    if section.name() == LOWERING_SECTION && section.data() == b"one-block" =>
                {
                    return Lowering::OneBlock;
                }
                Payload::CodeSectionStart { size, .. } => {
                    parser.skip_section();
                    let Some(rest) = usize::try_from(size).ok().and_then(|size| data.get(size..)) else {
                        return Lowering::PerBlock;
                    };
                    data = rest;
                }
                Payload::ModuleSection { parser: inner, .. } | Payload::ComponentSection { parser: inner, .. } => {
                    outer.push(std::mem::replace(&mut parser, inner));
                }
                Payload::End(_) => match outer.pop() {
                    Some(enclosing) => parser = enclosing,
                    None => return Lowering::PerBlock,
                },
                _ => {}
            }
        }
    }
}

/// Call the policy's `evaluate` with the project copied in from its image.
pub(crate) fn call_evaluate(
    policy: &Policy,
    store: impl AsContextMut,
    project: &WireProject<'_>,
    lowering: Lowering,
    settings: &str,
) -> wasmtime::Result<Result<Vec<Finding>, String>> {
    let func = *policy.func_evaluate().func();
    // SAFETY: `PolicyPre` checked `evaluate` against `(&Project, &str)`, and a `WireArg` has
    // exactly the component type of a `Project`.
    let evaluate = unsafe { TypedFunc::<(WireArg<'_>, &str), (Result<Vec<Finding>, String>,)>::new_unchecked(func) };
    let (answer,) = evaluate.call(store, (WireArg { project, lowering }, settings))?;
    Ok(answer)
}

/// A model project with its canonical-ABI image, computed at the first lowering and reused after.
#[derive(Debug)]
pub(crate) struct WireProject<'m> {
    model: &'m model::Project,
    /// The bindings' project, converted only when wasmtime's own lowering needs it.
    bindings: OnceLock<Result<Project, String>>,
    image: OnceLock<Result<Image, String>>,
}

impl<'m> WireProject<'m> {
    /// Wrap a model project; nothing is computed until the first lowering.
    pub(crate) fn new(model: &'m model::Project) -> Self {
        Self { model, bindings: OnceLock::new(), image: OnceLock::new() }
    }

    /// The project as the bindings' type (converted through JSON at the first call).
    pub(crate) fn project(&self) -> Result<&Project, String> {
        self.bindings
            .get_or_init(|| {
                let value = serde_json::to_value(self.model).map_err(|e| format!("cannot serialize the model: {e}"))?;
                serde_json::from_value(value).map_err(|e| format!("the model does not match the WIT contract: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The image of the project for the component types `types`: laid out from the model; in debug
    /// builds also from the bindings' project, and the two must agree byte for byte.
    fn image(&self, types: &ComponentTypes, ty: InterfaceType) -> Result<&Image, String> {
        self.image
            .get_or_init(|| {
                let image = Image::build(self.model, types, ty);
                #[cfg(debug_assertions)]
                if let Ok(project) = self.project() {
                    let bindings = Image::build(project, types, ty);
                    assert_eq!(image, bindings, "the model and the bindings lay the project out differently");
                }
                image
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// One allocation of the canonical ABI: where its bytes are in [`Image::bytes`], and its alignment.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    start: usize,
    len: usize,
    align: u32,
}

/// A pointer to write: at `offset` inside block `block`, the address of block `target`.
#[derive(Debug, Clone, PartialEq)]
struct Fixup {
    block: u32,
    offset: u32,
    target: u32,
}

/// How a guest answers `cabi_realloc` for empty blocks of one alignment.
#[derive(Debug, Clone, Copy)]
enum Empty {
    /// Not asked yet.
    Unknown,
    /// One address for every empty block.
    Shared(usize),
    /// A fresh address each time; `spare` is one already asked for and not yet used.
    Own { spare: Option<usize> },
}

/// Every block of a lowered project; block 0 is the project record itself.
#[derive(Debug, Clone, Default, PartialEq)]
struct Image {
    bytes: Vec<u8>,
    blocks: Vec<Block>,
    fixups: Vec<Fixup>,
    /// For [`Lowering::OneBlock`]: each block's offset inside the one block, if it is carved.
    carved: Vec<Option<u32>>,
    /// Size of the one block.
    carved_len: usize,
    /// Alignment of the one block (the largest of the carved blocks').
    carved_align: u32,
}

impl Image {
    /// Lay out `value` as the canonical ABI's `ty`.
    fn build<V: Serialize>(value: &V, types: &ComponentTypes, ty: InterfaceType) -> Result<Image, String> {
        let abi = types.canonical_abi(&ty);
        let mut builder = Builder { types, image: Image::default() };
        let root = builder.block(abi.size32 as usize, abi.align32);
        value.serialize(Slot { builder: &mut builder, ty, block: root, offset: 0 }).map_err(|e| e.0)?;
        let mut image = builder.image;
        image.carve()?;
        Ok(image)
    }

    /// Lay the non-empty blocks of at most [`ONE_BLOCK_MAX`] bytes out one after the other, each
    /// at its own alignment, as a bump allocator would place them; the root is not carved.
    fn carve(&mut self) -> Result<(), String> {
        let (mut len, mut align) = (0usize, 1u32);
        self.carved = vec![None; self.blocks.len()];
        for (slot, block) in self.carved.iter_mut().zip(&self.blocks).skip(1) {
            if block.len == 0 || block.len > ONE_BLOCK_MAX {
                continue;
            }
            let at = len.next_multiple_of(block.align as usize);
            *slot = Some(u32::try_from(at).map_err(|_| "a project too large for 32-bit memory".to_string())?);
            len = at + block.len;
            align = align.max(block.align);
        }
        (self.carved_len, self.carved_align) = (len, align);
        Ok(())
    }

    /// Copy the image into the instance being lowered into, the root record at `offset`.
    fn lower<T>(&self, cx: &mut LowerContext<'_, T>, offset: usize, lowering: Lowering) -> wasmtime::Result<()> {
        let mut addresses = Vec::with_capacity(self.blocks.len());
        addresses.push(offset);
        let one_block = match lowering {
            Lowering::OneBlock if self.carved_len > 0 => Some(cx.realloc(0, 0, self.carved_align, self.carved_len)?),
            _ => None,
        };
        // What the guest does with empty lists and strings, by alignment (1, 2, 4, 8).
        let mut empty = [Empty::Unknown; 4];
        for (block, carved) in self.blocks.iter().zip(&self.carved).skip(1) {
            // `realloc` checks that the block it returns lies inside memory.
            let address = match (block.len, block.align.trailing_zeros() as usize) {
                (0, slot @ 0..4) => match empty[slot] {
                    Empty::Shared(address) => address,
                    Empty::Own { spare: Some(address) } => {
                        empty[slot] = Empty::Own { spare: None };
                        address
                    }
                    Empty::Own { spare: None } => cx.realloc(0, 0, block.align, 0)?,
                    Empty::Unknown => {
                        // Ask twice. A guest that answers two outstanding empty requests with one
                        // address (Rust's allocator answers with the alignment itself) does not
                        // own empty blocks separately, so every empty block may have that address,
                        // which saves a call into the guest per empty list.
                        let first = cx.realloc(0, 0, block.align, 0)?;
                        let second = cx.realloc(0, 0, block.align, 0)?;
                        empty[slot] =
                            if first == second { Empty::Shared(first) } else { Empty::Own { spare: Some(second) } };
                        first
                    }
                },
                _ => match (one_block, carved) {
                    (Some(base), Some(at)) => base + *at as usize,
                    _ => cx.realloc(0, 0, block.align, block.len)?,
                },
            };
            addresses.push(address);
        }
        let memory = cx.as_slice_mut();
        for (block, &at) in self.blocks.iter().zip(&addresses).filter(|(block, _)| block.len > 0) {
            let Some(dst) = memory.get_mut(at..).and_then(|m| m.get_mut(..block.len)) else {
                wasmtime::bail!("the project does not fit in the policy's memory");
            };
            dst.copy_from_slice(&self.bytes[block.start..block.start + block.len]);
        }
        for fixup in &self.fixups {
            let at = addresses[fixup.block as usize] + fixup.offset as usize;
            let target = u32::try_from(addresses[fixup.target as usize])?;
            // In bounds: `at` lies inside a block that was just copied.
            memory[at..at + 4].copy_from_slice(&target.to_le_bytes());
        }
        Ok(())
    }
}

/// A project with the lowering its guest takes, as the argument of `evaluate`.
struct WireArg<'p> {
    project: &'p WireProject<'p>,
    lowering: Lowering,
}

// SAFETY: a `WireArg` is lowered exactly as its `Project`: same type, same ABI, same flat
// representation; `typecheck` is the project's own.
unsafe impl ComponentType for WireArg<'_> {
    type Lower = <Project as ComponentType>::Lower;
    const ABI: CanonicalAbiInfo = <Project as ComponentType>::ABI;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        <Project as ComponentType>::typecheck(ty, types)
    }
}

// SAFETY: writes the same bytes as `Project`'s derived lowering (see the module docs), through
// the same bounds-checked `LowerContext` calls; the flat form is the derived one.
unsafe impl Lower for WireArg<'_> {
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> wasmtime::Result<()> {
        match self.project.project() {
            Ok(project) => project.linear_lower_to_flat(cx, ty, dst),
            Err(e) => wasmtime::bail!("internal error: {e}"),
        }
    }

    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> wasmtime::Result<()> {
        let project = self.project;
        if !matches!(cx.options().string_encoding, StringEncoding::Utf8) {
            return match project.project() {
                Ok(bindings) => bindings.linear_lower_to_memory(cx, ty, offset),
                Err(e) => wasmtime::bail!("internal error: {e}"),
            };
        }
        match project.image(cx.types, ty) {
            Ok(image) => image.lower(cx, offset, self.lowering),
            Err(e) => wasmtime::bail!("internal error: cannot lay out the project for the policy: {e}"),
        }
    }
}

/// What building an image can fail with: the value and the type disagree (a bug).
#[derive(Debug)]
struct WireError(String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

impl ser::Error for WireError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        WireError(message.to_string())
    }
}

/// Whether the Rust case `rust` (`ReadOnly`) is the contract's kebab-case `contract` (`read-only`),
/// as the bindings name it.
fn same_case(contract: &str, rust: &str) -> bool {
    let mut upper = true;
    let camel = contract.chars().filter_map(|c| {
        if c == '-' {
            upper = true;
            return None;
        }
        let c = if upper { c.to_ascii_uppercase() } else { c };
        upper = false;
        Some(c)
    });
    camel.eq(rust.chars())
}

fn mismatch(what: &str, ty: InterfaceType) -> WireError {
    WireError(format!("a {what} where the contract has {ty:?}"))
}

/// Byte size of the discriminant of a variant with `cases` cases.
fn discriminant_size(cases: usize) -> usize {
    match cases {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    }
}

/// The image under construction.
struct Builder<'t> {
    types: &'t ComponentTypes,
    image: Image,
}

impl Builder<'_> {
    /// Add a zeroed block; returns its index.
    fn block(&mut self, len: usize, align: u32) -> u32 {
        let start = self.image.bytes.len();
        self.image.bytes.resize(start + len, 0);
        self.image.blocks.push(Block { start, len, align });
        (self.image.blocks.len() - 1) as u32
    }

    fn put(&mut self, block: u32, offset: usize, bytes: &[u8]) {
        let start = self.image.blocks[block as usize].start + offset;
        self.image.bytes[start..start + bytes.len()].copy_from_slice(bytes);
    }

    /// Write a `(pointer, length)` pair pointing at `target`.
    fn pointer(&mut self, block: u32, offset: usize, target: u32, len: usize) -> Result<(), WireError> {
        let len = u32::try_from(len).map_err(|_| WireError("a list too long for 32-bit memory".into()))?;
        let offset32 = u32::try_from(offset).map_err(|_| WireError("a record too large".into()))?;
        self.image.fixups.push(Fixup { block, offset: offset32, target });
        self.put(block, offset + 4, &len.to_le_bytes());
        Ok(())
    }
}

/// Where one value goes: its type, its block and its offset in the block.
struct Slot<'b, 't> {
    builder: &'b mut Builder<'t>,
    ty: InterfaceType,
    block: u32,
    offset: usize,
}

impl Slot<'_, '_> {
    fn scalar(self, expected: InterfaceType, what: &str, bytes: &[u8]) -> Result<(), WireError> {
        if std::mem::discriminant(&self.ty) != std::mem::discriminant(&expected) {
            return Err(mismatch(what, self.ty));
        }
        self.builder.put(self.block, self.offset, bytes);
        Ok(())
    }

    /// Write a variant's or enum's discriminant; returns the payload's offset and the case's type.
    /// `name` is the Rust case (`Count`), which must be the contract's case at `index` (`count`).
    fn case(&mut self, index: u32, name: &str) -> Result<(usize, Option<InterfaceType>), WireError> {
        let types = self.builder.types;
        let (cases, payload_offset, payload, contract) = match self.ty {
            InterfaceType::Enum(i) => {
                let names = &types[i].names;
                let contract = names.iter().nth(index as usize).ok_or_else(|| mismatch("enum case", self.ty))?;
                (names.len(), types[i].info.payload_offset32, None, contract.as_str())
            }
            InterfaceType::Variant(i) => {
                let variant = &types[i];
                let case = variant.cases.get_index(index as usize).ok_or_else(|| mismatch("variant case", self.ty))?;
                (variant.cases.len(), variant.info.payload_offset32, *case.1, case.0.as_str())
            }
            ty => return Err(mismatch("variant", ty)),
        };
        if !same_case(contract, name) {
            return Err(WireError(format!("case `{name}` where the contract has `{contract}`")));
        }
        let bytes = index.to_le_bytes();
        self.builder.put(self.block, self.offset, &bytes[..discriminant_size(cases)]);
        Ok((self.offset + payload_offset as usize, payload))
    }
}

impl<'b, 't> ser::Serializer for Slot<'b, 't> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = List<'b, 't>;
    type SerializeTuple = Impossible<(), WireError>;
    type SerializeTupleStruct = Impossible<(), WireError>;
    type SerializeTupleVariant = Impossible<(), WireError>;
    type SerializeMap = Impossible<(), WireError>;
    type SerializeStruct = Record<'b, 't>;
    type SerializeStructVariant = Impossible<(), WireError>;

    fn serialize_bool(self, v: bool) -> Result<(), WireError> {
        self.scalar(InterfaceType::Bool, "bool", &[u8::from(v)])
    }
    fn serialize_i8(self, v: i8) -> Result<(), WireError> {
        self.scalar(InterfaceType::S8, "s8", &v.to_le_bytes())
    }
    fn serialize_i16(self, v: i16) -> Result<(), WireError> {
        self.scalar(InterfaceType::S16, "s16", &v.to_le_bytes())
    }
    fn serialize_i32(self, v: i32) -> Result<(), WireError> {
        self.scalar(InterfaceType::S32, "s32", &v.to_le_bytes())
    }
    fn serialize_i64(self, v: i64) -> Result<(), WireError> {
        self.scalar(InterfaceType::S64, "s64", &v.to_le_bytes())
    }
    fn serialize_u8(self, v: u8) -> Result<(), WireError> {
        self.scalar(InterfaceType::U8, "u8", &v.to_le_bytes())
    }
    fn serialize_u16(self, v: u16) -> Result<(), WireError> {
        self.scalar(InterfaceType::U16, "u16", &v.to_le_bytes())
    }
    fn serialize_u32(self, v: u32) -> Result<(), WireError> {
        self.scalar(InterfaceType::U32, "u32", &v.to_le_bytes())
    }
    fn serialize_u64(self, v: u64) -> Result<(), WireError> {
        self.scalar(InterfaceType::U64, "u64", &v.to_le_bytes())
    }
    fn serialize_f32(self, v: f32) -> Result<(), WireError> {
        self.scalar(InterfaceType::Float32, "f32", &v.to_bits().to_le_bytes())
    }
    fn serialize_f64(self, v: f64) -> Result<(), WireError> {
        self.scalar(InterfaceType::Float64, "f64", &v.to_bits().to_le_bytes())
    }
    fn serialize_char(self, v: char) -> Result<(), WireError> {
        self.scalar(InterfaceType::Char, "char", &u32::from(v).to_le_bytes())
    }

    fn serialize_str(self, v: &str) -> Result<(), WireError> {
        if !matches!(self.ty, InterfaceType::String) {
            return Err(mismatch("string", self.ty));
        }
        let target = self.builder.block(v.len(), 1);
        self.builder.put(target, 0, v.as_bytes());
        self.builder.pointer(self.block, self.offset, target, v.len())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), WireError> {
        Err(mismatch("byte string", self.ty))
    }

    fn serialize_none(self) -> Result<(), WireError> {
        match self.ty {
            InterfaceType::Option(_) => {
                self.builder.put(self.block, self.offset, &[0]);
                Ok(())
            }
            ty => Err(mismatch("none", ty)),
        }
    }

    fn serialize_some<V: ?Sized + Serialize>(self, value: &V) -> Result<(), WireError> {
        let InterfaceType::Option(i) = self.ty else { return Err(mismatch("some", self.ty)) };
        let option = &self.builder.types[i];
        let (ty, offset) = (option.ty, self.offset + option.info.payload_offset32 as usize);
        self.builder.put(self.block, self.offset, &[1]);
        value.serialize(Slot { builder: self.builder, ty, block: self.block, offset })
    }

    fn serialize_unit(self) -> Result<(), WireError> {
        Err(mismatch("unit", self.ty))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WireError> {
        Err(mismatch("unit struct", self.ty))
    }

    fn serialize_unit_variant(mut self, _: &'static str, index: u32, name: &'static str) -> Result<(), WireError> {
        match self.case(index, name)? {
            (_, None) => Ok(()),
            (_, Some(_)) => Err(mismatch("case without a payload", self.ty)),
        }
    }

    fn serialize_newtype_struct<V: ?Sized + Serialize>(self, _: &'static str, value: &V) -> Result<(), WireError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        mut self,
        _: &'static str,
        index: u32,
        name: &'static str,
        value: &V,
    ) -> Result<(), WireError> {
        match self.case(index, name)? {
            (offset, Some(ty)) => value.serialize(Slot { builder: self.builder, ty, block: self.block, offset }),
            (_, None) => Err(mismatch("case with a payload", self.ty)),
        }
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<List<'b, 't>, WireError> {
        let InterfaceType::List(i) = self.ty else { return Err(mismatch("list", self.ty)) };
        let len = len.ok_or_else(|| WireError("a list of unknown length".into()))?;
        let element = self.builder.types[i].element;
        let abi = self.builder.types.canonical_abi(&element);
        let size = abi.size32 as usize;
        let bytes = len.checked_mul(size).ok_or_else(|| WireError("a list too long".into()))?;
        let target = self.builder.block(bytes, abi.align32);
        self.builder.pointer(self.block, self.offset, target, len)?;
        Ok(List { builder: self.builder, element, block: target, size, next: 0, len })
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WireError> {
        Err(mismatch("tuple", self.ty))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, WireError> {
        Err(mismatch("tuple struct", self.ty))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WireError> {
        Err(mismatch("tuple variant", self.ty))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WireError> {
        Err(mismatch("map", self.ty))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Record<'b, 't>, WireError> {
        let InterfaceType::Record(i) = self.ty else { return Err(mismatch("record", self.ty)) };
        Ok(Record { builder: self.builder, record: i, block: self.block, base: self.offset, field: 0, cursor: 0 })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WireError> {
        Err(mismatch("struct variant", self.ty))
    }
}

/// The elements of a list, written one after the other into the list's block.
struct List<'b, 't> {
    builder: &'b mut Builder<'t>,
    element: InterfaceType,
    block: u32,
    size: usize,
    next: usize,
    len: usize,
}

impl ser::SerializeSeq for List<'_, '_> {
    type Ok = ();
    type Error = WireError;

    fn serialize_element<V: ?Sized + Serialize>(&mut self, value: &V) -> Result<(), WireError> {
        if self.next == self.len {
            return Err(WireError("a list longer than announced".into()));
        }
        let offset = self.next * self.size;
        self.next += 1;
        value.serialize(Slot { builder: self.builder, ty: self.element, block: self.block, offset })
    }

    fn end(self) -> Result<(), WireError> {
        if self.next == self.len { Ok(()) } else { Err(WireError("a list shorter than announced".into())) }
    }
}

/// The fields of a record, in the contract's order and alignment.
struct Record<'b, 't> {
    builder: &'b mut Builder<'t>,
    record: wasmtime::component::__internal::wasmtime_environ::component::TypeRecordIndex,
    block: u32,
    base: usize,
    field: usize,
    cursor: usize,
}

impl ser::SerializeStruct for Record<'_, '_> {
    type Ok = ();
    type Error = WireError;

    fn serialize_field<V: ?Sized + Serialize>(&mut self, key: &'static str, value: &V) -> Result<(), WireError> {
        let types = self.builder.types;
        let field =
            types[self.record].fields.get(self.field).ok_or_else(|| WireError(format!("unexpected field `{key}`")))?;
        // The bindings name fields in snake case (`r#type`, `flags_` for keywords); the contract in kebab case.
        let rust = key.trim_start_matches("r#").trim_end_matches('_');
        if !field.name.chars().map(|c| if c == '-' { '_' } else { c }).eq(rust.chars()) {
            return Err(WireError(format!("field `{key}` where the contract has `{}`", field.name)));
        }
        let offset = self.base + types.canonical_abi(&field.ty).next_field32_size(&mut self.cursor);
        self.field += 1;
        value.serialize(Slot { builder: self.builder, ty: field.ty, block: self.block, offset })
    }

    fn end(self) -> Result<(), WireError> {
        let fields = self.builder.types[self.record].fields.len();
        if self.field == fields {
            Ok(())
        } else {
            Err(WireError(format!("{} fields where the contract has {fields}", self.field)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_case;

    #[test]
    fn a_rust_case_matches_only_its_own_contract_case() {
        assert!(same_case("count", "Count"));
        assert!(same_case("read-only", "ReadOnly"));
        assert!(same_case("all", "All"));
        // A case in the wrong place (the model's enum declared in another order) is refused.
        assert!(!same_case("count", "All"));
        assert!(!same_case("read-only", "Readonly"));
        assert!(!same_case("read-only", "Read"));
    }
}
