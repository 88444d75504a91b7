//! SRP-6a as Cognito runs USER_SRP_AUTH, byte for byte as amazon-cognito-identity-js's
//! AuthenticationHelper (and pycognito, Amplify) compute it: N the 3072-bit MODP prime of RFC 3526
//! (RFC 5054's 3072-bit group), g = 2, SHA-256, every number hashed as its `padHex` bytes (big
//! endian, with a leading zero byte when the top bit is set), k = H(N | g), u = H(A | B),
//! x = H(salt | H(poolName | userId | ":" | password)), and the session key
//! HKDF-SHA256(salt = u, ikm = S, info = "Caldera Derived Key"), 16 bytes, which keys the
//! PASSWORD_CLAIM_SIGNATURE HMAC over poolName | userId | SECRET_BLOCK | TIMESTAMP.
//!
//! The server keeps a verifier v = g^x and the salt, never the password. The client half is here
//! too ([`Client`]) for tests and the benchmark.

use std::sync::OnceLock;

use num_bigint::BigUint;
use num_traits::Zero;

use super::crypto::{hmac_sha256, random_bytes, sha256};
#[cfg(target_arch = "wasm32")]
use super::mont::{FixedBase, Mont};
use crate::kernel::rng::Rng;

pub(super) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
    /// In wasm32 (the browser's worker and page), [`super::mont`]'s 32-bit Montgomery code and g's
    /// powers for exponents up to 1024 bits (a, b, x); natively num-bigint's 64-bit limbs are
    /// faster (measured: a 1024-bit exponent 55 ms with num-bigint, 188 ms with `Mont`).
    #[cfg(target_arch = "wasm32")]
    mont: Mont,
    #[cfg(target_arch = "wasm32")]
    fixed: FixedBase,
}

impl Group {
    #[cfg(target_arch = "wasm32")]
    fn new(n: BigUint, g: BigUint, k: BigUint) -> Group {
        let mont = Mont::new(&n);
        let fixed = FixedBase::new(&mont, &g, 1024);
        Group { n, g, k, mont, fixed }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn new(n: BigUint, g: BigUint, k: BigUint) -> Group {
        Group { n, g, k }
    }

    /// g^e mod N.
    #[cfg(target_arch = "wasm32")]
    fn g_pow(&self, e: &BigUint) -> BigUint {
        self.fixed.pow(&self.mont, e).unwrap_or_else(|| self.mont.pow(&self.g, e))
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn g_pow(&self, e: &BigUint) -> BigUint {
        self.g.modpow(e, &self.n)
    }

    /// base^e mod N.
    #[cfg(target_arch = "wasm32")]
    fn pow(&self, base: &BigUint, e: &BigUint) -> BigUint {
        self.mont.pow(base, e)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn pow(&self, base: &BigUint, e: &BigUint) -> BigUint {
        base.modpow(e, &self.n)
    }
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is hex");
        let g = BigUint::from(2u32);
        let k = hash_big(&[&pad(&n), &pad(&g)]);
        Group::new(n, g, k)
    })
}

/// The bytes of `padHex(n)`: big endian, minimal, with a zero byte in front when the top bit is set.
pub fn pad(n: &BigUint) -> Vec<u8> {
    let mut b = n.to_bytes_be();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    b
}

fn hash_big(parts: &[&[u8]]) -> BigUint {
    let mut all = Vec::new();
    for p in parts {
        all.extend_from_slice(p);
    }
    BigUint::from_bytes_be(&sha256(&all))
}

/// The hex text Cognito sends for a number (SALT, SRP_B): lower-case, no padding.
pub fn to_hex(n: &BigUint) -> String {
    n.to_str_radix(16)
}

pub fn from_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || s.len() > 2048 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

fn x(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha256(format!("{pool_name}{user_id}:{password}").as_bytes());
    hash_big(&[&pad(salt), &inner])
}

/// A new salt (16 random bytes, as hex) and verifier (hex) for a password.
pub fn make_verifier(rng: &mut Rng, pool_name: &str, user_id: &str, password: &str) -> (String, String) {
    let salt = BigUint::from_bytes_be(&random_bytes(rng, 16));
    let v = group().g_pow(&x(pool_name, user_id, password, &salt));
    (to_hex(&salt), to_hex(&v))
}

/// The server's ephemeral pair for one sign-in: b (kept) and B = k·v + g^b (sent as SRP_B).
pub fn server_ephemeral(rng: &mut Rng, verifier: &BigUint) -> (BigUint, BigUint) {
    let grp = group();
    loop {
        let b = BigUint::from_bytes_be(&random_bytes(rng, 32));
        let big_b = (&grp.k * verifier + grp.g_pow(&b)) % &grp.n;
        if !big_b.is_zero() {
            return (b, big_b);
        }
    }
}

/// Whether a client's SRP_A is acceptable (A mod N ≠ 0).
pub fn valid_a(a: &BigUint) -> bool {
    !(a % &group().n).is_zero()
}

fn hkdf(s: &BigUint, u: &BigUint) -> [u8; 16] {
    let prk = hmac_sha256(&pad(u), &pad(s));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// The session key the server derives: S = (A · v^u)^b, then HKDF. `None` when u = 0.
pub fn server_key(a: &BigUint, big_b: &BigUint, b: &BigUint, verifier: &BigUint) -> Option<[u8; 16]> {
    let grp = group();
    let u = hash_big(&[&pad(a), &pad(big_b)]);
    if u.is_zero() {
        return None;
    }
    let s = grp.pow(&((a * grp.pow(verifier, &u)) % &grp.n), b);
    Some(hkdf(&s, &u))
}

/// PASSWORD_CLAIM_SIGNATURE's HMAC: over poolName | userId | SECRET_BLOCK (decoded) | TIMESTAMP.
pub fn claim_signature(key: &[u8; 16], pool_name: &str, user_id: &str, secret_block: &[u8], timestamp: &str) -> [u8; 32] {
    let mut message = Vec::with_capacity(pool_name.len() + user_id.len() + secret_block.len() + timestamp.len());
    message.extend_from_slice(pool_name.as_bytes());
    message.extend_from_slice(user_id.as_bytes());
    message.extend_from_slice(secret_block);
    message.extend_from_slice(timestamp.as_bytes());
    hmac_sha256(key, &message)
}

/// The TIMESTAMP format, `EEE MMM d HH:mm:ss 'UTC' yyyy` (`Tue Nov 3 09:05:07 UTC 2026`).
pub fn timestamp(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!("{} {} {} {:02}:{:02}:{:02} UTC {y}", DAYS[days.rem_euclid(7) as usize], MONTHS[(m - 1) as usize], d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Whether `s` has the TIMESTAMP shape (weekday, month, unpadded day, time, `UTC`, year).
pub fn valid_timestamp(s: &str) -> bool {
    let parts: Vec<&str> = s.split(' ').collect();
    let [wd, mon, day, time, utc, year] = parts.as_slice() else { return false };
    let num = |t: &str, lo: u32, hi: u32| t.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v)) && !t.starts_with('+');
    let hms: Vec<&str> = time.split(':').collect();
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(wd)
        && ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].contains(mon)
        && !day.starts_with('0')
        && num(day, 1, 31)
        && hms.len() == 3
        && hms.iter().all(|p| p.len() == 2)
        && num(hms[0], 0, 23)
        && num(hms[1], 0, 59)
        && num(hms[2], 0, 60)
        && *utc == "UTC"
        && year.len() == 4
        && num(year, 1970, 9999)
}

/// The client half, as amazon-cognito-identity-js computes it.
pub struct Client {
    a: BigUint,
    pub big_a: BigUint,
}

impl Client {
    pub fn new(rng: &mut Rng) -> Client {
        Client::with_secret(&random_bytes(rng, 128))
    }

    /// A client whose private value `a` is these random bytes (the browser's sign-in page draws
    /// 128 of them from `crypto.getRandomValues`, as amazon-cognito-identity-js does).
    pub fn with_secret(random: &[u8]) -> Client {
        let a = BigUint::from_bytes_be(random);
        let big_a = group().g_pow(&a);
        Client { a, big_a }
    }

    /// SRP_A as sent.
    pub fn srp_a(&self) -> String {
        to_hex(&self.big_a)
    }

    /// The session key from the server's SALT and SRP_B; `None` for a bad B.
    pub fn key(&self, pool_name: &str, user_id: &str, password: &str, salt_hex: &str, b_hex: &str) -> Option<[u8; 16]> {
        let grp = group();
        let big_b = from_hex(b_hex)?;
        if (&big_b % &grp.n).is_zero() {
            return None;
        }
        let u = hash_big(&[&pad(&self.big_a), &pad(&big_b)]);
        if u.is_zero() {
            return None;
        }
        let x = x(pool_name, user_id, password, &from_hex(salt_hex)?);
        let kgx = (&grp.k * grp.g_pow(&x)) % &grp.n;
        let base = (&big_b % &grp.n + &grp.n - kgx) % &grp.n;
        let s = grp.pow(&base, &(&self.a + &u * &x));
        Some(hkdf(&s, &u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_format() {
        // 2026-11-03T09:05:07Z was a Tuesday.
        assert_eq!(timestamp(1_793_696_707_000), "Tue Nov 3 09:05:07 UTC 2026");
        assert!(valid_timestamp("Tue Nov 3 09:05:07 UTC 2026"));
        assert!(!valid_timestamp("Tue Nov 03 09:05:07 UTC 2026"));
        assert!(!valid_timestamp("Tue Nov 3 9:05:07 UTC 2026"));
        assert_eq!(timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
    }

    #[test]
    fn k_is_the_libraries_k() {
        // k = H(padHex(N) | padHex(g)) as amazon-cognito-identity-js computes it.
        let k = to_hex(&group().k);
        assert_eq!(k, "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6");
    }

    #[test]
    fn client_and_server_agree() {
        let mut rng = Rng::seeded(3);
        let (salt, v) = make_verifier(&mut rng, "AbCd", "alice", "Passw0rd!");
        let v = from_hex(&v).unwrap();
        let client = Client::new(&mut rng);
        let (b, big_b) = server_ephemeral(&mut rng, &v);
        let server = server_key(&client.big_a, &big_b, &b, &v).unwrap();
        let ours = client.key("AbCd", "alice", "Passw0rd!", &salt, &to_hex(&big_b)).unwrap();
        assert_eq!(server, ours);
        let wrong = client.key("AbCd", "alice", "passw0rd!", &salt, &to_hex(&big_b)).unwrap();
        assert_ne!(server, wrong);
    }
}
