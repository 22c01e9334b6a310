// A small, independent .tflite reader for the JavaScript runners: it reads only what the
// runners need to put inputs and outputs in the order of subgraph 0 (tensor names,
// types, shapes and the SignatureDefs). Field numbers are those of TFLite's schema.fbs;
// every offset is bounds-checked because the runners are also pointed at hostile files.
import fs from 'node:fs';

// TFLite TensorType enum value -> runner dtype name.
export const TFLITE_TYPES = Object.freeze([
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16',
  'complex64', 'int8', 'float64', 'complex128', 'uint64', 'resource', 'variant',
  'uint32', 'uint16', 'int4', 'bfloat16',
]);

class FlatReader {
  constructor(buf, path) {
    this.buf = buf;
    this.path = path;
  }

  fail(what) {
    throw new Error(`${this.path}: malformed flatbuffer (${what})`);
  }

  check(pos, size, what) {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.buf.length) this.fail(what);
  }

  u8(pos) { this.check(pos, 1, 'byte'); return this.buf.readUInt8(pos); }
  i8(pos) { this.check(pos, 1, 'byte'); return this.buf.readInt8(pos); }
  u16(pos) { this.check(pos, 2, 'u16'); return this.buf.readUInt16LE(pos); }
  i32(pos) { this.check(pos, 4, 'i32'); return this.buf.readInt32LE(pos); }
  u32(pos) { this.check(pos, 4, 'u32'); return this.buf.readUInt32LE(pos); }

  // Position of field `id` inside the table at `tab`, or 0 when absent.
  field(tab, id) {
    const vt = tab - this.i32(tab);
    const vtSize = this.u16(vt);
    if (vtSize < 4 || (vtSize & 1)) this.fail('vtable size');
    const slot = 4 + 2 * id;
    if (slot + 2 > vtSize) return 0;
    const off = this.u16(vt + slot);
    return off === 0 ? 0 : tab + off;
  }

  deref(pos) { return pos + this.u32(pos); }

  table(tab, id) { const p = this.field(tab, id); return p ? this.deref(p) : 0; }

  scalar(tab, id, kind, dflt) {
    const p = this.field(tab, id);
    return p ? this[kind](p) : dflt;
  }

  string(tab, id) {
    const p = this.field(tab, id);
    if (!p) return null;
    const s = this.deref(p);
    const n = this.u32(s);
    this.check(s + 4, n, 'string');
    return this.buf.toString('utf8', s + 4, s + 4 + n);
  }

  // Returns { pos, len } of the vector in field id (pos = first element), or null.
  vector(tab, id, elemSize) {
    const p = this.field(tab, id);
    if (!p) return null;
    const v = this.deref(p);
    const len = this.u32(v);
    this.check(v + 4, len * elemSize, 'vector');
    return { pos: v + 4, len };
  }

  intVector(tab, id) {
    const v = this.vector(tab, id, 4);
    if (!v) return [];
    const out = [];
    for (let i = 0; i < v.len; i++) out.push(this.i32(v.pos + 4 * i));
    return out;
  }

  tableVector(tab, id) {
    const v = this.vector(tab, id, 4);
    if (!v) return [];
    const out = [];
    for (let i = 0; i < v.len; i++) out.push(this.deref(v.pos + 4 * i));
    return out;
  }
}

function tensorInfo(r, tensors, index, where) {
  if (!Number.isInteger(index) || index < 0 || index >= tensors.length) {
    throw new Error(`${r.path}: ${where} refers to tensor ${index}, but subgraph 0 has ${tensors.length} tensors`);
  }
  const t = tensors[index];
  const type = r.scalar(t, 1, 'i8', 0);
  return {
    index,
    name: r.string(t, 3) ?? '',
    shape: r.intVector(t, 0),
    shapeSignature: r.intVector(t, 7),
    dtype: TFLITE_TYPES[type] ?? `type${type}`,
  };
}

/**
 * Reads subgraph 0's inputs/outputs and the SignatureDefs of a .tflite file.
 * Returns { inputs: [info], outputs: [info], signatures: [{ key, subgraph, inputs:
 * [{name, tensor}], outputs: [{name, tensor}] }] } where info = { index, name, shape,
 * shapeSignature, dtype }.
 */
export function readTfliteIo(path, bytes) {
  const buf = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : fs.readFileSync(path);
  const r = new FlatReader(buf, path);
  if (buf.length < 8) r.fail('file too small');
  const model = r.deref(0);
  const subgraphs = r.tableVector(model, 2);
  if (subgraphs.length === 0) throw new Error(`${path}: model has no subgraphs`);
  const sg = subgraphs[0];
  const tensors = r.tableVector(sg, 0);
  const inputs = r.intVector(sg, 1).map((i, k) => tensorInfo(r, tensors, i, `input ${k}`));
  const outputs = r.intVector(sg, 2).map((i, k) => tensorInfo(r, tensors, i, `output ${k}`));
  const signatures = r.tableVector(model, 7).map((s) => {
    const maps = (id) => r.tableVector(s, id).map((m) => ({ name: r.string(m, 0) ?? '', tensor: r.scalar(m, 1, 'u32', 0) }));
    return { key: r.string(s, 2) ?? '', subgraph: r.scalar(s, 4, 'u32', 0), inputs: maps(0), outputs: maps(1) };
  });
  return { inputs, outputs, signatures };
}

/**
 * Replaces, in place, every -1 in the shape_signature of subgraph 0's tensors by the
 * static size from `shape` (what a TFLite interpreter allocates when nobody resizes the
 * inputs). LiteRT.js cannot resize and refuses dynamic dims, so the runner pins them.
 * The edit overwrites int32 values only; the file's layout is unchanged. Returns the
 * number of dims pinned.
 */
export function pinDynamicDims(bytes, path) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new FlatReader(buf, path);
  const model = r.deref(0);
  const subgraphs = r.tableVector(model, 2);
  if (subgraphs.length === 0) return 0;
  let pinned = 0;
  for (const t of r.tableVector(subgraphs[0], 0)) {
    const shape = r.intVector(t, 0);
    const sig = r.vector(t, 7, 4);
    if (!sig || sig.len !== shape.length) continue;
    for (let i = 0; i < sig.len; i++) {
      if (r.i32(sig.pos + 4 * i) === -1 && shape[i] >= 0) {
        buf.writeInt32LE(shape[i], sig.pos + 4 * i);
        pinned++;
      }
    }
  }
  return pinned;
}
