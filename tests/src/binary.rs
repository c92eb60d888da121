//! Finds the `loyalty-local` executable that cargo built next to the running test or benchmark.

use std::path::{Path, PathBuf};

/// Which cargo profile directory the binary must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryProfile {
    /// The profile of the running executable (tests: `debug`).
    SameAsCurrent,
    /// `target/release`, whatever profile the caller runs in (the benchmark).
    Release,
}

/// Environment variable that overrides the lookup with an explicit path.
pub const BINARY_OVERRIDE_VAR: &str = "LOYALTY_LOCAL_BIN";

const BINARY_NAME: &str = "loyalty-local";

/// Locates `loyalty-local`, honouring `CARGO_TARGET_DIR` and `--target` layouts because it starts from
/// `current_exe()` (`<target>/[<triple>/]<profile>/deps/<test>`), or `LOYALTY_LOCAL_BIN` when set.
pub fn locate_loyalty_local(profile: BinaryProfile) -> anyhow::Result<PathBuf> {
    if let Some(explicit) = std::env::var_os(BINARY_OVERRIDE_VAR) {
        let path = PathBuf::from(explicit);
        anyhow::ensure!(
            path.is_file(),
            "{BINARY_OVERRIDE_VAR}={} is not a file",
            path.display()
        );
        return Ok(path);
    }
    let current = std::env::current_exe()?;
    let profile_dir = profile_dir_of(&current).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot find the target profile directory of {}",
            current.display()
        )
    })?;
    let dir = match profile {
        BinaryProfile::SameAsCurrent => profile_dir.to_path_buf(),
        BinaryProfile::Release => profile_dir
            .parent()
            .map(|target| target.join("release"))
            .ok_or_else(|| anyhow::anyhow!("{} has no parent", profile_dir.display()))?,
    };
    let candidate = dir.join(format!("{BINARY_NAME}{}", std::env::consts::EXE_SUFFIX));
    if candidate.is_file() {
        return Ok(candidate);
    }
    let build = match profile {
        BinaryProfile::SameAsCurrent if dir.ends_with("debug") => {
            "cargo build -p loyalty-local --bin loyalty-local"
        }
        BinaryProfile::SameAsCurrent => {
            "cargo build -p loyalty-local --bin loyalty-local (in this profile)"
        }
        BinaryProfile::Release => "cargo build --release -p loyalty-local --bin loyalty-local",
    };
    anyhow::bail!("{} not found: build it first: {build}", candidate.display())
}

/// `<profile>/deps/<exe>` -> `<profile>`; an executable directly in `<profile>` (a bin) -> `<profile>`.
fn profile_dir_of(executable: &Path) -> Option<&Path> {
    let parent = executable.parent()?;
    if parent.file_name().is_some_and(|name| name == "deps") {
        parent.parent()
    } else {
        Some(parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_executable_in_deps_belongs_to_its_profile_directory() {
        let exe = Path::new("/ci/target/x86_64-unknown-linux-gnu/debug/deps/credits-0123abcd");
        assert_eq!(
            profile_dir_of(exe),
            Some(Path::new("/ci/target/x86_64-unknown-linux-gnu/debug"))
        );
    }

    #[test]
    fn a_binary_directly_in_the_profile_directory_belongs_to_it() {
        let exe = Path::new("/ci/target/release/loyalty-load");
        assert_eq!(profile_dir_of(exe), Some(Path::new("/ci/target/release")));
    }
}
