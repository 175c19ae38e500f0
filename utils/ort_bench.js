#!/usr/bin/env node
// Times FP32 inference of an ONNX model with ONNX Runtime (onnxruntime-node).
//
// Usage:
//   node utils/ort_bench.js --model PATH --batch N --repeats R [--threads 1]
//                           [--ort-dir DIR]
//
// Creates an InferenceSession (intraOpNumThreads=threads, interOpNumThreads=1,
// graphOptimizationLevel 'all', executionMode 'sequential'), feeds the
// model's first input a random float tensor of shape [N, ...] (the other
// dimensions are read from the model, which must have fixed shapes), does 3
// warm-up runs and then R timed runs, and prints one JSON line to stdout:
//   {"min_ms":..,"median_ms":..,"runs":R,"batch":N}
//
// onnxruntime-node is loaded from DIR/node_modules (default DIR: the
// repository root). Install it there with:
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --prefix DIR \
//       onnxruntime-node
// (without ONNXRUNTIME_NODE_INSTALL=skip the install tries to download GPU
// files and fails). Exit status: 0 on success, 1 on a run error, 2 on bad
// arguments or when onnxruntime-node cannot be loaded.
'use strict';

const path = require('path');

const WARMUP_RUNS = 3;

function fail(message, status) {
  process.stderr.write(`ort_bench: ${message}\n`);
  process.exit(status);
}

function usage() {
  return 'usage: node utils/ort_bench.js --model PATH --batch N --repeats R ' +
      '[--threads T] [--ort-dir DIR]';
}

function parseArgs(argv) {
  const opts = {
    model: null,
    batch: null,
    repeats: 10,
    threads: 1,
    ortDir: path.resolve(__dirname, '..'),
  };
  const positiveInt = (name, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      fail(`${name} needs a positive integer, got '${text}'`, 2);
    return n;
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(usage() + '\n');
      process.exit(0);
    }
    let key = arg;
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      key = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined) fail(`${arg} needs a value; ${usage()}`, 2);
      ++i;
    }
    switch (key) {
      case '--model': opts.model = value; break;
      case '--batch': opts.batch = positiveInt(key, value); break;
      case '--repeats': opts.repeats = positiveInt(key, value); break;
      case '--threads': opts.threads = positiveInt(key, value); break;
      case '--ort-dir': opts.ortDir = path.resolve(value); break;
      default: fail(`unknown option '${arg}'; ${usage()}`, 2);
    }
  }
  if (!opts.model) fail(`--model is required; ${usage()}`, 2);
  return opts;
}

function loadOrt(ortDir) {
  const modulePath = path.join(ortDir, 'node_modules', 'onnxruntime-node');
  try {
    return require(modulePath);
  } catch (e) {
    const why = String(e && e.message ? e.message : e).split('\n')[0];
    fail(`cannot load onnxruntime-node from ${modulePath} (${why}); ` +
             `install it with: ONNXRUNTIME_NODE_INSTALL=skip npm install ` +
             `--no-save --prefix ${ortDir} onnxruntime-node`,
         2);
  }
}

/// Shape [batch, ...] of the session's first input, from the model.
function inputShape(session, batch) {
  const name = session.inputNames[0];
  const meta = (session.inputMetadata || []).find((m) => m.name === name) ||
      (session.inputMetadata || [])[0];
  if (!meta || !meta.isTensor || !Array.isArray(meta.shape) ||
      meta.shape.length === 0)
    fail(`cannot read the shape of input '${name}' from the model`, 2);
  if (meta.type !== undefined && meta.type !== 'float32')
    fail(`input '${name}' is ${meta.type}, only float32 is supported`, 2);
  const shape = meta.shape.slice();
  const modelBatch = shape[0];
  if (typeof modelBatch === 'number' && modelBatch > 0) {
    if (batch === null) batch = modelBatch;
    else if (batch !== modelBatch)
      fail(`--batch ${batch} but the model's input '${name}' has a fixed ` +
               `batch of ${modelBatch}`,
           2);
  } else if (batch === null) {
    batch = 1;
  }
  shape[0] = batch;
  for (let i = 1; i < shape.length; ++i)
    if (typeof shape[i] !== 'number' || shape[i] < 1)
      fail(`input '${name}' has a non-fixed dimension ${i} ` +
               `(${JSON.stringify(meta.shape)})`,
           2);
  return {name, shape, batch};
}

/// Deterministic uniform [0, 1) data (xorshift32), so runs are repeatable.
function randomData(count) {
  const data = new Float32Array(count);
  let s = 0x12345678;
  for (let i = 0; i < count; ++i) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = (s >>> 0) / 4294967296;
  }
  return data;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const ort = loadOrt(opts.ortDir);

  const session = await ort.InferenceSession.create(opts.model, {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
  const {name, shape, batch} = inputShape(session, opts.batch);
  const count = shape.reduce((a, b) => a * b, 1);
  const feeds = {[name]: new ort.Tensor('float32', randomData(count), shape)};

  for (let i = 0; i < WARMUP_RUNS; ++i) await session.run(feeds);

  const times = [];
  for (let i = 0; i < opts.repeats; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] :
                                    (times[mid - 1] + times[mid]) / 2;
  const round = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    min_ms: round(times[0]),
    median_ms: round(median),
    runs: opts.repeats,
    batch: batch,
  }) + '\n');
  if (session.release) await session.release();
}

main().catch((e) => {
  const why = String(e && e.message ? e.message : e).split('\n')[0];
  fail(why, 1);
});
