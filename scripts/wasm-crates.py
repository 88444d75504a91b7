#!/usr/bin/env python3
"""Code bytes per crate (and per engine module) in a wasm module that still has its name section:
cargo's output before wasm-bindgen and wasm-opt, e.g. after `trunk build --release`:
  python3 scripts/wasm-crates.py target/wasm32-unknown-unknown/worker-release/gureum-worker.wasm [N]
Function body sizes come from the code section, names from the name section; a function counts
for the crate of its demangled path (for a trait impl, the crate of its Self type)."""
import re, sys, collections

def leb(d, i):
    r = s = 0
    while True:
        b = d[i]; i += 1
        r |= (b & 0x7f) << s; s += 7
        if b < 0x80: return r, i

def name_of(d, i):
    n, i = leb(d, i); return d[i:i+n].decode('utf8', 'replace'), i + n

d = open(sys.argv[1], 'rb').read()
i = 8; imports = 0; bodies = []; names = {}
while i < len(d):
    sid = d[i]; size, j = leb(d, i + 1); end = j + size
    if sid == 2:  # imports: count function imports
        n, k = leb(d, j)
        for _ in range(n):
            _, k = name_of(d, k); _, k = name_of(d, k); kind = d[k]; k += 1
            if kind == 0: _, k = leb(d, k); imports += 1
            elif kind == 1: k += 1; fl = d[k]; k += 1; _, k = leb(d, k); k = leb(d, k)[1] if fl & 1 else k
            elif kind == 2: fl = d[k]; k += 1; _, k = leb(d, k); k = leb(d, k)[1] if fl & 1 else k
            elif kind == 3: k += 2
    elif sid == 10:
        n, k = leb(d, j)
        for _ in range(n):
            sz, k2 = leb(d, k); bodies.append(sz + (k2 - k)); k = k2 + sz
    elif sid == 0:
        nm, k = name_of(d, j)
        if nm == 'name':
            while k < end:
                sub = d[k]; ssz, k = leb(d, k + 1); send = k + ssz
                if sub == 1:
                    n, k = leb(d, k)
                    for _ in range(n):
                        idx, k = leb(d, k); s, k = name_of(d, k); names[idx] = s
                k = send
    i = end

def crate(sym):
    # Legacy mangling _ZN<len><ident>... ; v0 or plain names otherwise.
    m = re.match(r'_ZN(\d+)(.*)', sym)
    if m:
        n = int(m.group(1)); c = m.group(2)[:n]
    else:
        c = re.split(r'::|<|\s', sym.lstrip('<'))[0]
    c = c.lstrip('_')
    if m and c.startswith('$LT$'):
        inner = c[len('$LT$'):]
        inner = re.sub(r'^(\$RF\$|mut\$u20\$|\$BP\$)+', '', inner)
        c = inner.split('..')[0].split('$')[0] or 'generic'
    return c or '?'

def parts(sym):
    """The path components of a legacy-mangled symbol, `..` paths inside impls split too."""
    m = re.match(r'_ZN(.*)E$', sym)
    if not m:
        return re.split(r'::', sym)
    rest, out = m.group(1), []
    while rest and rest[0].isdigit():
        n = re.match(r'\d+', rest).group(0)
        out.append(rest[len(n):len(n) + int(n)])
        rest = rest[len(n) + int(n):]
    return [p for o in out for p in re.split(r'\.\.|\$LT\$|\$u20\$', o.lstrip('_')) if p]

def module(sym):
    ps = parts(sym)
    if 'gureum_engine' not in ps:
        return None
    rest = ps[ps.index('gureum_engine') + 1:]
    if rest[:1] == ['services'] and len(rest) > 1:
        return 'services::' + rest[1]
    return rest[0] if rest else '?'

by = collections.Counter(); eng = collections.Counter()
for k, sz in enumerate(bodies):
    sym = names.get(imports + k, '?')
    c = crate(sym)
    by[c] += sz
    if c == 'gureum_engine':
        eng[module(sym) or '?'] += sz
total = sum(bodies)
print(f'code section: {total} bytes in {len(bodies)} functions ({len(names)} named)')
for c, sz in by.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 25):
    print(f'{sz:>10} {sz*100/total:5.1f}%  {c}')
print('gureum_engine by module:')
for c, sz in eng.most_common(20):
    print(f'{sz:>10} {sz*100/total:5.1f}%  {c}')
