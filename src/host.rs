//! What this process can learn about its machine (Linux `/proc`; `None` or
//! a neutral value elsewhere): peak resident memory, available memory,
//! cores, CPU model, host name and OS release.

/// Peak resident set size of this process (bytes): `VmHWM` of
/// `/proc/self/status`; None where it cannot be read.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_kb("/proc/self/status", "VmHWM:")
}

/// Make a sweep point's memory its own (glibc; nothing elsewhere): blocks
/// of 1 MiB and more get their own mappings, returned to the OS when
/// freed (glibc otherwise raises that threshold to the largest block freed
/// so far, up to 32 MiB, and serves later blocks from heaps that stay
/// resident and fragment), and what earlier points freed goes back to the
/// OS. Without it, the peak memory of the fifth point of a default sweep
/// was 30-60 % above that of the same point in a fresh process.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: both take no pointer; mallopt sets a glibc tuning value and
        // malloc_trim hands free pages of glibc's heaps back to the OS.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
            malloc_trim(0);
        }
    }
}

/// A transparent huge page (bytes).
pub const HUGE_PAGE: usize = 2 << 20;

/// Ask the kernel to back `mem` with transparent huge pages ([`HUGE_PAGE`]) where
/// it has not been touched yet (Linux `madvise(MADV_HUGEPAGE)` on the
/// whole 2 MiB pages inside it; nothing elsewhere, or where the kernel
/// says no). Only the speed of first touches and page walks changes.
pub fn advise_huge_pages<T>(mem: &[T]) {
    #[cfg(target_os = "linux")]
    {
        const MADV_HUGEPAGE: std::ffi::c_int = 14;
        extern "C" {
            fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: std::ffi::c_int) -> std::ffi::c_int;
        }
        let start = mem.as_ptr() as usize;
        let (first, end) = (
            start.next_multiple_of(HUGE_PAGE),
            (start + std::mem::size_of_val(mem)) / HUGE_PAGE * HUGE_PAGE,
        );
        if first < end {
            // SAFETY: [first, end) lies inside `mem`, memory this process
            // owns; MADV_HUGEPAGE changes how its pages are backed, never
            // their contents, and a refusal is harmless
            unsafe { madvise(first as *mut std::ffi::c_void, end - first, MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = mem;
}

/// Let a write to a closed pipe end the process quietly, as Unix tools do
/// (`scaling run --dry-run | head -3`), instead of a panic in the first
/// `print!` after it (Rust ignores SIGPIPE, so the write fails). Does
/// nothing outside Unix.
pub fn quiet_broken_pipe() {
    #[cfg(unix)]
    {
        const SIGPIPE: std::ffi::c_int = 13;
        const SIG_DFL: usize = 0;
        extern "C" {
            fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
        }
        // SAFETY: restores the default disposition of SIGPIPE (13 on
        // Linux and macOS); no handler code is installed
        unsafe { signal(SIGPIPE, SIG_DFL) };
    }
}

/// Reset the kernel's peak-RSS mark, so that the next [`peak_rss_bytes`]
/// covers only what follows (Linux; does nothing elsewhere).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Memory available to new processes (bytes): `MemAvailable` of
/// `/proc/meminfo`; None where it cannot be read.
pub fn mem_available() -> Option<u64> {
    proc_kb("/proc/meminfo", "MemAvailable:")
}

/// A `key: N kB` line of a `/proc` file, in bytes.
fn proc_kb(path: &str, key: &str) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Cores this process may use (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The CPU's model name from `/proc/cpuinfo`, or `unknown`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Bytes of one timed piece of [`touch_pieces`]: one huge page.
pub const TOUCH_PIECE: usize = HUGE_PAGE;

/// Touch `bytes` of fresh memory for the first time on `threads` threads at
/// once and free it; returns the time (s) of each [`TOUCH_PIECE`] piece as
/// the thread that touched it saw it. The memory is allocated zeroed (the
/// OS maps it lazily) and asked for huge pages as the synapse arrays are
/// ([`advise_huge_pages`]); each thread writes one byte per 4 KiB page of
/// its own share, piece by piece: the page faults and zeroing (and, on a
/// VM, the host's faults) a large build pays once per byte of its synapse
/// arrays, each partition on its own thread. Where memory comes both warm
/// and cold (a VM that hands free memory back to its host) the pieces
/// show both: on the third dev machine 0.09 ms and 4.2-4.4 ms a piece.
pub fn touch_pieces(bytes: usize, threads: usize) -> Vec<f64> {
    let pieces = bytes.div_ceil(TOUCH_PIECE).max(1);
    // one piece more, so that the pieces can start on a huge page
    let mut v = vec![0u8; (pieces + 1) * TOUCH_PIECE];
    advise_huge_pages(&v);
    let skip = (v.as_ptr() as usize).next_multiple_of(TOUCH_PIECE) - v.as_ptr() as usize;
    let mem = &mut v[skip..skip + pieces * TOUCH_PIECE];
    let per_thread = pieces.div_ceil(threads.max(1)) * TOUCH_PIECE;
    let times: Vec<f64> = std::thread::scope(|s| {
        let workers: Vec<_> = mem
            .chunks_mut(per_thread)
            .map(|share| {
                s.spawn(move || {
                    share
                        .chunks_mut(TOUCH_PIECE)
                        .map(|piece| {
                            let tic = std::time::Instant::now();
                            for i in (0..piece.len()).step_by(4096) {
                                piece[i] = 1;
                            }
                            std::hint::black_box(&mut *piece);
                            tic.elapsed().as_secs_f64()
                        })
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    drop(v);
    times
}

/// The host name, or `unknown`.
pub fn hostname() -> String {
    read_trimmed("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into())
}

/// The operating system and kernel release: `linux 6.1.0-...`.
pub fn os() -> String {
    format!(
        "{} {}",
        std::env::consts::OS,
        read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_default()
    )
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_plausible_on_linux() {
        assert!(cores() >= 1);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
            assert!(mem_available().is_some_and(|b| b > 0));
        }
    }
}
