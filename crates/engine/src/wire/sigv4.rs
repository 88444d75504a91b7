//! SigV4 at the edge: the string to sign of a request signed in its `Authorization` header
//! (AWS's "Create a canonical request for Signature Version 4"), which the engine checks with the
//! key's secret once it has resolved the key ([`crate::kernel::authz::Signature::verify`]).
//!
//! The canonical URI is the path as received encoded once more (every service but S3), or as
//! received (S3, whose keys are not normalized). The payload hash is `x-amz-content-sha256` when
//! the client sent it (S3's `UNSIGNED-PAYLOAD` and `STREAMING-...` included), else the body's
//! SHA-256. Presigned URLs (`X-Amz-Signature` in the query) are not verified.

use sha2::{Digest, Sha256};

use crate::kernel::authz::Signature;

use super::HttpRequest;

pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(data);
    let mut outer = Sha256::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// `Signature=...` and friends of a SigV4 `Authorization` header.
fn field<'a>(auth: &'a str, name: &str) -> Option<&'a str> {
    let start = auth.find(name)? + name.len();
    auth[start..].split([',', ' ']).next()
}

/// The signature a request carries in its `Authorization` header, with the string it signs;
/// `None` when it has no SigV4 header (unsigned, presigned, or another scheme).
pub fn signature(req: &HttpRequest, s3: bool) -> Option<Signature> {
    let auth = req.header("authorization")?;
    if !auth.starts_with("AWS4-HMAC-SHA256 ") {
        return None;
    }
    let credential = field(auth, "Credential=")?;
    let signed_headers = field(auth, "SignedHeaders=")?;
    let claimed = field(auth, "Signature=")?;
    let mut scope = credential.splitn(2, '/');
    let access_key = scope.next()?.to_string();
    let scope = scope.next()?;
    let date = req.header("x-amz-date").unwrap_or("");
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let uri = if s3 { path.to_string() } else { encode_again(path) };
    let mut pairs: Vec<(&str, &str)> = query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    pairs.sort();
    let query = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let mut headers = String::new();
    for name in signed_headers.split(';') {
        let values: Vec<String> = req.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&values.join(","));
        headers.push('\n');
    }
    let payload = match req.header("x-amz-content-sha256") {
        Some(h) => h.to_string(),
        None => hex(&Sha256::digest(&req.body)),
    };
    let canonical = format!("{}\n{uri}\n{query}\n{headers}\n{signed_headers}\n{payload}", req.method);
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    Some(Signature { access_key, scope: scope.to_string(), string_to_sign, signature: claimed.to_string() })
}

/// Each byte outside AWS's unreserved set and `/`, percent-encoded (so `%` becomes `%25`).
fn encode_again(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's Signature Version 4 test suite, `get-vanilla`.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let req = HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![
                ("Host".into(), "example.amazonaws.com".into()),
                ("X-Amz-Date".into(), "20150830T123600Z".into()),
                (
                    "Authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31".into(),
                ),
            ],
            body: Vec::new(),
        };
        let s = signature(&req, false).unwrap();
        assert_eq!(s.access_key, "AKIDEXAMPLE");
        assert!(s.verify("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
        assert!(!s.verify("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"));
    }

    #[test]
    fn hmac_rfc4231_case_2() {
        assert_eq!(hex(&hmac(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
