//! Modular exponentiation for SRP and RSA: Montgomery multiplication over 32-bit limbs (CIOS,
//! no allocation inside the loop) with 5-bit windows, and for a fixed base (SRP's g = 2) Yao's
//! method over a table of g^(32^i), which replaces the squarings by a lookup.
//!
//! 32-bit limbs because the same code runs in the browser: wasm32 multiplies 32 × 32 → 64 bits
//! natively, where num-bigint's 64-bit limbs would need four. Measured on wasm32 in V8 (the
//! 3072-bit SRP group, a 1024-bit exponent; machine at load 9): num-bigint's `modpow` 193 ms,
//! [`Mont::pow`] 116 ms, [`FixedBase::pow`] 21 ms after its table (97 ms once). Natively the
//! opposite holds (x86-64 multiplies 64 × 64 → 128: num-bigint 55 ms, `Mont::pow` 188 ms), so
//! only wasm32 builds use this module.
use num_bigint::BigUint;

#[derive(Debug)]
pub struct Mont {
    n: Vec<u32>,
    n0: u32,
    r2: Vec<u32>,
    one: Vec<u32>,
}

fn limbs(x: &BigUint, len: usize) -> Vec<u32> {
    let mut v = x.to_u32_digits();
    v.resize(len, 0);
    v
}

impl Mont {
    pub fn new(n: &BigUint) -> Mont {
        let nl = n.to_u32_digits();
        let len = nl.len();
        // -n^-1 mod 2^32 by Newton's iteration.
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(nl[0].wrapping_mul(inv)));
        }
        let r2 = (BigUint::from(1u32) << (64 * len)) % n;
        let r1 = (BigUint::from(1u32) << (32 * len)) % n;
        Mont { n: nl, n0: inv.wrapping_neg(), r2: limbs(&r2, len), one: limbs(&r1, len) }
    }

    #[inline]
    fn mul(&self, a: &[u32], b: &[u32], out: &mut [u32], t: &mut [u32]) {
        let s = self.n.len();
        let n = &self.n[..s];
        let (a, b) = (&a[..s], &b[..s]);
        let t = &mut t[..s + 2];
        for x in t.iter_mut() {
            *x = 0;
        }
        for i in 0..s {
            let bi = b[i] as u64;
            let mut c = 0u64;
            for j in 0..s {
                let v = t[j] as u64 + a[j] as u64 * bi + c;
                t[j] = v as u32;
                c = v >> 32;
            }
            let v = t[s] as u64 + c;
            t[s] = v as u32;
            t[s + 1] = (v >> 32) as u32;
            let m = t[0].wrapping_mul(self.n0) as u64;
            let mut c = (t[0] as u64 + m * n[0] as u64) >> 32;
            for j in 1..s {
                let v = t[j] as u64 + m * n[j] as u64 + c;
                t[j - 1] = v as u32;
                c = v >> 32;
            }
            let v = t[s] as u64 + c;
            t[s - 1] = v as u32;
            t[s] = t[s + 1] + (v >> 32) as u32;
        }
        // t < 2n: subtract n once if t >= n.
        let ge = t[s] != 0 || {
            let mut ge = true;
            for j in (0..s).rev() {
                if t[j] != n[j] {
                    ge = t[j] > n[j];
                    break;
                }
            }
            ge
        };
        if ge {
            let mut borrow = 0i64;
            for j in 0..s {
                let v = t[j] as i64 - n[j] as i64 + borrow;
                out[j] = v as u32;
                borrow = v >> 32;
            }
        } else {
            out[..s].copy_from_slice(&t[..s]);
        }
    }

    fn enter(&self, x: &BigUint, t: &mut [u32]) -> Vec<u32> {
        let s = self.n.len();
        let x = x % BigUint::from_slice(&self.n);
        let mut out = vec![0; s];
        self.mul(&limbs(&x, s), &self.r2, &mut out, t);
        out
    }

    fn leave(&self, x: &[u32], t: &mut [u32]) -> BigUint {
        let s = self.n.len();
        let mut one = vec![0u32; s];
        one[0] = 1;
        let mut out = vec![0; s];
        self.mul(x, &one, &mut out, t);
        BigUint::from_slice(&out)
    }

    /// base^exp mod n, fixed 5-bit windows.
    pub fn pow(&self, base: &BigUint, exp: &BigUint) -> BigUint {
        let s = self.n.len();
        let mut t = vec![0u32; s + 2];
        let b = self.enter(base, &mut t);
        let mut table = vec![self.one.clone(), b.clone()];
        for i in 2..32 {
            let mut out = vec![0; s];
            self.mul(&table[i - 1], &b, &mut out, &mut t);
            table.push(out);
        }
        let bits = exp.bits() as usize;
        let digits = exp.to_u32_digits();
        let bit = |i: usize| (digits[i / 32] >> (i % 32)) & 1;
        let mut acc = self.one.clone();
        let mut tmp = vec![0u32; s];
        let mut i = bits.div_ceil(5) * 5;
        while i > 0 {
            i -= 5;
            for _ in 0..5 {
                self.mul(&acc, &acc, &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
            }
            let mut w = 0;
            for k in (0..5).rev() {
                w = w << 1 | if i + k < bits { bit(i + k) } else { 0 };
            }
            if w != 0 {
                self.mul(&acc, &table[w as usize], &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
            }
        }
        self.leave(&acc, &mut t)
    }
}

/// A fixed base's powers g^(32^i) in Montgomery form, for exponents up to `max_bits`
/// (Yao's method: k + 2·31 multiplications for a k-digit exponent instead of 5k squarings).
#[derive(Debug)]
pub struct FixedBase {
    powers: Vec<Vec<u32>>,
}

impl FixedBase {
    pub fn new(m: &Mont, g: &BigUint, max_bits: usize) -> FixedBase {
        let s = m.n.len();
        let mut t = vec![0u32; s + 2];
        let mut cur = m.enter(g, &mut t);
        let mut powers = Vec::new();
        let mut tmp = vec![0u32; s];
        for _ in 0..max_bits.div_ceil(5) {
            powers.push(cur.clone());
            for _ in 0..5 {
                m.mul(&cur, &cur, &mut tmp, &mut t);
                std::mem::swap(&mut cur, &mut tmp);
            }
        }
        FixedBase { powers }
    }

    /// g^exp mod n; None when exp is longer than the table.
    pub fn pow(&self, m: &Mont, exp: &BigUint) -> Option<BigUint> {
        let s = m.n.len();
        let bits = exp.bits() as usize;
        if bits.div_ceil(5) > self.powers.len() {
            return None;
        }
        let digits = exp.to_u32_digits();
        let bit = |i: usize| if i < bits { (digits[i / 32] >> (i % 32)) & 1 } else { 0 };
        let k = bits.div_ceil(5);
        let e: Vec<u32> = (0..k).map(|i| (0..5).rev().fold(0, |w, j| w << 1 | bit(5 * i + j))).collect();
        let mut t = vec![0u32; s + 2];
        let mut tmp = vec![0u32; s];
        let mut a = m.one.clone();
        let mut b = m.one.clone();
        for j in (1..32).rev() {
            for (i, d) in e.iter().enumerate() {
                if *d == j {
                    m.mul(&b, &self.powers[i], &mut tmp, &mut t);
                    std::mem::swap(&mut b, &mut tmp);
                }
            }
            m.mul(&a, &b, &mut tmp, &mut t);
            std::mem::swap(&mut a, &mut tmp);
        }
        Some(m.leave(&a, &mut t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(bytes: usize, seed: u32) -> BigUint {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        let v: Vec<u8> = (0..bytes)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        BigUint::from_bytes_be(&v)
    }

    #[test]
    fn agrees_with_num_bigint() {
        let n = BigUint::parse_bytes(super::super::srp::N_HEX.as_bytes(), 16).unwrap();
        let m = Mont::new(&n);
        let f = FixedBase::new(&m, &BigUint::from(2u32), 1280);
        for (i, bytes) in [1usize, 2, 31, 32, 33, 128, 160].iter().enumerate() {
            let e = number(*bytes, i as u32 + 7);
            let b = number(384, i as u32 + 99);
            assert_eq!(m.pow(&b, &e), b.modpow(&e, &n), "{bytes}");
            assert_eq!(f.pow(&m, &e).unwrap(), BigUint::from(2u32).modpow(&e, &n), "{bytes}");
        }
        assert_eq!(f.pow(&m, &number(161, 1)), None);
        assert_eq!(m.pow(&BigUint::from(5u32), &BigUint::from(0u32)), BigUint::from(1u32));
        assert_eq!(f.pow(&m, &BigUint::from(0u32)).unwrap(), BigUint::from(1u32));
        let big = &n - 1u32;
        assert_eq!(m.pow(&big, &number(128, 3)), big.modpow(&number(128, 3), &n));
        let small = BigUint::from(1_000_003u32) * BigUint::from(4_294_967_291u32);
        let ms = Mont::new(&small);
        assert_eq!(ms.pow(&BigUint::from(12_345u32), &number(40, 1)), BigUint::from(12_345u32).modpow(&number(40, 1), &small));
    }
}
