//! A global-allocator wrapper that counts this thread's live heap bytes, so the runtime can
//! report "Max Memory Used" and stop a function that outgrows its memory size. Hosts install it
//! around their allocator (`#[global_allocator] static A: Counting<System> = Counting(System);`).
//! Counting per thread keeps it free of contention; the runtime's allocations all happen on the
//! thread that runs the code.

use std::{
    alloc::{GlobalAlloc, Layout},
    cell::Cell,
};

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

pub struct Counting<A>(pub A);

fn add(n: isize) {
    // `try_with`: during thread teardown the slot may be gone; counting is then moot.
    let _ = LIVE.try_with(|c| c.set(c.get() + n));
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.0.dealloc(ptr, layout);
        add(-(layout.size() as isize));
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc_zeroed(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = self.0.realloc(ptr, layout, new_size);
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Net bytes this thread has allocated and not freed (0 when no `Counting` allocator is
/// installed).
pub fn live_bytes() -> usize {
    LIVE.try_with(|c| c.get().max(0) as usize).unwrap_or(0)
}
