#!/usr/bin/env node
// Runs an .onnx model with ONNX Runtime (npm onnxruntime-node, CPU) as an independent
// oracle for npuquant's ONNX frontend.
//
//   node ort_run.mjs [--repeat N] [--threads T] MODEL.onnx OUT_PREFIX IN0.npy [IN1.npy ...]
//   node ort_run.mjs --info MODEL.onnx
//
// Inputs are given in the graph's input order (initializers excluded, as ONNX Runtime
// lists them); outputs are written in the graph's output order as OUT_PREFIX.out<k>.npy.
// Exit 0 on success, 1 with one line on stderr on failure, 77 with "SKIP: ..." when
// onnxruntime-node is not installed (run scripts/setup.sh). --threads sets ONNX Runtime's
// intra-op threads (default 1) for benchmarks that compare like with like.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readNpy, writeNpy } from './npy.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ORT_DIR = path.join(HERE, 'node_modules', 'onnxruntime-node');

function fail(msg) {
  process.stderr.write(`ort_run: ${String(msg).replace(/\s+/g, ' ')}\n`);
  process.exit(1);
}

function usage() {
  fail('usage: ort_run.mjs [--repeat N] [--threads T] MODEL.onnx OUT_PREFIX IN0.npy [IN1.npy ...] | --info MODEL.onnx');
}

// onnxruntime tensor type <-> npy dtype name (identical except 'bool').
const ORT_TO_NPY = { float32: 'float32', float64: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool' };

async function loadOrt() {
  if (!fs.existsSync(path.join(ORT_DIR, 'package.json'))) {
    process.stderr.write('SKIP: onnxruntime-node is not installed in tests/oracles/node_modules (run scripts/setup.sh)\n');
    process.exit(77);
  }
  const mod = await import(pathToFileURL(path.join(ORT_DIR, 'dist', 'index.js')).href).catch(() => import('onnxruntime-node'));
  return mod.default ?? mod;
}

function metaJson(m) {
  return { name: m.name, shape: m.isTensor ? m.shape : null, dtype: m.isTensor ? (ORT_TO_NPY[m.type] ?? m.type) : 'non-tensor' };
}

async function main() {
  const args = process.argv.slice(2);
  let repeat = 0;
  let info = false;
  let threads = 1;
  while (args.length && args[0].startsWith('--')) {
    const a = args.shift();
    if (a === '--repeat') {
      repeat = Number(args.shift());
      if (!Number.isInteger(repeat) || repeat < 1) usage();
    } else if (a === '--threads') {
      threads = Number(args.shift());
      if (!Number.isInteger(threads) || threads < 1) usage();
    } else if (a === '--info') {
      info = true;
    } else {
      usage();
    }
  }
  if (info ? args.length !== 1 : args.length < 2) usage();
  const ort = await loadOrt();
  const [modelPath, prefix, ...inPaths] = args;
  if (!fs.existsSync(modelPath)) throw new Error(`${modelPath}: no such file`);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const loadMs = performance.now() - t0;
  const inMeta = session.inputMetadata ?? session.inputNames.map((name) => ({ name }));
  const outMeta = session.outputMetadata ?? session.outputNames.map((name) => ({ name }));
  if (info) {
    process.stdout.write(`${JSON.stringify({ inputs: inMeta.map(metaJson), outputs: outMeta.map(metaJson), load_ms: Number(loadMs.toFixed(1)) })}\n`);
    return;
  }
  if (inPaths.length !== session.inputNames.length) {
    throw new Error(`${modelPath} has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}), ${inPaths.length} .npy files given`);
  }
  const feeds = {};
  session.inputNames.forEach((name, k) => {
    const npy = readNpy(inPaths[k]);
    const m = inMeta[k];
    if (m?.isTensor && ORT_TO_NPY[m.type] !== npy.dtype) {
      throw new Error(`${inPaths[k]}: dtype ${npy.dtype}, but model input '${name}' is ${m.type}`);
    }
    const type = npy.dtype === 'bool' ? 'bool' : npy.dtype;
    feeds[name] = new ort.Tensor(type, npy.dtype === 'bool' ? Uint8Array.from(npy.data) : npy.data, npy.shape);
  });
  const results = await session.run(feeds);
  session.outputNames.forEach((name, k) => {
    const t = results[name];
    const dtype = ORT_TO_NPY[t.type];
    if (!dtype) throw new Error(`output '${name}' has type ${t.type}, which cannot be written as .npy`);
    writeNpy(`${prefix}.out${k}.npy`, dtype, Array.from(t.dims), t.data);
  });
  if (repeat > 0) {
    const times = [];
    for (let i = 0; i < repeat; i++) {
      const s = performance.now();
      await session.run(feeds);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    process.stdout.write(`${JSON.stringify({ min_ms: Number(times[0].toFixed(3)), median_ms: Number(median.toFixed(3)), runs: repeat, load_ms: Number(loadMs.toFixed(1)) })}\n`);
  }
  await session.release?.();
}

main().then(() => process.exit(0), (e) => fail(e?.message ?? e));
