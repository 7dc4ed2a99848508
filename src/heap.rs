//! The C allocator's settings for a fuzzing campaign. A run allocates and frees buffers of up
//! to a few MiB (bodies, files in the in-memory container); glibc hands such blocks to mmap and
//! back, so every run pays page faults and the kernel's zeroing for memory it just gave back.
//! A campaign keeps them in the heap instead (measured: about 8% more runs a second). Only
//! `bgsim fuzz` and its benchmark ask for it: a campaign's memory is bounded by its two
//! workers, while `run` keeps the allocator's defaults.

/// Blocks up to this size come from the heap (glibc's default grows from 128 KiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 64 << 20;
/// Free memory at the top of the heap up to this size is kept for reuse.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD_BYTES: libc::c_int = 256 << 20;

/// Keeps freed blocks of a few MiB in the heap for the next run (glibc only; elsewhere a
/// no-op).
pub fn keep_freed_blocks_for_reuse() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; glibc serialises it with
    // allocation, and a refused setting leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    }
}
