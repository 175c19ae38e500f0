#!/usr/bin/env node
// Runs an ONNX model once with ONNX Runtime (onnxruntime-node) on a raw
// float32 input and writes its first output as raw float32.
//
// Usage:
//   node utils/ort_run.js --model PATH --input FILE --shape N,C,H,W
//                         --output FILE [--ort-dir DIR]
//
// onnxruntime-node is loaded from DIR/node_modules (default: the
// repository root); install it as utils/ort_bench.js says. Exit status: 0
// on success, 1 on a run error, 2 on bad arguments, 77 when
// onnxruntime-node cannot be loaded (a test skips then).
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message, status) {
  process.stderr.write(`ort_run: ${message}\n`);
  process.exit(status);
}

const opts = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
    fail(`bad argument '${argv[i]}'`, 2);
  }
  opts[argv[i].slice(2)] = argv[i + 1];
}
for (const k of ['model', 'input', 'shape', 'output']) {
  if (!opts[k]) {
    fail(`--${k} is required`, 2);
  }
}
const dir = opts['ort-dir'] || path.join(__dirname, '..');
let ort;
try {
  ort = require(path.join(path.resolve(dir), 'node_modules', 'onnxruntime-node'));
} catch (e) {
  fail(`onnxruntime-node not found under ${dir}/node_modules`, 77);
}
const dims = opts.shape.split(',').map(Number);
if (dims.some((d) => !(d > 0))) {
  fail(`bad --shape '${opts.shape}'`, 2);
}
const bytes = fs.readFileSync(opts.input);
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
if (data.length !== dims.reduce((a, b) => a * b, 1)) {
  fail(`--input holds ${data.length} floats, --shape needs another count`, 2);
}
(async () => {
  const session = await ort.InferenceSession.create(opts.model, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', data, dims);
  const result = await session.run(feeds);
  const out = result[session.outputNames[0]].data;
  fs.writeFileSync(opts.output, Buffer.from(out.buffer, out.byteOffset,
                                            out.byteLength));
})().catch((e) => fail(String(e.message || e), 1));
