#!/usr/bin/env node
// Runs a .tflite model with LiteRT.js (npm @litertjs/core: Google's TFLite interpreter
// compiled to WebAssembly, XNNPACK CPU path) as an independent oracle for npuquant.
//
//   node litert_run.mjs [--repeat N] MODEL.tflite OUT_PREFIX IN0.npy [IN1.npy ...]
//   node litert_run.mjs --info MODEL.tflite
//   --strict-shapes: do not pin dynamic (-1) dims of shape_signature (see pinDynamicDims);
//   by default they are pinned to the static shape in the in-memory copy LiteRT loads.
//   --batch: every IN.npy holds N samples stacked on a new leading axis; the model runs
//   once per sample and each output .npy stacks the N results the same way (one process
//   and one model load for a whole evaluation set).
//
// Inputs are given in the order of subgraph 0's `inputs`; outputs are written in the order
// of subgraph 0's `outputs` as OUT_PREFIX.out<k>.npy. LiteRT itself orders inputs and
// outputs by the model's SignatureDef when there is one (which may differ from subgraph 0's
// order), so this runner maps LiteRT's names back to tensor indices through the
// SignatureDef read from the file. Exit 0 on success, 1 with one line on stderr on failure,
// 77 with "SKIP: ..." when LiteRT.js is not installed (run scripts/setup.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readNpy, writeNpy } from './npy.mjs';
import { pinDynamicDims, readTfliteIo } from './tflite_model.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORE_DIR = path.join(HERE, 'node_modules', '@litertjs', 'core');
const WASM_UTILS = path.join(HERE, 'node_modules', '@litertjs', 'wasm-utils', 'dist', 'index.js');

// LiteRT and its wrapper log to the console; keep stdout for our own JSON and show the
// runtime's log only in the one-line failure message.
const runtimeLog = [];
for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
  console[k] = (...a) => runtimeLog.push(a.map(String).join(' '));
}

function fail(msg) {
  const lastError = runtimeLog.filter((l) => /ERROR|error/.test(l) && !/WebGPU|NPU accelerator/.test(l)).pop();
  const detail = lastError ? ` [litert: ${lastError.replace(/\s+/g, ' ').slice(0, 300)}]` : '';
  process.stderr.write(`litert_run: ${String(msg).replace(/\s+/g, ' ')}${detail}\n`);
  process.exit(1);
}

// LiteRT.js resolves run() even when a node fails to prepare or invoke (it logs
// "Node number N (OP) failed to invoke" and the outputs hold whatever the arena
// held): such a run is a failure, not an answer.
function checkRan() {
  const bad = runtimeLog.find((l) => /failed to (prepare|invoke)|Failed to (invoke|allocate)/.test(l));
  if (bad) fail('the model did not run');
}

function usage() {
  fail('usage: litert_run.mjs [--repeat N] [--strict-shapes] MODEL.tflite OUT_PREFIX IN0.npy [IN1.npy ...] | --info MODEL.tflite');
}

// The wrapper's dtype table only knows float32/int32/uint8. This makes a copy of its
// dist/index.js with int8, int16, int64, bool and float16 added (node_modules stays
// untouched) and with its one bare import made absolute so the copy can live anywhere.
function patchedCorePath() {
  const src = fs.readFileSync(path.join(CORE_DIR, 'dist', 'index.js'), 'utf8');
  const anchor = 'var DATATYPES = Object.freeze([';
  const importLine = 'from "@litertjs/wasm-utils"';
  if (!src.includes(anchor) || !src.includes(importLine) || !src.includes('export {')) {
    throw new Error('unexpected @litertjs/core dist/index.js layout: the dtype patch needs updating for this version');
  }
  const extra = `
// Added by npuquant's litert_run.mjs: element types the published wrapper omits.
class LiteRtBoolArray extends Uint8Array {}
class LiteRtHalfArray extends Uint16Array {}
var DATATYPES = Object.freeze([
  { dtype: "bool", typedArrayConstructor: LiteRtBoolArray, elementType: ElementType.BOOL },
  { dtype: "float16", typedArrayConstructor: LiteRtHalfArray, elementType: ElementType.FLOAT16 },
  { dtype: "int8", typedArrayConstructor: Int8Array, elementType: ElementType.INT8 },
  { dtype: "int16", typedArrayConstructor: Int16Array, elementType: ElementType.INT16 },
  { dtype: "int64", typedArrayConstructor: BigInt64Array, elementType: ElementType.INT64 },`;
  const patched = src
    .replace(anchor, extra)
    .replace(importLine, `from ${JSON.stringify(pathToFileURL(WASM_UTILS).href)}`)
    .replace('export {', 'export {\n  LiteRtBoolArray,\n  LiteRtHalfArray,');
  const hash = crypto.createHash('sha256').update(patched).digest('hex').slice(0, 16);
  const name = `litertjs-core-${hash}.mjs`;
  for (const dir of [path.join(HERE, '.cache'), path.join(os.tmpdir(), `npuquant-oracles-${process.getuid?.() ?? 0}`)]) {
    const file = path.join(dir, name);
    try {
      if (fs.existsSync(file)) return file;
      fs.mkdirSync(dir, { recursive: true });
      // Write then rename: tests run in parallel and must never import a half-written file.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, patched);
      fs.renameSync(tmp, file);
      return file;
    } catch {
      // not writable: try the next place
    }
  }
  throw new Error('cannot write the patched LiteRT.js wrapper (tests/oracles/.cache and the temp dir are not writable)');
}

// The wrapper loads the emscripten glue with importScripts() as in a web worker. Evaluate
// the glue with node:vm, handing it the CommonJS bits it uses on Node (require for node:fs,
// __dirname to find the .wasm next to it).
function installBrowserShims() {
  const require = createRequire(import.meta.url);
  globalThis.self = globalThis;
  globalThis.importScripts = (file) => {
    const p = file.startsWith('file:') ? fileURLToPath(file) : file;
    const code = `(function (require, __dirname, module, exports) {\n${fs.readFileSync(p, 'utf8')}\nreturn ModuleFactory;\n})`;
    const factory = vm.runInThisContext(code, { filename: p })(require, path.dirname(p), undefined, undefined);
    globalThis.ModuleFactory = factory;
  };
  globalThis.Module = { print: (s) => runtimeLog.push(s), printErr: (s) => runtimeLog.push(s) };
}

async function loadRuntime(optimize) {
  // V8 compiles the 9 MB module with Liftoff and re-optimises hot code with TurboFan in the
  // background; for a single run that second tier costs ~3x the start-up time and buys
  // nothing, so it is kept only when timing (--repeat).
  if (!optimize) v8.setFlagsFromString('--liftoff-only');
  const core = await import(pathToFileURL(patchedCorePath()).href);
  installBrowserShims();
  await core.loadLiteRt(path.join(CORE_DIR, 'wasm') + path.sep);
  return core;
}

// Picks the LiteRT signature runner that executes subgraph 0 and returns, for LiteRT's
// input and output positions, the position in subgraph 0's inputs/outputs.
function mapSignature(model, io, file) {
  const fileSigs = new Map(io.signatures.map((s) => [s.key, s]));
  let runner = null;
  let fileSig = null;
  for (const [key, r] of Object.entries(model.signatures)) {
    const s = fileSigs.get(key);
    if (s && s.subgraph === 0) { runner = r; fileSig = s; break; }
  }
  if (!runner) {
    if (io.signatures.length > 0 && io.signatures.every((s) => s.subgraph !== 0)) {
      throw new Error(`${file}: no SignatureDef runs subgraph 0`);
    }
    runner = model.signatures[model.key];
  }
  const mapSide = (details, tensors, sigMaps, side) => details.map((d, j) => {
    let k = -1;
    if (fileSig) {
      const m = sigMaps.find((x) => x.name === d.name);
      if (!m) throw new Error(`${file}: LiteRT ${side} '${d.name}' is not in SignatureDef '${fileSig.key}'`);
      k = tensors.findIndex((t) => t.index === m.tensor);
      if (k < 0) throw new Error(`${file}: signature ${side} '${d.name}' is tensor ${m.tensor}, which is not a subgraph 0 ${side}`);
    } else {
      // Placeholder signature: LiteRT names the subgraph's own tensors, in subgraph order.
      const byName = tensors.filter((t) => t.name === d.name);
      k = byName.length === 1 ? tensors.indexOf(byName[0]) : j;
    }
    return k;
  });
  const inputs = runner.getInputDetails();
  const outputs = runner.getOutputDetails();
  if (inputs.length !== io.inputs.length || outputs.length !== io.outputs.length) {
    throw new Error(`${file}: LiteRT sees ${inputs.length} inputs/${outputs.length} outputs, subgraph 0 has ${io.inputs.length}/${io.outputs.length}`);
  }
  const inMap = mapSide(inputs, io.inputs, fileSig?.inputs, 'input');
  const outMap = mapSide(outputs, io.outputs, fileSig?.outputs, 'output');
  for (const [m, side] of [[inMap, 'input'], [outMap, 'output']]) {
    if (new Set(m).size !== m.length) throw new Error(`${file}: cannot match LiteRT's ${side}s to subgraph 0's ${side}s one to one`);
  }
  return { runner, inputs, outputs, inMap, outMap, key: runner.key };
}

// LiteRT reports shape_signature (with -1 for a dynamic batch); the tensor it is fed has
// the file's static shape.
function makeInputTensor(core, detail, fileInfo, npy, file) {
  const shape = Array.from(detail.shape).some((d) => d < 0) ? fileInfo.shape : Array.from(detail.shape);
  const count = shape.reduce((a, b) => a * b, 1);
  if (npy.dtype !== detail.dtype) {
    throw new Error(`${file}: dtype ${npy.dtype}, but model input '${detail.name}' is ${detail.dtype}`);
  }
  if (npy.data.length !== count) {
    throw new Error(`${file}: shape [${npy.shape}] has ${npy.data.length} elements, model input '${detail.name}' has shape [${shape}] (${count})`);
  }
  let data = npy.data;
  if (detail.dtype === 'bool') data = new core.LiteRtBoolArray(npy.data.buffer, npy.data.byteOffset, npy.data.length);
  if (detail.dtype === 'float16') data = new core.LiteRtHalfArray(npy.data.buffer, npy.data.byteOffset, npy.data.length);
  return new core.Tensor(data, shape);
}

function writeOutputs(outTensors, sig, prefix) {
  outTensors.forEach((t, j) => {
    const k = sig.outMap[j];
    const dtype = sig.outputs[j].dtype;
    const shape = t.type?.layout?.dimensions ?? Array.from(sig.outputs[j].shape);
    const raw = t.toTypedArray();
    writeNpy(`${prefix}.out${k}.npy`, dtype, Array.from(shape), raw);
  });
}

// shape: the file's static shape; shape_signature: LiteRT's view when it differs (-1 dims).
function tensorJson(d, fileInfo) {
  const j = { name: d.name, shape: fileInfo.shape, dtype: d.dtype };
  const seen = Array.from(d.shape);
  if (seen.join() !== fileInfo.shape.join()) j.shape_signature = seen;
  return j;
}

// --batch: slice sample i of every stacked input, run, stack the outputs.
async function runBatch(core, sig, io, inPaths, prefix) {
  const stacks = inPaths.map((p) => readNpy(p));
  const n = stacks[0].shape[0];
  stacks.forEach((s, k) => {
    if (s.shape.length < 1 || s.shape[0] !== n) {
      throw new Error(`${inPaths[k]}: --batch needs every input to stack the same number of samples (${n}), got shape [${s.shape}]`);
    }
  });
  const outs = sig.outputs.map(() => ({ parts: [], shape: null }));
  for (let i = 0; i < n; i++) {
    const inputs = sig.inputs.map((d, j) => {
      const k = sig.inMap[j];
      const s = stacks[k];
      const per = s.data.length / n;
      const one = { dtype: s.dtype, shape: s.shape.slice(1), data: s.data.subarray(i * per, (i + 1) * per) };
      return makeInputTensor(core, d, io.inputs[k], one, `${inPaths[k]}[${i}]`);
    });
    const res = await sig.runner.run(inputs);
    checkRan();
    res.forEach((t, j) => {
      outs[j].shape = t.type?.layout?.dimensions ?? Array.from(sig.outputs[j].shape);
      outs[j].parts.push(t.toTypedArray().slice());
      t.delete();
    });
    inputs.forEach((t) => t.delete());
  }
  outs.forEach((o, j) => {
    const Ctor = o.parts[0].constructor;
    const all = new Ctor(o.parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of o.parts) { all.set(p, at); at += p.length; }
    writeNpy(`${prefix}.out${sig.outMap[j]}.npy`, sig.outputs[j].dtype, [n, ...Array.from(o.shape)], all);
  });
}

async function main() {
  const args = process.argv.slice(2);
  let repeat = 0;
  let info = false;
  let strict = false;
  let batch = false;
  while (args.length && args[0].startsWith('--')) {
    const a = args.shift();
    if (a === '--repeat') {
      repeat = Number(args.shift());
      if (!Number.isInteger(repeat) || repeat < 1) usage();
    } else if (a === '--info') {
      info = true;
    } else if (a === '--strict-shapes') {
      strict = true;
    } else if (a === '--batch') {
      batch = true;
    } else {
      usage();
    }
  }
  if (info ? args.length !== 1 : args.length < 2) usage();
  if (!fs.existsSync(path.join(CORE_DIR, 'package.json'))) {
    process.stderr.write('SKIP: LiteRT.js (@litertjs/core) is not installed in tests/oracles/node_modules (run scripts/setup.sh)\n');
    process.exit(77);
  }
  const [modelPath, prefix, ...inPaths] = args;
  const bytes = new Uint8Array(fs.readFileSync(modelPath));
  const io = readTfliteIo(modelPath, bytes);
  const pinned = strict ? 0 : pinDynamicDims(bytes, modelPath);
  const t0 = performance.now();
  const core = await loadRuntime(repeat > 0);
  const model = await core.loadAndCompile(bytes, { accelerator: 'wasm' });
  const loadMs = performance.now() - t0;
  const sig = mapSignature(model, io, modelPath);
  // LiteRT.js leaves an output that is a graph input (no op writes it) uninitialised
  // rather than copying the input; refuse instead of handing back garbage.
  const passThrough = io.outputs.filter((o) => io.inputs.some((i) => i.index === o.index));
  if (!info && passThrough.length) {
    throw new Error(`${modelPath}: output tensor '${passThrough[0].name}' is also a graph input; LiteRT.js does not produce such outputs`);
  }
  if (info) {
    // Listed in subgraph 0 order, like the outputs this runner writes.
    const inOrder = io.inputs.map((_, k) => sig.inputs[sig.inMap.indexOf(k)]);
    const outOrder = io.outputs.map((_, k) => sig.outputs[sig.outMap.indexOf(k)]);
    process.stdout.write(`${JSON.stringify({
      signature: sig.key,
      inputs: inOrder.map((d, k) => tensorJson(d, io.inputs[k])),
      outputs: outOrder.map((d, k) => tensorJson(d, io.outputs[k])),
      litert_input_order: sig.inMap,
      litert_output_order: sig.outMap,
      pinned_dynamic_dims: pinned,
      load_ms: Number(loadMs.toFixed(1)),
    })}\n`);
    return;
  }
  if (inPaths.length !== io.inputs.length) {
    throw new Error(`${modelPath} has ${io.inputs.length} inputs, ${inPaths.length} .npy files given`);
  }
  if (batch) {
    if (repeat > 0) usage();
    await runBatch(core, sig, io, inPaths, prefix);
    model.delete();
    return;
  }
  // LiteRT input j is subgraph input inMap[j], i.e. command-line file inPaths[inMap[j]].
  const inputs = sig.inputs.map((d, j) => makeInputTensor(core, d, io.inputs[sig.inMap[j]], readNpy(inPaths[sig.inMap[j]]), inPaths[sig.inMap[j]]));
  const first = await sig.runner.run(inputs);
  checkRan();
  writeOutputs(first, sig, prefix);
  first.forEach((t) => t.delete());
  if (repeat > 0) {
    const times = [];
    for (let i = 0; i < repeat; i++) {
      const s = performance.now();
      const outs = await sig.runner.run(inputs);
      times.push(performance.now() - s);
      outs.forEach((t) => t.delete());
    }
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    process.stdout.write(`${JSON.stringify({ min_ms: Number(times[0].toFixed(3)), median_ms: Number(median.toFixed(3)), runs: repeat, load_ms: Number(loadMs.toFixed(1)) })}\n`);
  }
  inputs.forEach((t) => t.delete());
  model.delete();
}

main().then(() => process.exit(0), (e) => fail(e?.message ?? e));
