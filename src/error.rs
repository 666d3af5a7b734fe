//! The crate's one error type. Every message names the culprit: the file,
//! the key, the flag, and what would have been valid.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in `scaling`, each variant naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value (TOML key, `--set KEY=VALUE` or flag) is invalid.
    #[error("invalid value for `{key}`{}: {msg}", at.as_ref().map(|a| a.to_string()).unwrap_or_default())]
    Config {
        /// The key or flag as the user wrote it (e.g. `N`, `--models`, `--set delay`).
        key: String,
        /// The config file (and line) the value came from, if it came from one.
        at: Option<FileLine>,
        /// What was wrong and what would be valid.
        msg: String,
    },
    /// A file could not be read, written or created.
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        /// What was being done (e.g. "cannot read config").
        action: String,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content could not be parsed.
    #[error("`{}`{}: {msg}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Parse {
        /// The file concerned.
        path: PathBuf,
        /// The 1-based line, if known.
        line: Option<usize>,
        /// What was wrong.
        msg: String,
    },
    /// A value could not be turned into JSON (or back) for the named file.
    #[error("cannot encode `{}` as JSON: {source}", path.display())]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A results directory holds nothing that can be analysed.
    #[error("{0}")]
    NoData(String),
    /// Process 0 of a distributed run stopped with this error (which it
    /// reports); another process stops with it too.
    #[error("process 0 stopped: {0}")]
    Peer(String),
    /// The run was interrupted by the user (Ctrl-C).
    #[error("interrupted: {0}")]
    Interrupted(String),
}

/// A place in a file: ` in `path`, line L` in messages.
#[derive(Debug, Clone, PartialEq)]
pub struct FileLine {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, if known.
    pub line: Option<usize>,
}

impl std::fmt::Display for FileLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, " in `{}`", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        Ok(())
    }
}

/// Shorthand result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A configuration error for `key` with the message `msg`.
    pub fn config(key: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            at: None,
            msg: msg.into(),
        }
    }

    /// An I/O error while doing `action` on `path`.
    pub fn io(action: impl Into<String>, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            action: action.into(),
            path: path.to_path_buf(),
            source,
        }
    }

    /// A parse error in `path` at an optional 1-based `line`.
    pub fn parse(path: &Path, line: Option<usize>, msg: impl Into<String>) -> Self {
        Error::Parse {
            path: path.to_path_buf(),
            line,
            msg: msg.into(),
        }
    }
}
