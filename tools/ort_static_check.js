#!/usr/bin/env node
// Checks a static-shape copy written by `tinyrt optimize` with ONNX Runtime (npm package
// onnxruntime-node, CPU EP): ORT loads it, reports only fixed dims, runs it at those dims with the
// same outputs as the original dynamic model (within TOL), and refuses inputs of another size.
//
//   npm install --ignore-scripts onnxruntime-node   (in a scratch folder; the CPU library is
//                                                    bundled, the install script fetches GPU extras)
//   NODE_PATH=scratch/node_modules node tools/ort_static_check.js STATIC.onnx DYNAMIC.onnx [TOL]
//
// Inputs are filled deterministically from their names: *mask* -> 1, *type* -> 0, other integer
// inputs -> token ids 100..1099, float inputs -> 0.5. TOL (default 1e-5) bounds the max abs
// difference: ORT may pick other kernels once shapes are static, so bit-identity is not expected.
'use strict';
const ort = require('onnxruntime-node');

function feedsFor(meta, dims) {
  const n = dims.reduce((x, y) => x * y, 1);
  const lname = meta.name.toLowerCase();
  const fill = (i) => (lname.includes('mask') ? 1 : lname.includes('type') ? 0 : 100 + (i * 7919) % 1000);
  if (meta.type === 'int64') return new ort.Tensor('int64', BigInt64Array.from({length: n}, (_, i) => BigInt(fill(i))), dims);
  if (meta.type === 'int32') return new ort.Tensor('int32', Int32Array.from({length: n}, (_, i) => fill(i)), dims);
  if (meta.type === 'float32') return new ort.Tensor('float32', new Float32Array(n).fill(0.5), dims);
  throw new Error(`input '${meta.name}' has type ${meta.type}, which this check does not fill`);
}

async function main() {
  const [staticPath, dynamicPath, tolArg] = process.argv.slice(2);
  if (!staticPath || !dynamicPath) {
    process.stderr.write('usage: node tools/ort_static_check.js STATIC.onnx DYNAMIC.onnx [TOL]\n');
    process.exit(2);
  }
  const tol = tolArg ? Number(tolArg) : 1e-5;
  const opts = {intraOpNumThreads: 1};
  const s = await ort.InferenceSession.create(staticPath, opts);
  const d = await ort.InferenceSession.create(dynamicPath, opts);
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}`);
  let ok = true;
  const feeds = {}, bigger = {};
  for (const meta of s.inputMetadata) {
    console.log(`input  ${meta.name} ${meta.type} ${JSON.stringify(meta.shape)}`);
    if (!meta.shape.every((x) => typeof x === 'number' && x >= 0)) {
      console.log(`FAIL: input ${meta.name} still has a symbolic dim`);
      ok = false;
      continue;
    }
    feeds[meta.name] = feedsFor(meta, meta.shape);
    bigger[meta.name] = feedsFor(meta, meta.shape.map((x, i) => (i === 0 ? x + 1 : x)));
  }
  for (const meta of s.outputMetadata) console.log(`output ${meta.name} ${meta.type} ${JSON.stringify(meta.shape)}`);
  if (!ok) process.exit(1);
  const a = await s.run(feeds), b = await d.run(feeds);
  for (const name of s.outputNames) {
    let max = 0;
    for (let i = 0; i < a[name].data.length; i++) max = Math.max(max, Math.abs(a[name].data[i] - b[name].data[i]));
    const same = JSON.stringify(a[name].dims) === JSON.stringify(b[name].dims) && max <= tol;
    console.log(`${same ? 'ok' : 'FAIL'}: ${name} ${JSON.stringify(a[name].dims)} max |static - dynamic| = ${max}`);
    ok = ok && same;
  }
  try {
    await s.run(bigger);
    console.log('FAIL: the static model ran with a larger first dim');
    ok = false;
  } catch (e) {
    console.log(`ok: another size is refused: ${String(e.message).split('\n')[0]}`);
  }
  process.exit(ok ? 0 : 1);
}
main().catch((e) => {
  console.error('FAILED', e);
  process.exit(1);
});
