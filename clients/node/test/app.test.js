'use strict';
// The example app as bgsim runs it: a child process with pipes, driven by the fake bgsim.
// Its hello, the probe (standard input closed after the welcome), a download from the tap
// to done, a relaunch that re-attaches, and the twin that never calls completeHandler.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const readline = require('readline');
const { spawn } = require('child_process');
const { FakeBgsim, taskObject } = require('./fake_bgsim');

const APP = path.resolve(__dirname, '..', 'examples', 'downloader_app.js');
const SESSION = 'com.example.app.backgrounddownloadtask';
const STORE = 'Library/Application Support/downloads.json';
const tmp = 'Library/Caches/com.apple.nsurlsessiond/Downloads/x.tmp';
const delegateEvent = (type, fields) => ({ type, session: SESSION, queue: `delegate:${SESSION}`, state: 'background', ...fields });

/** Runs the app with `args` against `peer` until the script ends; resolves with its exit code. */
function drive(peer, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    // After the hello or a return, nothing more to send means end of input (as bgsim's
    // probe closes it after the welcome, or a run's last event).
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const type = JSON.parse(line).type;
        const turn = peer.turn;
        peer.writeLine(line);
        const turnOver = type === 'hello' || type === 'return';
        while (peer.queue.length) child.stdin.write(`${peer.queue.shift()}\n`);
        if (turnOver && peer.turn === turn && peer.script.length === 0) child.stdin.end();
      } catch (e) {
        reject(e);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const launch = (inBackground = false) => ({ type: 'didFinishLaunching', inBackground, urlSessionIdentifier: inBackground ? SESSION : null });
const lookup = (tasks = []) => (p) => ({ type: 'runBlock', block: p.lastBlock('getAllTasks'), tasks, queue: `delegate:${SESSION}` });
const tap = { type: 'userTappedDownload', url: 'http://fixtures.bgsim.test/f.bin', destination: 'Documents/f.bin' };
const task1 = taskObject(1, { description: 'dl-1' });
const finish = (p) => { p.files.set(tmp, Buffer.from('abcd')); return delegateEvent('didFinishDownloadingTo', { task: task1, location: tmp }); };

test('hello names the app, its features and its buggy variants; the probe exits 0', async () => {
  const peer = new FakeBgsim([]);
  const { code } = await drive(peer);
  assert.equal(code, 0);
  assert.equal(peer.hello.protocol, 1);
  assert.equal(peer.hello.app, 'rn-downloader-example');
  assert.deepEqual(peer.hello.features, ['pause-resume']);
  const twin = peer.hello.variants.find((v) => v.args.join(' ') === '--bug no-complete-handler');
  assert.deepEqual(twin.caughtBy, ['handler-once', 'wake-budget']);
  assert.equal(peer.calls.length, 0);
});

test('a download from the tap to done: reported, moved inside the callback, persisted', async () => {
  const peer = new FakeBgsim([
    launch(), lookup(), tap,
    delegateEvent('didWriteData', { task: task1, bytesWritten: 4, totalBytesWritten: 4, totalBytesExpectedToWrite: 4 }),
    finish,
    delegateEvent('didCompleteWithError', { task: task1, error: null }),
  ]);
  const { code, stderr } = await drive(peer);
  assert.equal(code, 0, stderr);
  const states = peer.made('reportDownloadState').map((c) => [c.key, c.state, c.turn]);
  assert.deepEqual(states, [['dl-1', 'running', 2], ['dl-1', 'done', 4]]);
  // Reported first in the tap, before the task exists (bgsim ties the key to the tap).
  const tapTurn = peer.calls.filter((c) => c.turn === 2).map((c) => c.type);
  assert.ok(tapTurn.indexOf('reportDownloadState') < tapTurn.indexOf('downloadTask'));
  assert.deepEqual(peer.made('reportProgress').map((c) => c.fraction), [1]);
  assert.equal(peer.files.get('Documents/f.bin').toString(), 'abcd');
  assert.equal(JSON.parse(peer.files.get(STORE)).app.downloads['dl-1'].state, 'done');
});

test('a relaunch re-attaches by the id in taskDescription, and the wake ends with the handler', async () => {
  const first = new FakeBgsim([launch(), lookup(), tap]);
  assert.equal((await drive(first)).code, 0);
  const files = Object.fromEntries(first.files);
  const wake = new FakeBgsim([
    launch(true),
    { type: 'handleEventsForBackgroundURLSession', identifier: SESSION, handler: 0, state: 'background' },
    finish,
    delegateEvent('didCompleteWithError', { task: task1, error: null }),
    delegateEvent('urlSessionDidFinishEvents', {}),
    lookup(),
    (p) => ({ type: 'runBlock', block: p.lastBlock('dispatch'), state: 'background' }),
  ], { files });
  const { code, stderr } = await drive(wake);
  assert.equal(code, 0, stderr);
  assert.deepEqual(wake.made('reportDownloadState').map((c) => [c.key, c.state]), [['dl-1', 'done']]);
  assert.deepEqual(wake.made('callCompletionHandler').map((c) => c.handler), [0]);
  assert.equal(wake.made('dispatch')[0].queue, 'main');
  assert.equal(wake.files.get('Documents/f.bin').toString(), 'abcd');
});

test('the twin never calls completeHandler, so the handler is never called', async () => {
  const first = new FakeBgsim([launch(), lookup(), tap]);
  assert.equal((await drive(first, ['--bug', 'no-complete-handler'])).code, 0);
  const wake = new FakeBgsim([
    launch(true),
    { type: 'handleEventsForBackgroundURLSession', identifier: SESSION, handler: 0, state: 'background' },
    finish,
    delegateEvent('didCompleteWithError', { task: task1, error: null }),
    delegateEvent('urlSessionDidFinishEvents', {}),
    lookup(),
  ], { files: Object.fromEntries(first.files) });
  const { code } = await drive(wake, ['--bug', 'no-complete-handler']);
  assert.equal(code, 0);
  assert.deepEqual(wake.made('reportDownloadState').map((c) => c.state), ['done']);
  assert.equal(wake.made('dispatch').length, 0);
  assert.equal(wake.made('callCompletionHandler').length, 0);
});

test('an unknown bug is refused with exit status 2', async () => {
  const { code, stderr } = await drive(new FakeBgsim([]), ['--bug', 'nope']);
  assert.equal(code, 2);
  assert.match(stderr, /unknown bug nope/);
});
