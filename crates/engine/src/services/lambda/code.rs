//! Deployment packages: `.zip` files as CreateFunction's `Code.ZipFile` carries them. Reads the
//! central directory (stored and deflated entries, as every zip tool writes them), and writes
//! stored-only archives for packages the sandbox builds itself (the Functions panel's editor).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::kernel::runtime::CodeBundle;

/// AWS's limit on a package uploaded directly (50 MB zipped)...
pub const MAX_ZIPPED_BYTES: usize = 50 * 1024 * 1024;
/// ...and on the unzipped deployment package (250 MB).
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// `CodeSha256`: base64 of the package's SHA-256.
pub fn sha256_base64(bytes: &[u8]) -> String {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    STANDARD.encode(Sha256::digest(bytes))
}

/// A record-key-safe name for a package: hex of its SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Why a package could not be read. Lambda answers these with InvalidParameterValueException
/// "Could not unzip uploaded file. Please check your file, then try to upload again.".
#[derive(Debug, PartialEq)]
pub struct Unreadable(pub String);

/// The files of a zip archive. Directories are skipped; paths keep their `/` separators.
pub fn unzip(zip: &[u8]) -> Result<CodeBundle, Unreadable> {
    let bad = |why: &str| Unreadable(why.to_string());
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    let search_from = zip.len().saturating_sub(65_557);
    let eocd = (search_from..zip.len().saturating_sub(21)).rev().find(|&i| zip[i..].starts_with(b"PK\x05\x06")).ok_or_else(|| bad("no end of central directory"))?;
    let entries = u16_at(zip, eocd + 10).ok_or_else(|| bad("truncated"))? as usize;
    let mut at = u32_at(zip, eocd + 16).ok_or_else(|| bad("truncated"))? as usize;
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    for _ in 0..entries {
        if zip.get(at..at + 4) != Some(b"PK\x01\x02") {
            return Err(bad("bad central directory entry"));
        }
        let method = u16_at(zip, at + 10).ok_or_else(|| bad("truncated"))?;
        let compressed = u32_at(zip, at + 20).ok_or_else(|| bad("truncated"))? as usize;
        let size = u32_at(zip, at + 24).ok_or_else(|| bad("truncated"))? as usize;
        let name_len = u16_at(zip, at + 28).ok_or_else(|| bad("truncated"))? as usize;
        let extra_len = u16_at(zip, at + 30).ok_or_else(|| bad("truncated"))? as usize;
        let comment_len = u16_at(zip, at + 32).ok_or_else(|| bad("truncated"))? as usize;
        let local = u32_at(zip, at + 42).ok_or_else(|| bad("truncated"))? as usize;
        let name = zip.get(at + 46..at + 46 + name_len).ok_or_else(|| bad("truncated"))?;
        let name = String::from_utf8_lossy(name).replace('\\', "/");
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') {
            continue;
        }
        total += size as u64;
        if total > MAX_UNZIPPED_BYTES {
            return Err(bad("unzipped size over the limit"));
        }
        if zip.get(local..local + 4) != Some(b"PK\x03\x04") {
            return Err(bad("bad local header"));
        }
        let local_name = u16_at(zip, local + 26).ok_or_else(|| bad("truncated"))? as usize;
        let local_extra = u16_at(zip, local + 28).ok_or_else(|| bad("truncated"))? as usize;
        let start = local + 30 + local_name + local_extra;
        let data = zip.get(start..start.saturating_add(compressed)).ok_or_else(|| bad("truncated entry"))?;
        let bytes = match method {
            0 => data.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, size.max(1)).map_err(|_| bad("bad deflate stream"))?,
            _ => return Err(bad("unsupported compression method")),
        };
        if bytes.len() != size {
            return Err(bad("size mismatch"));
        }
        let name = name.trim_start_matches("./").trim_start_matches('/').to_string();
        files.insert(name, bytes);
    }
    Ok(CodeBundle { files })
}

/// A stored (uncompressed) zip of `files`, in path order, with fixed timestamps so the same files
/// always make the same bytes (and so the same CodeSha256).
pub fn zip(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1980-01-01 00:00, the DOS epoch.
    let (time, date) = (0u16, (1 << 5) | 1u16);
    for (name, data) in files {
        let crc = crc32fast::hash(data);
        let offset = out.len() as u32;
        let header = |sig: &[u8], central: bool| {
            let mut h = Vec::with_capacity(46 + name.len());
            h.extend_from_slice(sig);
            if central {
                h.extend_from_slice(&(0x031e_u16).to_le_bytes()); // made by: unix, 3.0
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&time.to_le_bytes());
            h.extend_from_slice(&date.to_le_bytes());
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&(0o100644u32 << 16).to_le_bytes()); // external: -rw-r--r--
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend_from_slice(&header(b"PK\x03\x04", false));
        out.extend_from_slice(data);
        central.extend_from_slice(&header(b"PK\x01\x02", true));
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_zip_round_trips() {
        let mut files = BTreeMap::new();
        files.insert("index.mjs".to_string(), b"export const handler = async () => 1;".to_vec());
        files.insert("lib/util.js".to_string(), "exports.x = '한글';".as_bytes().to_vec());
        let z = zip(&files);
        assert_eq!(unzip(&z).map(|b| b.files), Ok(files.clone()));
        assert_eq!(zip(&files), z, "the same files make the same bytes");
    }

    #[test]
    fn reads_a_deflated_zip_written_by_python() {
        // python3 -c "import zipfile,io;b=io.BytesIO();z=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED);z.writestr('index.js','exports.handler=async(e)=>e;'*3);z.close();print(b.getvalue().hex())"
        let hex = include_str!("testdata/deflated.zip.hex").trim();
        let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)).collect();
        let bundle = unzip(&bytes).expect("readable");
        assert_eq!(bundle.files["index.js"], b"exports.handler=async(e)=>e;".repeat(3));
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        for junk in [&b""[..], b"PK\x05\x06", b"not a zip at all", &[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0]] {
            assert!(unzip(junk).is_err());
        }
        let mut files = BTreeMap::new();
        files.insert("a.js".to_string(), vec![1, 2, 3]);
        let z = zip(&files);
        for cut in 0..z.len() {
            let _ = unzip(&z[..cut]);
        }
    }
}
