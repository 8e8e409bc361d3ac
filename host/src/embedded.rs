//! The embedded machine code, used where it lies.
//!
//! `Component::deserialize` copies the bytes it is given into fresh memory and makes that
//! copy executable: for the engine component, 11 MB copied, every page of the copy faulted in
//! and zeroed first, on every run — a quarter of a whole `verdict verify-bundle` (perf,
//! docs/peers.md). On Linux x86_64 the bytes embedded in the binary are used where they are
//! instead (`Component::deserialize_raw`): `host/src/lib.rs` embeds them at a page-aligned
//! address, and wasmtime's code publishing goes through [`InPlace`], which makes the text
//! section executable with `mprotect`. Only the pages a run touches are read, from the
//! binary's file through the page cache.
//!
//! Nothing is written to those bytes: wasmtime refuses machine code that needs relocating
//! (`CodeMemory::new`), and memory it does not own is never made writable. The bytes are as
//! trusted as the binary's own code (they were produced by `host/build.rs` with this
//! wasmtime), and wasmtime checks their header against the engine as it does for a copy.
//! Where the in-place path cannot be used (another platform, an unaligned address, a kernel
//! that refuses `PROT_EXEC` there), the bytes are copied as before.

#![allow(
    unsafe_code,
    reason = "machine code loaded in place: sysconf, mprotect, Component::deserialize_raw"
)]

use wasmtime::Result;
use wasmtime::component::Component;

/// Bytes at an address aligned for executable pages (64 KiB: the largest page size of the
/// platforms wasmtime supports).
#[repr(C, align(65536))]
pub(crate) struct PageAligned<T: ?Sized>(pub T);

/// Sets up `config` so that [`load`] can use embedded machine code in place; whether it did.
pub(crate) fn configure(config: &mut wasmtime::Config) -> bool {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if let Some(page) = in_place::page_size() {
        config.with_custom_code_memory(Some(std::sync::Arc::new(in_place::InPlace { page })));
        return true;
    }
    let _ = config;
    false
}

/// The component whose machine code is `bytes` (embedded at build time, see [`PageAligned`]):
/// in place where `in_place` ([`configure`] set the engine up for it) and no earlier load in
/// this process did so, else copied; and whether it is in place.
///
/// # Safety
///
/// `bytes` must be machine code produced by `Engine::precompile_component` (as for
/// `Component::deserialize`), and `in_place` what [`configure`] returned for `engine`'s
/// configuration.
pub(crate) unsafe fn load(
    engine: &wasmtime::Engine,
    bytes: &'static PageAligned<[u8]>,
    in_place: bool,
) -> Result<(Component, bool)> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if in_place
        && let Some(page) = in_place::page_size()
        && (bytes.0.as_ptr() as usize).is_multiple_of(page)
        && !in_place::TAKEN.swap(true, std::sync::atomic::Ordering::AcqRel)
    {
        let memory = std::ptr::NonNull::from(&bytes.0);
        // SAFETY: the caller's promise; the memory is static and nothing writes to it.
        let loaded = unsafe { Component::deserialize_raw(engine, memory) };
        if let Ok(component) = loaded {
            return Ok((component, true));
        }
        in_place::TAKEN.store(false, std::sync::atomic::Ordering::Release);
    }
    let _ = in_place;
    // SAFETY: the caller's promise.
    unsafe { Component::deserialize(engine, &bytes.0) }.map(|component| (component, false))
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod in_place {
    /// Whether the embedded machine code has been loaded in place in this process. wasmtime
    /// registers loaded code by its address (to tell its traps from other faults), and the
    /// same address registered twice is a panic: only the first load in a process (the CLI
    /// makes one runner) uses the bytes in place, later ones copy them.
    pub(super) static TAKEN: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);

    /// The system's page size, where it is a power of two no larger than [`PageAligned`]'s
    /// alignment.
    ///
    /// [`PageAligned`]: super::PageAligned
    pub(super) fn page_size() -> Option<usize> {
        // SAFETY: sysconf reads a constant of the system.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page)
            .ok()
            .filter(|p| p.is_power_of_two() && *p <= 65_536)
    }

    /// Publishes machine code by changing page protections where it lies: read and execute
    /// while published; afterwards read and write for memory wasmtime owns and read only
    /// for anything else (the embedded bytes are never made writable).
    pub(super) struct InPlace {
        pub(super) page: usize,
    }

    impl InPlace {
        fn protect(&self, ptr: *const u8, len: usize, prot: libc::c_int) -> wasmtime::Result<()> {
            if len == 0 {
                return Ok(());
            }
            let start = ptr as usize & !(self.page - 1);
            let end = (ptr as usize)
                .checked_add(len)
                .and_then(|e| e.checked_next_multiple_of(self.page))
                .ok_or_else(|| wasmtime::Error::msg("code memory past the address space"))?;
            // SAFETY: wasmtime hands over a range of its code memory (owned, or the embedded
            // bytes); changing its protection affects nothing else (the range is rounded to
            // whole pages, which wasmtime's own publishing does too: its text is page aligned).
            let status = unsafe { libc::mprotect(start as *mut libc::c_void, end - start, prot) };
            if status == 0 {
                Ok(())
            } else {
                Err(wasmtime::Error::msg(format!(
                    "mprotect of the component's machine code: {}",
                    std::io::Error::last_os_error()
                )))
            }
        }
    }

    impl wasmtime::CustomCodeMemory for InPlace {
        fn required_alignment(&self) -> usize {
            self.page
        }

        fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
            self.protect(ptr, len, libc::PROT_READ | libc::PROT_EXEC)
        }

        fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
            let prot = if crate::PRECOMPILED.as_ptr_range().contains(&ptr) {
                libc::PROT_READ
            } else {
                libc::PROT_READ | libc::PROT_WRITE
            };
            self.protect(ptr, len, prot)
        }
    }
}
