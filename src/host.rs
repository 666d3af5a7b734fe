//! What this process can learn about its machine (Linux `/proc`; `None` or
//! a neutral value elsewhere): peak resident memory, available memory,
//! cores, CPU model, host name and OS release.

/// Peak resident set size of this process (bytes): `VmHWM` of
/// `/proc/self/status`; None where it cannot be read.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_kb("/proc/self/status", "VmHWM:")
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
