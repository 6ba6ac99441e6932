#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (npm package onnxruntime-node, CPU EP) with profiling on and
// writes ORT's Chrome-trace profile to OUT. Used to make tests/fixtures/ort_profile_bert_tiny.json.
//
//   npm install --ignore-scripts onnxruntime-node   (in a scratch folder; its install script only
//                                                    fetches GPU extras, the CPU library is bundled)
//   NODE_PATH=scratch/node_modules node tools/ort_profile.js MODEL OUT.json \
//       [--shape batch_size=1,sequence_length=128] [--runs 20] [--threads 1] [--opt all]
//
// Inputs are filled deterministically from their names: *mask* -> 1, *type* -> 0, other integer
// inputs -> token ids 100..1099, float inputs -> 0.5. Symbolic dims come from --shape; a symbolic
// dim not named there is an error.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function usage(msg) {
  if (msg) process.stderr.write(`ort_profile: ${msg}\n`);
  process.stderr.write('usage: node tools/ort_profile.js MODEL OUT.json [--shape D=N,...] ' +
                       '[--runs N] [--threads N] [--opt disabled|basic|extended|all]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = {shape: {}, runs: 20, threads: 1, opt: 'all', pos: []};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${k} needs a value`));
    if (k === '--shape') {
      for (const kv of next().split(',')) {
        const [d, v] = kv.split('=');
        if (!d || !/^[0-9]+$/.test(v || '')) usage(`bad --shape entry '${kv}' (want DIM=N)`);
        a.shape[d] = Number(v);
      }
    } else if (k === '--runs') a.runs = Number(next());
    else if (k === '--threads') a.threads = Number(next());
    else if (k === '--opt') a.opt = next();
    else if (k === '--help' || k === '-h') usage();
    else a.pos.push(k);
  }
  if (a.pos.length !== 2) usage('need MODEL and OUT.json');
  if (!(a.runs >= 1) || !(a.threads >= 1)) usage('--runs and --threads must be >= 1');
  if (Object.keys(a.shape).length === 0) a.shape = {batch_size: 1, sequence_length: 128};
  return a;
}

function makeFeeds(ort, session, shape) {
  const feeds = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor`);
    const dims = meta.shape.map((d) => {
      if (typeof d === 'number' && d >= 0) return d;
      if (typeof d === 'string' && d in shape) return shape[d];
      throw new Error(`input '${meta.name}' has dim '${d}'; give it with --shape ${d}=N`);
    });
    const n = dims.reduce((x, y) => x * y, 1);
    const lname = meta.name.toLowerCase();
    if (meta.type === 'int64' || meta.type === 'int32') {
      const big = meta.type === 'int64';
      const data = big ? new BigInt64Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = lname.includes('mask') ? 1 : lname.includes('type') ? 0 : 100 + (i * 37) % 1000;
        data[i] = big ? BigInt(v) : v;
      }
      feeds[meta.name] = new ort.Tensor(meta.type, data, dims);
    } else if (meta.type === 'float32') {
      feeds[meta.name] = new ort.Tensor('float32', new Float32Array(n).fill(0.5), dims);
    } else {
      throw new Error(`input '${meta.name}' has type ${meta.type}, which this script does not fill`);
    }
  }
  return feeds;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const ort = require('onnxruntime-node');
  const [model, out] = a.pos;
  // ORT appends "_<date>.json" to the prefix; a private folder lets us find the file it wrote.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: a.opt,
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'ort'),
  });
  const feeds = makeFeeds(ort, session, a.shape);
  for (let r = 0; r < a.runs; r++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length !== 1) throw new Error(`expected one profile in ${dir}, found ${files.length}`);
  fs.copyFileSync(path.join(dir, files[0]), out);
  fs.rmSync(dir, {recursive: true, force: true});
  const events = JSON.parse(fs.readFileSync(out, 'utf8'));
  process.stdout.write(`ort_profile: onnxruntime-node ${require('onnxruntime-node/package.json').version}, ` +
                       `${a.runs} runs, ${a.threads} thread(s), ${events.length} events -> ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`ort_profile: ${e.message}\n`);
  process.exit(1);
});
