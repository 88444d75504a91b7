// @gureum/internal — byte helpers shared by the built-in AWS SDK modules.
// Plain ES2023: no Buffer, no TextEncoder/TextDecoder, no atob/btoa.
"use strict";

// UTF-8 encode a JS string (UTF-16). Lone surrogates become U+FFFD, as
// TextEncoder does.
function utf8Encode(str) {
  str = String(str);
  const out = [];
  for (let i = 0; i < str.length; i++) {
    let c = str.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < str.length ? str.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    } else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
  }
  return new Uint8Array(out);
}

// UTF-8 decode; invalid sequences become U+FFFD (one per maximal subpart, as
// the WHATWG decoder does). A leading BOM is kept, as TextDecoder with
// ignoreBOM would; callers strip it if they care.
function utf8Decode(bytes) {
  bytes = toBytes(bytes);
  let out = "";
  let chunk = [];
  const flush = () => {
    out += String.fromCharCode.apply(null, chunk);
    chunk = [];
  };
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    let cp = 0xfffd;
    let len = 1;
    if (b < 0x80) {
      cp = b;
    } else if (b >= 0xc2 && b <= 0xf4) {
      const need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
      let lower = 0x80;
      let upper = 0xbf;
      if (b === 0xe0) lower = 0xa0;
      else if (b === 0xed) upper = 0x9f;
      else if (b === 0xf0) lower = 0x90;
      else if (b === 0xf4) upper = 0x8f;
      let value = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
      let k = 0;
      while (k < need) {
        const nb = i + 1 + k < n ? bytes[i + 1 + k] : -1;
        if (nb < lower || nb > upper) break;
        value = (value << 6) | (nb & 0x3f);
        lower = 0x80;
        upper = 0xbf;
        k++;
      }
      if (k === need) {
        cp = value;
        len = need + 1;
      } else {
        len = k + 1;
      }
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      chunk.push(cp);
    }
    if (chunk.length >= 8192) flush();
  }
  flush();
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  t["-".charCodeAt(0)] = 62; // base64url, accepted on input
  t["_".charCodeAt(0)] = 63;
  return t;
})();

function toBase64(input) {
  const bytes = toBytes(input);
  let out = "";
  let i = 0;
  const n = bytes.length;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
  }
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    out += B64[v >> 18] + B64[(v >> 12) & 63];
    out += i + 1 < n ? B64[(v >> 6) & 63] + "=" : "==";
  }
  return out;
}

function fromBase64(str) {
  str = String(str);
  const vals = [];
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c === 61 /* = */) break;
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new Error(`Invalid base64 character ${JSON.stringify(str[i])}`);
    vals.push(v);
  }
  if (vals.length % 4 === 1) throw new Error("Invalid base64 length");
  const out = new Uint8Array(Math.floor((vals.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < vals.length; i += 4) {
    const v = (vals[i] << 18) | (vals[i + 1] << 12) | (vals[i + 2] << 6) | vals[i + 3];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  const rest = vals.length - i;
  if (rest === 2) {
    out[o++] = ((vals[i] << 18) | (vals[i + 1] << 12)) >> 16;
  } else if (rest === 3) {
    const v = (vals[i] << 18) | (vals[i + 1] << 12) | (vals[i + 2] << 6);
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
  }
  return out;
}

// Bytes of a string (UTF-8), Uint8Array, ArrayBuffer or any ArrayBufferView
// (the viewed region), as a Uint8Array. Arrays of numbers are accepted too.
function toBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") return utf8Encode(input);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof SharedArrayBuffer === "function" && input instanceof SharedArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (Array.isArray(input)) return Uint8Array.from(input);
  throw new TypeError(`Expected a string, Uint8Array, ArrayBuffer or ArrayBufferView, got ${input === null ? "null" : typeof input}`);
}

function bytesToString(bytes, encoding) {
  const enc = (encoding || "utf-8").toLowerCase();
  if (enc === "utf-8" || enc === "utf8") return utf8Decode(bytes);
  if (enc === "base64") return toBase64(bytes);
  if (enc === "hex") {
    let s = "";
    for (const b of toBytes(bytes)) s += (b < 16 ? "0" : "") + b.toString(16);
    return s;
  }
  if (enc === "latin1" || enc === "binary" || enc === "ascii") {
    let s = "";
    for (const b of toBytes(bytes)) s += String.fromCharCode(enc === "ascii" ? b & 0x7f : b);
    return s;
  }
  throw new Error(`Unsupported encoding ${encoding}`);
}

// What v3 calls a Uint8ArrayBlobAdapter: a Uint8Array with
// transformToString(encoding). The method is put on the instance (not a
// subclass) so that `instanceof Uint8Array` and typed-array methods keep
// working in every engine.
function blobAdapter(bytes) {
  const u = bytes instanceof Uint8Array ? bytes : toBytes(bytes);
  Object.defineProperty(u, "transformToString", {
    value: function transformToString(encoding) {
      return bytesToString(this, encoding);
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return u;
}

// The v3 "SdkStream" returned as S3 GetObject Body: the whole body is in
// memory here. Also async-iterable (one chunk) like a Node Readable.
function sdkStream(bytes) {
  const data = toBytes(bytes);
  let consumed = false;
  const take = () => {
    if (consumed) throw new Error("The stream has already been transformed.");
    consumed = true;
    return data;
  };
  return {
    transformToByteArray: async () => take(),
    transformToString: async (encoding) => bytesToString(take(), encoding),
    transformToWebStream: () => {
      const d = take();
      if (typeof ReadableStream !== "function") throw new Error("ReadableStream is not available in this runtime");
      return new ReadableStream({
        start(controller) {
          controller.enqueue(d);
          controller.close();
        },
      });
    },
    [Symbol.asyncIterator]: async function* () {
      yield take();
    },
  };
}

module.exports = {
  utf8Encode,
  utf8Decode,
  toBase64,
  fromBase64,
  toBytes,
  bytesToString,
  blobAdapter,
  sdkStream,
};
