#!/usr/bin/env node
// ort_bench.js MODEL.onnx --shape 1,3,224,224 [--threads N] [--runs N] [--warmup N]
//
// Latency of ONNX Runtime (onnxruntime-node's bundled native libonnxruntime,
// CPU execution provider, all graph optimisations) on one model, for side-by-
// side comparison with `seam bench`. Prints one JSON object: median, p90, min.
// Install once with: npm install --prefix tools/ort_bench --ignore-scripts onnxruntime-node
'use strict';
const path = require('path');

function parseArgs(argv) {
  const opts = {threads: 1, runs: 20, warmup: 3, model: null, shape: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--threads') opts.threads = parseInt(next(), 10);
    else if (a === '--runs') opts.runs = parseInt(next(), 10);
    else if (a === '--warmup') opts.warmup = parseInt(next(), 10);
    else if (a === '--shape') opts.shape = next().split(',').map((d) => parseInt(d, 10));
    else if (a === '-h' || a === '--help') {
      console.log('usage: ort_bench.js MODEL.onnx --shape 1,3,224,224 [--threads N] [--runs N] [--warmup N]');
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else opts.model = a;
  }
  if (!opts.model) throw new Error('give a model file');
  if (!opts.shape || opts.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error('give the input shape: --shape 1,3,224,224 (this onnxruntime-node has no input metadata)');
  }
  for (const k of ['threads', 'runs', 'warmup']) {
    if (!Number.isInteger(opts[k]) || opts[k] < (k === 'warmup' ? 0 : 1)) throw new Error(`bad --${k}`);
  }
  return opts;
}

function percentile(sorted, p) {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    throw new Error('onnxruntime-node is not installed: npm install --prefix tools/ort_bench ' +
                    '--ignore-scripts onnxruntime-node');
  }
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  if (session.inputNames.length !== 1) throw new Error('only single-input models are supported');
  const feeds = {};
  for (const name of session.inputNames) {
    const dims = opts.shape;
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; ++i) data[i] = ((i % 255) / 127.5) - 1.0;
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  const times = [];
  for (let r = 0; r < opts.warmup + opts.runs; ++r) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r >= opts.warmup) times.push(ms);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    runtime: 'onnxruntime', model: opts.model, threads: opts.threads, runs: opts.runs,
    median_ms: percentile(times, 50), p90_ms: percentile(times, 90), min_ms: times[0],
  }));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
