// Differential tests: our @aws-sdk/util-dynamodb against the real package.
import test from "node:test";
import assert from "node:assert/strict";
import { loadSdk, realRequire } from "../tools/harness.mjs";

const ours = loadSdk().require("@aws-sdk/util-dynamodb");
const real = realRequire("@aws-sdk/util-dynamodb");

// NumberValue instances come from two different classes; compare by value.
function norm(x) {
  if (x instanceof ours.NumberValueImpl || x instanceof real.NumberValueImpl) return { NumberValue: x.toString() };
  if (x instanceof Set) return new Set([...x].map(norm));
  if (Array.isArray(x)) return x.map(norm);
  if (x && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]));
  }
  return x;
}

function outcome(fn) {
  try {
    return { ok: norm(fn()) };
  } catch (e) {
    return { err: `${e.constructor.name}: ${e.message}` };
  }
}

class Point {
  constructor() {
    this.x = 1;
    this.y = "two";
    this.skip = undefined;
  }
  method() {}
}
class WithGetter {
  get computed() {
    return 3;
  }
}

// Each entry builds [value, options] from a library (so NumberValue and
// binary values are built fresh for each side).
const MARSHALL_CORPUS = [
  () => [{ s: "abc", n: 1, b: true, nul: null }],
  () => [{ empty: "", nested: { deeper: { deepest: [1, "a", null, false] } } }],
  () => [{ empty: "" }, { convertEmptyValues: true }],
  () => [{ list: ["", new Set(), new Uint8Array(0)] }, { convertEmptyValues: true }],
  () => [{ unicode: "ünïcødé 😀 한국어", tab: "a\tb\n" }],
  () => [{ u: undefined }],
  () => [{ u: undefined, keep: 1 }, { removeUndefinedValues: true }],
  () => [{ list: [1, undefined, 2] }],
  () => [{ list: [1, undefined, 2] }, { removeUndefinedValues: true }],
  () => [{ nested: { list: [{ u: undefined }] } }, { removeUndefinedValues: true }],
  () => [{ fn: () => 1, list: [() => 2, 3] }],
  () => [{ ss: new Set(["a", "b"]), ns: new Set([1, 2.5, -3]), bigs: new Set([1n, 2n]) }],
  () => [{ bs: new Set([new Uint8Array([1, 2]), new Uint8Array([3])]) }],
  () => [{ empty: new Set() }],
  () => [{ empty: new Set() }, { convertEmptyValues: true }],
  () => [{ s: new Set(["a", undefined]) }],
  () => [{ s: new Set(["a", undefined]) }, { removeUndefinedValues: true }],
  () => [{ s: new Set([{}]) }],
  () => [{ s: new Set([true]) }],
  () => [{ s: new Set([1, "a"]) }],
  () => [{ s: new Set([Number.MAX_SAFE_INTEGER + 2]) }],
  () => [{ m: new Map([["a", 1], ["b", { c: [2] }]]) }],
  () => [{ m: new Map([["a", undefined], ["f", () => 0]]) }, { removeUndefinedValues: true }],
  () => [{ bin: new Uint8Array([0, 1, 2, 255]) }],
  () => [{ bin: new Uint8Array(0) }],
  () => [{ bin: new Uint8Array(0) }, { convertEmptyValues: true }],
  () => [{ i16: new Int16Array([1, -1]), ab: new ArrayBuffer(2), dv: new DataView(new ArrayBuffer(1)) }],
  () => [{ big: Number.MAX_SAFE_INTEGER }],
  () => [{ big: Number.MAX_SAFE_INTEGER + 2 }],
  () => [{ big: Number.MIN_SAFE_INTEGER - 2 }],
  () => [{ big: 1e21 }, { allowImpreciseNumbers: true }],
  () => [{ small: 1e-7, neg: -0, frac: 0.1 + 0.2 }],
  () => [{ nan: NaN }],
  () => [{ inf: Infinity }],
  () => [{ ninf: -Infinity }],
  () => [{ bigint: 12345678901234567890123n, neg: -5n }],
  (lib) => [{ nv: lib.NumberValueImpl.from("1234567890123456789012345678901") }],
  (lib) => [{ nv: new lib.NumberValueImpl({ N: "3.14" }) }],
  (lib) => [{ ns: new Set([lib.NumberValueImpl.from("1"), lib.NumberValueImpl.from("99999999999999999999")]) }],
  (lib) => [lib.NumberValueImpl.from(Number.MAX_SAFE_INTEGER + 2)],
  () => [{ boxed: new Number(5), str: new String("s"), bool: new Boolean(false) }],
  () => [{ p: new Point() }],
  () => [{ p: new Point() }, { convertClassInstanceToMap: true }],
  () => [{ p: new Point() }, { convertClassInstanceToMap: true, removeUndefinedValues: true }],
  () => [{ g: new WithGetter() }, { convertClassInstanceToMap: true }],
  () => [{ d: new Date(0) }],
  () => [{ d: new Date(0) }, { convertClassInstanceToMap: true }],
  () => [{ nullProto: Object.assign(Object.create(null), { a: 1 }) }],
  () => [Object.assign(Object.create(null), { top: "level" })],
  () => [new Point(), { convertClassInstanceToMap: true }],
  () => [new Point()],
  () => [[1, "two", { three: 3 }]],
  () => [[1, 2], { convertTopLevelContainer: true }],
  () => [{ a: 1 }, { convertTopLevelContainer: true }],
  () => ["top-level string"],
  () => [""],
  () => ["", { convertEmptyValues: true }],
  () => [42],
  () => [null],
  () => [undefined],
  () => [true],
  () => [new Set(["x"])],
  () => [new Uint8Array([9])],
  () => [Symbol("s")],
  () => [{ sym: Symbol("s") }],
  () => [{ deep: { a: { b: { c: { d: { e: [[["x"]]] } } } } } }],
];

test("marshall matches @aws-sdk/util-dynamodb on the corpus", () => {
  for (const [i, build] of MARSHALL_CORPUS.entries()) {
    const [o, r] = [ours, real].map((lib) =>
      outcome(() => {
        const [value, options] = build(lib);
        return lib.marshall(value, options);
      })
    );
    assert.deepStrictEqual(o, r, `corpus entry ${i}: ${build.toString()}`);
  }
});

test("convertToAttr matches on the corpus", () => {
  for (const [i, build] of MARSHALL_CORPUS.entries()) {
    const [o, r] = [ours, real].map((lib) =>
      outcome(() => {
        const [value, options] = build(lib);
        return lib.convertToAttr(value, options);
      })
    );
    assert.deepStrictEqual(o, r, `corpus entry ${i}`);
  }
});

const UNMARSHALL_CORPUS = [
  [{ s: { S: "abc" }, n: { N: "1" }, b: { BOOL: true }, z: { NULL: true } }],
  [{ s: { S: "" }, u: { S: "ünïcødé 😀" } }],
  [{ big: { N: "12345678901234567890" } }],
  [{ big: { N: "-12345678901234567890" } }],
  [{ big: { N: "12345678901234567890" } }, { wrapNumbers: true }],
  [{ n: { N: "1.5" }, e: { N: "1e3" } }, { wrapNumbers: true }],
  [{ n: { N: "42" } }, { wrapNumbers: (s) => `wrapped:${s}` }],
  [{ huge: { N: "1e400" } }],
  [{ hugeFrac: { N: "1.5e300" } }],
  [{ dec: { N: "12345678901234567890.5" } }],
  [{ l: { L: [{ N: "1" }, { S: "x" }, { L: [{ NULL: true }] }] } }],
  [{ m: { M: { a: { M: { b: { SS: ["x", "y"] } } } } } }],
  [{ ns: { NS: ["1", "2", "99999999999999999999"] } }],
  [{ ns: { NS: ["1", "2"] } }, { wrapNumbers: true }],
  [{ bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] }, b: { B: new Uint8Array([7]) } }],
  [{ x: { Z: "unknown" } }],
  [{ x: {} }],
  [{ x: { S: undefined, N: "5" } }],
  [{ S: "bare" }, { convertWithoutMapWrapper: true }],
  [{ M: { a: { N: "1" } } }, { convertWithoutMapWrapper: true }],
  [{ L: [] }, { convertWithoutMapWrapper: true }],
  [{}],
];

test("unmarshall matches @aws-sdk/util-dynamodb on the corpus", () => {
  for (const [i, [value, options]] of UNMARSHALL_CORPUS.entries()) {
    const o = outcome(() => ours.unmarshall(value, options));
    const r = outcome(() => real.unmarshall(value, options));
    assert.deepStrictEqual(o, r, `corpus entry ${i}: ${JSON.stringify(value)}`);
  }
});

test("convertToNative matches on the corpus", () => {
  for (const [i, [value, options]] of UNMARSHALL_CORPUS.entries()) {
    const o = outcome(() => ours.convertToNative(value, options));
    const r = outcome(() => real.convertToNative(value, options));
    assert.deepStrictEqual(o, r, `corpus entry ${i}`);
  }
});

test("marshall then unmarshall round trips", () => {
  const value = {
    id: "k1",
    n: 3.25,
    flags: [true, false, null],
    tags: new Set(["a", "b"]),
    nums: new Set([1, 2]),
    blob: new Uint8Array([0, 128, 255]),
    nested: { list: [{ s: "ü" }], empty: {} },
    big: 2n ** 70n,
  };
  for (const lib of [ours, real]) {
    assert.deepStrictEqual(lib.unmarshall(lib.marshall(value)), value);
  }
});

test("NumberValue behaves like the real one", () => {
  for (const lib of [ours, real]) {
    const nv = lib.NumberValueImpl.from("123456789012345678901234567890");
    assert.equal(nv.toString(), "123456789012345678901234567890");
    assert.equal(nv.valueOf(), "123456789012345678901234567890");
    assert.equal(nv.toBigInt(), 123456789012345678901234567890n);
    assert.deepEqual(nv.toAttributeValue(), { N: "123456789012345678901234567890" });
    assert.throws(() => lib.NumberValueImpl.from(2 ** 60), /imprecise number/);
    assert.throws(() => lib.NumberValueImpl.from(NaN), /imprecise number/);
  }
});
