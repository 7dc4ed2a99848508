'use strict';
// End to end with the bgsim binary: the example app passes T1 and T2, and its twin that
// never calls completeHandler is caught by handler-once. The binary is $BGSIM, else the
// repository's target/debug or target/release build, else /work/main/target/debug/bgsim;
// without one these tests are skipped (and say so).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..', '..');
const APP = 'node clients/node/examples/downloader_app.js';

function findBgsim() {
  const candidates = [
    process.env.BGSIM,
    path.join(REPO, 'target', 'debug', 'bgsim'),
    path.join(REPO, 'target', 'release', 'bgsim'),
    '/work/main/target/debug/bgsim',
  ];
  return candidates.find((p) => p && fs.existsSync(p)) || null;
}

const BGSIM = findBgsim();
const skip = BGSIM ? false : 'no bgsim binary (set BGSIM=path/to/bgsim)';

function bgsim(args) {
  const r = spawnSync(BGSIM, args, { cwd: REPO, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const scenario = (prefix) => {
  const name = fs.readdirSync(path.join(REPO, 'scenarios')).find((f) => f.startsWith(prefix));
  return path.join('scenarios', name);
};

test('the example passes T1 (a system kill, one batched background relaunch)', { skip }, () => {
  const r = bgsim(['run', '--app-command', APP, scenario('t1-')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /completionHandler h1 .* called on main count=1/);
});

test('the example passes T2 (a force-quit, resumed from its resume data)', { skip }, () => {
  const r = bgsim(['run', '--app-command', APP, scenario('t2-')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created http:\/\/fixtures.bgsim.test\/big.bin from-resume-data@/);
});

test('the twin that never calls completeHandler fails T1 on handler-once and wake-budget', { skip }, () => {
  const r = bgsim(['run', '--app-command', `${APP} --bug no-complete-handler`, scenario('t1-')]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✗ handler-once/);
  assert.match(r.out, /✗ wake-budget/);
});
