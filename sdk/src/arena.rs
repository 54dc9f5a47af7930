//! The allocator of SDK packs: an arena, because an instance lives for one call.
//!
//! The host calls `evaluate` once per fresh instance and throws the instance away after, so
//! freeing memory is wasted work; most of a pack's allocations are the project the host copies in
//! (one `cabi_realloc` per list and string) and the findings it sends back. The arena hands out
//! memory by bumping a pointer through chunks it takes from the system allocator, takes back a
//! block only when it is the last one handed out (the common alloc-then-free of a temporary, and
//! in-place growth of the newest `Vec` or `String`), and passes large blocks straight to the
//! system allocator. Memory use is bounded by the sum of what a call allocates, which the
//! sandbox's memory cap limits like any other.
#![allow(unsafe_code)] // a global allocator is unsafe by nature; each block says why it holds

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Tells the host that this module takes the project's small blocks as one block (custom section
/// `plimsoll:lowering`, see `plimsoll_runtime::Lowering`): the host then asks `cabi_realloc` once
/// for every block of at most 16 KiB and carves them out of it, and the bindings later free blocks
/// that lie inside that one. The arena takes such a free as a no-op unless the block ends at `top`
/// (then it is the newest memory, which the freed block is), and never passes a block of at most
/// [`LARGE`] bytes to the system allocator; so [`LARGE`] must stay at least the host's 16 KiB.
#[used]
#[unsafe(link_section = "plimsoll:lowering")]
static LOWERING: [u8; 9] = *b"one-block";

/// Bytes taken from the system allocator at a time.
const CHUNK: usize = 256 << 10;
/// Blocks larger than this go to the system allocator.
const LARGE: usize = 16 << 10;

/// A bump allocator over system chunks; see the module docs.
pub(crate) struct Arena {
    /// Next free byte of the current chunk (0 before the first chunk).
    top: Cell<usize>,
    /// End of the current chunk.
    end: Cell<usize>,
}

// SAFETY: wasm32-wasip2 components are single-threaded; the arena is never shared across threads.
unsafe impl Sync for Arena {}

impl Arena {
    /// An arena with no chunk yet.
    pub(crate) const fn new() -> Self {
        Self { top: Cell::new(0), end: Cell::new(0) }
    }

    fn is_large(layout: Layout) -> bool {
        layout.size() > LARGE || layout.align() > 4096
    }
}

// SAFETY: every block handed out is inside a chunk obtained from `System` that is never freed (or
// is itself a `System` block for large layouts), aligned as asked, and not handed out twice: `top`
// only moves back over the block that ends at it.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::is_large(layout) {
            // SAFETY: forwarded with the caller's layout.
            return unsafe { System.alloc(layout) };
        }
        let align = layout.align();
        let mut start = (self.top.get() + align - 1) & !(align - 1);
        if self.top.get() == 0 || start + layout.size() > self.end.get() {
            // SAFETY: CHUNK is a valid non-zero size with alignment 16.
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, 16)) };
            if chunk.is_null() {
                return chunk;
            }
            let base = chunk as usize;
            self.end.set(base + CHUNK);
            start = (base + align - 1) & !(align - 1);
        }
        self.top.set(start + layout.size());
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if Self::is_large(layout) {
            // SAFETY: large blocks come from `System` with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        if ptr as usize + layout.size() == self.top.get() {
            self.top.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `GlobalAlloc::realloc`'s contract: `new_size` with `layout.align()` is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let small = !Self::is_large(layout) && !Self::is_large(new_layout);
        if small && ptr as usize + layout.size() == self.top.get() && ptr as usize + new_size <= self.end.get() {
            // The newest block grows or shrinks in place.
            self.top.set(ptr as usize + new_size);
            return ptr;
        }
        if Self::is_large(layout) && Self::is_large(new_layout) {
            // SAFETY: both are `System` blocks.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: a fresh block of the new layout, then the old contents copied and the old block released.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
