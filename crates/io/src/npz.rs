//! `.npz` archives (numpy's `np.savez` and `np.savez_compressed`): a zip file of `.npy`
//! members, stored or deflated. `A.npz:pred` names the member numpy calls `pred` (stored as
//! `pred.npy`; `A.npz:pred.npy` names it too); `A.npz` alone names the archive's only
//! member, and is refused, with the members listed, when it holds several.
//!
//! A member is read into memory whole (its decompressed bytes, then the typed buffer the
//! `.npy` reader fills from them): unlike a `.npy` file, it is not read in bounded blocks.
//! Its `.npy` header, data and checksum are checked as a file's are, and every error names
//! it as `A.npz:pred`.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::buffer::Loaded;
use crate::error::{Error, FileName, Result};
use crate::npy::NpyReader;

/// The archive and the member a path names, when it names an `.npz` archive: `A.npz`
/// (no member named) or `A.npz:pred` (split at the last `.npz:`, extension
/// case-insensitive). `None` for any other path.
///
/// ```
/// use std::path::Path;
/// let (archive, member) = xent_io::npz_path(Path::new("runs/out.npz:pred")).unwrap();
/// assert_eq!((archive.as_path(), member.as_deref()), (Path::new("runs/out.npz"), Some("pred")));
/// assert_eq!(xent_io::npz_path(Path::new("out.NPZ")).unwrap().1, None);
/// assert!(xent_io::npz_path(Path::new("pred.npy")).is_none());
/// ```
pub fn npz_path(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let text = path.to_str()?;
    let lower = text.to_ascii_lowercase();
    if lower.ends_with(".npz") {
        return Some((path.to_path_buf(), None));
    }
    let at = lower.rfind(".npz:")?;
    let (archive, member) = (&text[..at + 4], &text[at + 5..]);
    Some((PathBuf::from(archive), Some(member.to_owned())))
}

/// The name numpy gives a member: its file name without `.npy`.
fn key(name: &str) -> &str {
    name.strip_suffix(".npy").unwrap_or(name)
}

/// Reads the member of `archive` that `member` names (`None`: the only one); `name` is
/// the path as the user gave it, for messages.
pub(crate) fn read_member(archive: &Path, member: Option<&str>, name: &Path) -> Result<Loaded> {
    let archive_name = FileName::new(archive);
    if archive.is_dir() {
        return Err(Error::Directory { file: archive_name });
    }
    let file = File::open(archive).map_err(|e| Error::io(&archive_name, e))?;
    let not_npz = |detail: String| Error::NotNpz {
        file: archive_name.clone(),
        detail,
    };
    let mut zip = zip::ZipArchive::new(file).map_err(|e| not_npz(e.to_string()))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(Cow::into_owned))
        .filter(|n| !n.ends_with('/'))
        .collect();
    let keys = || names.iter().map(|n| key(n).to_owned()).collect::<Vec<_>>();
    let chosen = match member {
        Some(m) => names
            .iter()
            .find(|n| n.as_str() == m || key(n) == m)
            .ok_or_else(|| Error::NoMember {
                file: archive_name.clone(),
                member: m.to_owned(),
                members: keys(),
            })?,
        None => match names.as_slice() {
            [only] => only,
            _ => {
                return Err(Error::WhichMember {
                    file: archive_name.clone(),
                    members: keys(),
                });
            }
        },
    };
    let member_name = match member {
        Some(_) => FileName::new(name),
        None => FileName::new(format!("{}:{}", archive.display(), key(chosen))),
    };
    let bytes = {
        let mut entry = zip.by_name(chosen).map_err(|e| Error::NotNpz {
            file: member_name.clone(),
            detail: e.to_string(),
        })?;
        let declared = entry.size();
        // Never past the size the archive declares: a member that inflates further is
        // refused before it can grow memory.
        let cap = usize::try_from(declared).unwrap_or(usize::MAX).min(1 << 30);
        let mut bytes = Vec::with_capacity(cap);
        let read = (&mut entry)
            .take(declared.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| member_error(&member_name, e))?;
        if read as u64 > declared {
            return Err(Error::NotNpz {
                file: member_name,
                detail: format!("the member inflates past the {declared} bytes it declares"),
            });
        }
        bytes
    };
    NpyReader::from_reader(io::Cursor::new(bytes), member_name)?.read_all()
}

/// A member whose data cannot be read: its checksum, its compression, the system.
fn member_error(file: &FileName, e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::Unsupported => {
            Error::NotNpz {
                file: file.clone(),
                detail: e.to_string(),
            }
        }
        _ => Error::io(file, e),
    }
}
