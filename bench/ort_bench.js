#!/usr/bin/env node
// The ONNX Runtime side of bench/vs_onnxruntime: times a model with onnxruntime-node (CPU EP)
// the way `tinyrt bench --json` does, and prints one JSON object with the same keys.
//
// Inputs are made exactly as tinyrt's synthetic inputs are (tools/tinyrt/cli_util.c): one
// xorshift64* stream with the same seed walked over the inputs in model order, attention masks
// all ones, index inputs drawn in [0, bound), everything else 0. tinyrt finds each bound from the
// embedding table the input indexes; node cannot see the graph, so the caller passes the bounds
// (--index-bound). bench/vs_onnxruntime checks once that both sides give the same outputs.
'use strict';

const fs = require('fs');
const path = require('path');

function usage(out) {
  out.write(`usage: node bench/ort_bench.js MODEL [options]

options:
  --shape DIM=N,...        values of the model's symbolic dims (default batch_size=1,sequence_length=128)
  --threads N              intra-op threads (default: the machine's cores); inter-op is 1
  --iterations N           timed runs (default 200)
  --warmup N               untimed runs first (default 20)
  --index-bound NAME=N,... inputs that index a table, with the table's row count
  --pad-fraction F         mask out the last floor(F*s) positions of every row (as tinyrt's
                           --pad-fraction does)
  --static                 fix the symbolic dims at session creation (freeDimensionOverrides)
  --opt-level LEVEL        disabled|basic|extended|all (default all)
  --write-outputs DIR      after timing, write DIR/<output>.npy (float32 outputs only)
  --ort-dir DIR            folder whose node_modules holds onnxruntime-node (default build/ort)
  --json                   print JSON (the only output format; accepted for symmetry)
`);
}

function fail(msg) {
  process.stderr.write(`ort_bench: ${msg}\n`);
  process.exit(2);
}

function parseIntArg(name, v, lo) {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < lo) fail(`${name} needs an integer >= ${lo}, got '${v}'`);
  return Number(v);
}

function parseDims(name, v) {
  const out = {};
  if (!v) fail(`${name} needs NAME=N,...`);
  for (const part of v.split(',')) {
    const m = /^([^=]+)=(\d+)$/.exec(part);
    if (!m) fail(`${name}: '${part}' is not NAME=N`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function parseArgs(argv) {
  const a = {
    model: null, shape: { batch_size: 1, sequence_length: 128 }, threads: require('os').cpus().length,
    iterations: 200, warmup: 20, bounds: {}, padFraction: 0, isStatic: false, optLevel: 'all',
    writeOutputs: null, ortDir: path.join(__dirname, '..', 'build', 'ort'),
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    switch (k) {
      case '-h': case '--help': usage(process.stdout); process.exit(0); break;
      case '--shape': a.shape = parseDims(k, v); i++; break;
      case '--threads': a.threads = parseIntArg(k, v, 1); i++; break;
      case '--iterations': a.iterations = parseIntArg(k, v, 1); i++; break;
      case '--warmup': a.warmup = parseIntArg(k, v, 0); i++; break;
      case '--index-bound': Object.assign(a.bounds, parseDims(k, v)); i++; break;
      case '--pad-fraction':
        a.padFraction = Number(v);
        if (!(a.padFraction >= 0 && a.padFraction < 1)) fail(`--pad-fraction needs 0 <= F < 1, got '${v}'`);
        i++;
        break;
      case '--static': a.isStatic = true; break;
      case '--opt-level':
        if (!['disabled', 'basic', 'extended', 'all'].includes(v)) fail(`--opt-level: unknown level '${v}'`);
        a.optLevel = v; i++;
        break;
      case '--write-outputs': a.writeOutputs = v; i++; break;
      case '--ort-dir': a.ortDir = v; i++; break;
      case '--json': break;
      default:
        if (k.startsWith('-') || a.model) { usage(process.stderr); fail(`unexpected argument '${k}'`); }
        a.model = k;
    }
  }
  if (!a.model) { usage(process.stderr); process.exit(2); }
  return a;
}

// Real length of each row when a fraction F of every sequence is padding, as tinyrt's
// --pad-fraction makes it (cli_pad_masks in tools/tinyrt/cli_util.c): the last floor(F·s)
// positions of every row, at least one real token left.
function rowLengths(batch, seq, padFraction) {
  const real = Math.max(1, seq - Math.floor(padFraction * seq));
  return new Array(batch).fill(real);
}

const MASK64 = (1n << 64n) - 1n;
function nextRand(state) {
  let s = state.s;
  s ^= s >> 12n;
  s = (s ^ (s << 25n)) & MASK64;
  s ^= s >> 27n;
  state.s = s;
  return (s * 2685821657736338717n) & MASK64;
}

function makeInputs(ort, session, a) {
  const feeds = {};
  const state = { s: 0x9E3779B97F4A7C15n };
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) fail(`input '${meta.name}' is not a tensor`);
    const dims = meta.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (!(d in a.shape)) fail(`input '${meta.name}' dim ${i} ('${d}') needs a value: --shape ${d}=N`);
      return a.shape[d];
    });
    const numel = dims.reduce((x, y) => x * y, 1);
    const isMask = meta.name.includes('mask');
    const bound = a.bounds[meta.name] || 0;
    // like tinyrt, padding zeroes only the mask: ids and token types keep their values there
    const padded = a.padFraction > 0 && isMask && dims.length === 2;
    const lens = padded ? rowLengths(dims[0], dims[1], a.padFraction) : null;
    let data;
    switch (meta.type) {
      case 'int64': data = new BigInt64Array(numel); break;
      case 'int32': data = new Int32Array(numel); break;
      case 'float32': data = new Float32Array(numel); break;
      case 'float64': data = new Float64Array(numel); break;
      case 'bool': data = new Uint8Array(numel); break;
      default: fail(`input '${meta.name}' has type ${meta.type}, which synthetic inputs do not cover`);
    }
    for (let k = 0; k < numel; k++) {
      const r = nextRand(state);
      const isPad = padded && k % dims[1] >= lens[Math.floor(k / dims[1])];
      const iv = isPad ? 0n : isMask ? 1n : bound > 0 ? r % BigInt(bound) : 0n;
      const fv = Number(r >> 11n) / 9007199254740992.0 * 2.0 - 1.0;
      switch (meta.type) {
        case 'int64': data[k] = iv; break;
        case 'int32': data[k] = Number(iv); break;
        case 'float32': case 'float64': data[k] = isPad ? 0 : isMask ? 1 : fv; break;
        case 'bool': data[k] = isPad ? 0 : 1; break;
      }
    }
    feeds[meta.name] = new ort.Tensor(meta.type, data, dims);
  }
  return feeds;
}

// Nearest-rank percentile, the same rule as tinyrt (src/prof/stats.c).
function percentile(sorted, p) {
  const n = sorted.length;
  if (n === 0) return 0;
  let rank = Math.floor((Math.round(p * 1000) * n + 99999) / 100000);
  rank = Math.max(1, Math.min(n, rank));
  return sorted[rank - 1];
}

function writeNpy(file, tensor) {
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre, 0);
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require(path.resolve(a.ortDir, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${a.ortDir}: ${e.message}`);
  }
  const opts = {
    executionProviders: ['cpu'], graphOptimizationLevel: a.optLevel,
    intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential',
  };
  if (a.isStatic) opts.freeDimensionOverrides = a.shape;
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(a.model, opts);
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = makeInputs(ort, session, a);

  let outputs;
  for (let i = 0; i < a.warmup; i++) outputs = await session.run(feeds);
  const samples = new Float64Array(a.iterations);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < a.iterations; i++) {
    const s = process.hrtime.bigint();
    outputs = await session.run(feeds);
    samples[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  const cpu = process.cpuUsage(cpu0);
  if (a.writeOutputs) {
    if (!outputs) outputs = await session.run(feeds);
    fs.mkdirSync(a.writeOutputs, { recursive: true });
    for (const [name, t] of Object.entries(outputs))
      if (t.type === 'float32') writeNpy(path.join(a.writeOutputs, `${name}.npy`), t);
  }

  samples.sort();
  const n = samples.length;
  const mean = samples.reduce((x, y) => x + y, 0) / n;
  const stdev = Math.sqrt(samples.reduce((x, y) => x + (y - mean) * (y - mean), 0) / n);
  const batch = a.shape.batch_size || 1;
  const ips = mean > 0 ? 1000 / mean : 0;
  const r = {
    model: a.model, shape: a.shape, static: a.isStatic, threads: a.threads, iterations: n,
    mean_ms: mean, p50_ms: percentile(samples, 50), p90_ms: percentile(samples, 90),
    p95_ms: percentile(samples, 95), p99_ms: percentile(samples, 99), min_ms: samples[0],
    max_ms: samples[n - 1], stdev_ms: stdev, inferences_per_s: ips, sequences_per_s: ips * batch,
    // InferenceSession.create loads and initializes in one call: all of it is session_init_ms
    session_init_ms: createMs, model_load_ms: 0,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    gflop_per_inference: null, peak_gflops: null, peak_1t_gflops: null, core_scaling: null,
    pct_of_peak: null, nodes: null, partitions: null,
    ort_version: ort.env.versions && ort.env.versions.common ? ort.env.versions.common : null,
    opt_level: a.optLevel, pad_fraction: a.padFraction,
    // CPU time of the whole process (all threads) per timed run: at 1 thread it is close to the
    // uncontended latency even when other processes take the cores (not comparable at 2 threads,
    // where ORT's pool threads spin while waiting)
    cpu_ms_per_run: (cpu.user + cpu.system) / 1000 / n,
  };
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
