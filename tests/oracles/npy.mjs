// Minimal reader/writer for NumPy .npy files (format versions 1.0, 2.0 and 3.0),
// shared by the JavaScript oracle runners. Only C-order, little-endian arrays of the
// element types the runners exchange are accepted; anything else is rejected with a
// message naming the file, so a test never silently compares reinterpreted bytes.
import fs from 'node:fs';

// dtype name (as used by the runners) -> npy descr and typed array constructor.
// bool travels as one byte per element (0/1), exactly like numpy's '|b1'.
export const NPY_TYPES = Object.freeze({
  float32: { descr: '<f4', ctor: Float32Array },
  float64: { descr: '<f8', ctor: Float64Array },
  float16: { descr: '<f2', ctor: Uint16Array }, // raw half bits
  int8: { descr: '|i1', ctor: Int8Array },
  uint8: { descr: '|u1', ctor: Uint8Array },
  int16: { descr: '<i2', ctor: Int16Array },
  uint16: { descr: '<u2', ctor: Uint16Array },
  int32: { descr: '<i4', ctor: Int32Array },
  uint32: { descr: '<u4', ctor: Uint32Array },
  int64: { descr: '<i8', ctor: BigInt64Array },
  uint64: { descr: '<u8', ctor: BigUint64Array },
  bool: { descr: '|b1', ctor: Uint8Array },
});

// numpy writes single-byte types with '|' but accepts '<' too; normalise both.
function dtypeFromDescr(descr) {
  const d = descr.replace(/^[=<|]/, '<');
  for (const [name, t] of Object.entries(NPY_TYPES)) {
    if (t.descr.replace(/^[|]/, '<') === d) return name;
  }
  return null;
}

// Parses the Python-literal header dict written by numpy.
function parseHeader(text, path) {
  const descr = /'descr':\s*'([^']*)'/.exec(text);
  const order = /'fortran_order':\s*(True|False)/.exec(text);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text);
  if (!descr || !order || !shape) throw new Error(`${path}: malformed .npy header '${text.trim()}'`);
  if (order[1] === 'True') throw new Error(`${path}: Fortran-order arrays are not supported`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const v = Number(s.replace(/L$/, ''));
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${path}: bad dimension '${s}' in shape`);
    return v;
  });
  return { descr: descr[1], shape: dims };
}

/** Reads a .npy file: returns { dtype, shape, data } with data a typed array (a copy). */
export function readNpy(path) {
  const buf = fs.readFileSync(path);
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) throw new Error(`${path}: not a .npy file (bad magic)`);
  const major = buf[6];
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new Error(`${path}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new Error(`${path}: unsupported .npy version ${major}`);
  }
  if (headerStart + headerLen > buf.length) throw new Error(`${path}: truncated .npy header`);
  const header = parseHeader(buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, headerStart + headerLen), path);
  const dtype = dtypeFromDescr(header.descr);
  if (!dtype) throw new Error(`${path}: unsupported dtype '${header.descr}'`);
  const { ctor } = NPY_TYPES[dtype];
  const count = header.shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const nbytes = count * ctor.BYTES_PER_ELEMENT;
  if (buf.length - dataStart !== nbytes) {
    throw new Error(`${path}: expected ${nbytes} data bytes for shape [${header.shape}] ${dtype}, found ${buf.length - dataStart}`);
  }
  // Copy into a fresh, aligned ArrayBuffer: typed arrays need element alignment.
  const bytes = new Uint8Array(nbytes);
  bytes.set(buf.subarray(dataStart, dataStart + nbytes));
  return { dtype, shape: header.shape, data: new ctor(bytes.buffer, 0, count) };
}

/** Writes a typed array as a version 1.0 .npy file of the given dtype name and shape. */
export function writeNpy(path, dtype, shape, data) {
  const t = NPY_TYPES[dtype];
  if (!t) throw new Error(`${path}: cannot write dtype '${dtype}'`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${path}: ${data.length} elements do not fill shape [${shape}]`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${t.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so that the data starts on a 64-byte boundary, ending with '\n' (npy spec).
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  let body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (dtype === 'bool') body = Buffer.from(Uint8Array.from(data, (v) => (v ? 1 : 0)));
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}
