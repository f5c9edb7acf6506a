//! The signing key's file: `pomichnyk keygen PATH` writes it, the bot and
//! `pomichnyk verify` read it (`certificates.key_file`).
//!
//! The file holds the 32-byte Ed25519 secret as 64 hex digits on one line,
//! readable by its owner only. Whoever has it can issue certificates, so it is
//! never printed, logged or kept in the database; the public key is printed
//! by `keygen` for anyone who wants to check certificates on their own.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{hex, unhex, Signer};

/// Why the key file cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{} already exists; a new key would make every certificate signed with the old one read as forged. Move it away first if you really mean to replace it", .0.display())]
    Exists(PathBuf),
    #[error("cannot write the key file {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the key file {} (certificates.key_file): {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {} (certificates.key_file) is not 64 hex digits; write a new one with `pomichnyk keygen PATH`", .0.display())]
    Malformed(PathBuf),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Writes a new key to `path` (which must not exist) and answers it.
pub fn generate(path: &Path) -> Result<Signer, KeyError> {
    let signer = Signer::from_secret(random()?);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.to_path_buf())
        } else {
            KeyError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let text = format!("{}\n", hex(&signer.secret()));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| KeyError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(signer)
}

/// Reads the key at `path`.
pub fn load(path: &Path) -> Result<Signer, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let secret = unhex(text.trim())
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| KeyError::Malformed(path.to_path_buf()))?;
    Ok(Signer::from_secret(secret))
}
