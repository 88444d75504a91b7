//! The cryptography Cognito needs, over `sha2` and `num-bigint`: HMAC-SHA256, RSA keys generated
//! from the engine's seeded rng, RS256 (RSASSA-PKCS1-v1_5 with SHA-256) JWTs, the pool's JWKS, and
//! [`verify_jwt`], the public token check other services (API Gateway's Cognito authorizer,
//! identity pools) use.

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine as _,
};
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::mont::Mont;
use crate::kernel::rng::Rng;

/// b^e mod m: in wasm32, [`Mont`] for an odd modulus (every RSA prime); num-bigint's otherwise
/// (natively its 64-bit limbs are the faster).
fn modpow(b: &BigUint, e: &BigUint, m: &BigUint) -> BigUint {
    if cfg!(target_arch = "wasm32") && m.bit(0) {
        Mont::new(m).pow(b, e)
    } else {
        b.modpow(e, m)
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha256(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// `n` random bytes from the engine's rng.
pub fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        out.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    out.truncate(n);
    out
}

pub fn b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// `SECRET_HASH` = Base64(HMAC-SHA256(client secret, username + client id)).
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    b64(&hmac_sha256(secret.as_bytes(), format!("{username}{client_id}").as_bytes()))
}

/// Compares in time independent of where the first difference is.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// RSA

/// An RSA key pair. Kept as hex in the pool's record (the rng that made it moves on, so a
/// restored sandbox keeps its keys rather than regenerating them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RsaKey {
    pub kid: String,
    pub n: String,
    pub e: String,
    pub d: String,
    pub p: String,
    pub q: String,
}

const SMALL_PRIMES: usize = 2048;

fn small_primes() -> Vec<u32> {
    let mut sieve = vec![true; SMALL_PRIMES * 12];
    let mut primes = Vec::with_capacity(SMALL_PRIMES);
    for i in 2..sieve.len() {
        if sieve[i] {
            if i > 2 {
                primes.push(i as u32);
            }
            if primes.len() == SMALL_PRIMES {
                break;
            }
            let mut j = i * i;
            while j < sieve.len() {
                sieve[j] = false;
                j += i;
            }
        }
    }
    primes
}

fn miller_rabin(n: &BigUint, rounds: &[u32]) -> bool {
    let one = BigUint::one();
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    'next: for &a in rounds {
        let mut x = BigUint::from(a).modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = (&x * &x) % n;
            if x == n1 {
                continue 'next;
            }
        }
        return false;
    }
    true
}

/// A random prime of exactly `bits` bits with its top two bits set (so a product of two has
/// twice the bits), and p − 1 prime to 65537.
fn random_prime(rng: &mut Rng, bits: usize, small: &[u32]) -> BigUint {
    loop {
        let mut bytes = random_bytes(rng, bits / 8);
        bytes[0] |= 0xC0;
        let last = bytes.len() - 1;
        bytes[last] |= 1;
        let base = BigUint::from_bytes_be(&bytes);
        let residues: Vec<u32> = small.iter().map(|&p| (&base % p).to_u32().unwrap_or(0)).collect();
        // Walk odd candidates from `base`; the small primes sieve most of them out cheaply.
        let mut delta = 0u32;
        while delta < 1 << 16 {
            if small.iter().zip(&residues).all(|(&p, &r)| (r + delta) % p != 0) {
                let candidate = &base + delta;
                if (&candidate % 65537u32).to_u32() != Some(1) && miller_rabin(&candidate, &[2, 3, 5, 7, 11, 13, 17, 19]) {
                    return candidate;
                }
            }
            delta += 2;
        }
    }
}

fn hex(n: &BigUint) -> String {
    n.to_str_radix(16)
}

fn unhex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default()
}

impl RsaKey {
    pub fn generate(rng: &mut Rng, bits: usize) -> RsaKey {
        let small = small_primes();
        let e = BigUint::from(65537u32);
        loop {
            let p = random_prime(rng, bits / 2, &small);
            let q = random_prime(rng, bits / 2, &small);
            if p == q {
                continue;
            }
            let n = &p * &q;
            let phi = (&p - 1u32) * (&q - 1u32);
            let Some(d) = e.modinv(&phi) else { continue };
            let n_bytes = n.to_bytes_be();
            let kid = b64(&sha256(&n_bytes));
            return RsaKey { kid, n: hex(&n), e: hex(&e), d: hex(&d), p: hex(&p), q: hex(&q) };
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256, computed with the CRT.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let n = unhex(&self.n);
        let k = n.to_bytes_be().len();
        let m = BigUint::from_bytes_be(&pkcs1_sha256(message, k));
        let (p, q, d) = (unhex(&self.p), unhex(&self.q), unhex(&self.d));
        let dp = &d % (&p - 1u32);
        let dq = &d % (&q - 1u32);
        let q_inv = q.modinv(&p).unwrap_or_default();
        let m1 = modpow(&m, &dp, &p);
        let m2 = modpow(&m, &dq, &q);
        let h = (&q_inv * ((&m1 + &p) - (&m2 % &p))) % &p;
        let s = &m2 + &h * &q;
        let mut out = s.to_bytes_be();
        while out.len() < k {
            out.insert(0, 0);
        }
        out
    }

    /// The public half as a JWK.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": b64url(&unhex(&self.e).to_bytes_be()),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64url(&unhex(&self.n).to_bytes_be()),
            "use": "sig",
        })
    }
}

/// EMSA-PKCS1-v1_5 encoding of SHA-256(message) in `k` bytes.
fn pkcs1_sha256(message: &[u8], k: usize) -> Vec<u8> {
    const DIGEST_INFO: [u8; 19] = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
    let t_len = DIGEST_INFO.len() + 32;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(k.saturating_sub(t_len + 1).max(2), 0xff);
    em.push(0x00);
    em.extend_from_slice(&DIGEST_INFO);
    em.extend_from_slice(&sha256(message));
    em
}

/// Checks an RS256 signature against a public key (modulus and exponent, big-endian bytes).
pub fn rs256_verify(n: &[u8], e: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let n = BigUint::from_bytes_be(n);
    let k = n.to_bytes_be().len();
    if n.is_zero() || signature.len() != k {
        return false;
    }
    let s = BigUint::from_bytes_be(signature);
    if s >= n {
        return false;
    }
    let m = s.modpow(&BigUint::from_bytes_be(e), &n);
    let mut em = m.to_bytes_be();
    while em.len() < k {
        em.insert(0, 0);
    }
    same(&em, &pkcs1_sha256(message, k))
}

/// A compact JWS: `base64url(header).base64url(claims).base64url(RS256 signature)`.
pub fn sign_jwt(key: &RsaKey, claims: &Value) -> String {
    let header = json!({ "kid": key.kid, "alg": "RS256" });
    let signing_input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature))
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts of JSON, or not RS256.
    Malformed,
    /// No key in the JWKS has the token's `kid`.
    UnknownKey,
    BadSignature,
    Expired,
    /// `iss`, `token_use` or the client (`aud` / `client_id`) is not the expected one.
    WrongClaim(&'static str),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Malformed => write!(f, "Invalid JWT"),
            TokenError::UnknownKey => write!(f, "No key in the JWKS matches the token's kid"),
            TokenError::BadSignature => write!(f, "Invalid JWT signature"),
            TokenError::Expired => write!(f, "Token expired"),
            TokenError::WrongClaim(c) => write!(f, "Token claim '{c}' is not the expected value"),
        }
    }
}

/// What [`verify_jwt`] checks besides the signature.
pub struct Expect<'a> {
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`.
    pub issuer: &'a str,
    /// `id` or `access`; `None` accepts either.
    pub token_use: Option<&'a str>,
    /// App client ids accepted (`aud` of an ID token, `client_id` of an access token); empty
    /// accepts any.
    pub clients: &'a [&'a str],
    /// Virtual time, ms since the epoch.
    pub now_ms: i64,
}

/// Verifies a Cognito token against a JWKS (`{"keys": [...]}`), as API Gateway's Cognito
/// authorizer and the JWT verifiers AWS recommends do: RS256 signature by the key named by `kid`,
/// `exp` in the future, `iss`, `token_use`, and the app client. Returns the claims.
pub fn verify_jwt(token: &str, jwks: &Value, expect: &Expect) -> Result<Map<String, Value>, TokenError> {
    let claims = verify_signature(token, jwks)?;
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or(TokenError::Malformed)?;
    if exp * 1000 <= expect.now_ms {
        return Err(TokenError::Expired);
    }
    if claims.get("iss").and_then(Value::as_str) != Some(expect.issuer) {
        return Err(TokenError::WrongClaim("iss"));
    }
    let token_use = claims.get("token_use").and_then(Value::as_str).unwrap_or("");
    if expect.token_use.is_some_and(|u| u != token_use) || !matches!(token_use, "id" | "access") {
        return Err(TokenError::WrongClaim("token_use"));
    }
    if !expect.clients.is_empty() {
        let client = if token_use == "id" { claims.get("aud") } else { claims.get("client_id") };
        if !client.and_then(Value::as_str).is_some_and(|c| expect.clients.contains(&c)) {
            return Err(TokenError::WrongClaim(if token_use == "id" { "aud" } else { "client_id" }));
        }
    }
    Ok(claims)
}

/// Checks a compact JWS's RS256 signature against the JWKS key its `kid` names and answers its
/// claims (an object); the claims themselves are the caller's to check.
pub fn verify_signature(token: &str, jwks: &Value) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).map_err(|_| TokenError::Malformed);
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| TokenError::Malformed)?;
    let claims: Value = serde_json::from_slice(&decode(c)?).map_err(|_| TokenError::Malformed)?;
    let signature = decode(s)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(TokenError::Malformed);
    }
    let kid = header.get("kid").and_then(Value::as_str).ok_or(TokenError::Malformed)?;
    let key = jwks.get("keys").and_then(Value::as_array).and_then(|keys| keys.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))).ok_or(TokenError::UnknownKey)?;
    let field = |name: &str| key.get(name).and_then(Value::as_str).and_then(|v| URL_SAFE_NO_PAD.decode(v).ok()).ok_or(TokenError::UnknownKey);
    let signing_input = &token[..h.len() + 1 + c.len()];
    if !rs256_verify(&field("n")?, &field("e")?, signing_input.as_bytes(), &signature) {
        return Err(TokenError::BadSignature);
    }
    match claims {
        Value::Object(claims) => Ok(claims),
        _ => Err(TokenError::Malformed),
    }
}

/// The claims of a JWT, unverified (for tests and the UI's token view).
pub fn decode_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}
