'use strict';
// The protocol layer against a fake bgsim: the handshake, calls and their answers, the
// event loop (routing, `return` after each event, promise continuations inside the turn),
// blocks (dispatch, timers, getAllTasks, cancelByProducingResumeData).

const test = require('node:test');
const assert = require('node:assert/strict');
const { Client, NSException, FileError, ProtocolError } = require('..');
const { FakeBgsim, taskObject } = require('./fake_bgsim');

test('hello carries the app, features and variants; the welcome is kept', () => {
  const peer = new FakeBgsim();
  const client = new Client(peer);
  const variants = [{ name: 'v', args: ['--bug', 'v'], caughtBy: ['handler-once'] }];
  const welcome = client.hello({ app: 'x', features: ['pause-resume'], variants });
  assert.deepEqual(peer.hello, { type: 'hello', protocol: 1, app: 'x', features: ['pause-resume'], variants });
  assert.equal(welcome.type, 'welcome');
  assert.deepEqual(client.sessionSettings, {});
});

test('a welcome of another protocol version, or none, is refused', () => {
  assert.throws(() => new Client(new FakeBgsim([], { protocol: 2 })).hello({ app: 'x' }), ProtocolError);
  const silent = { readLine: () => null, writeLine: () => {} };
  assert.throws(() => new Client(silent).hello({ app: 'x' }), ProtocolError);
});

test('calls that return get their value; exceptions and file errors are thrown', async () => {
  const seen = {};
  const peer = new FakeBgsim([{ type: 'didFinishLaunching', inBackground: false, urlSessionIdentifier: null }]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await client.serve({
    didFinishLaunching() {
      const s = client.createBackgroundSession({ identifier: 'com.x' });
      seen.session = s;
      seen.task = client.downloadTask(s, 'http://h/f');
      assert.throws(() => client.downloadTaskWithCompletionHandler(s, 'http://h/f'), NSException);
      client.writeFile('Documents/a.txt', 'hello');
      seen.text = client.readFile('Documents/a.txt').toString();
      seen.exists = client.fileExists('Documents/a.txt');
      seen.size = client.fileSize('Documents/a.txt');
      try {
        client.readFile('Documents/none');
      } catch (e) {
        seen.error = e;
      }
    },
  });
  assert.equal(seen.session, 0);
  assert.deepEqual(seen.task, { session: 'com.x', taskId: 1 });
  assert.equal(seen.text, 'hello');
  assert.equal(seen.exists, true);
  assert.equal(seen.size, 5);
  assert.ok(seen.error instanceof FileError);
  assert.equal(seen.error.code, 'not-found');
  assert.deepEqual(peer.made('return').length, 1);
});

test('each event ends with return, after the calls it made; void calls have no answer', async () => {
  const peer = new FakeBgsim([
    { type: 'didFinishLaunching', inBackground: false, urlSessionIdentifier: null },
    { type: 'applicationDidEnterBackground', state: 'background' },
  ]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await client.serve({
    didFinishLaunching() { client.log('one'); client.reportDownloadState('k', 'running'); },
    applicationDidEnterBackground() { assert.equal(client.appState, 'background'); client.log('two'); },
  });
  assert.deepEqual(peer.calls.map((c) => c.type), ['log', 'reportDownloadState', 'return', 'log', 'return']);
});

test('delegate events go to the delegate of their session identifier; the first one is kept', async () => {
  const got = [];
  const peer = new FakeBgsim([
    { type: 'didFinishLaunching' },
    { type: 'didWriteData', session: 'com.x', task: taskObject(1), bytesWritten: 1, totalBytesWritten: 1, totalBytesExpectedToWrite: 4, queue: 'delegate:com.x' },
    { type: 'urlSessionDidFinishEvents', session: 'com.other' },
  ]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await client.serve({
    didFinishLaunching() {
      client.createBackgroundSession({ identifier: 'com.x' }, { didWriteData: (ev) => got.push(['first', ev.totalBytesWritten, client.queue]) });
      client.createBackgroundSession({ identifier: 'com.x' }, { didWriteData: () => got.push(['second']) });
    },
  });
  assert.deepEqual(got, [['first', 1, 'delegate:com.x']]);
  assert.equal(peer.made('return').length, 3);
});

test('dispatched blocks, timers and completion blocks run when bgsim sends runBlock', async () => {
  const got = [];
  const peer = new FakeBgsim([
    { type: 'didFinishLaunching' },
    (p) => ({ type: 'runBlock', block: p.made('dispatch')[0].block, now_us: 1500000 }),
    (p) => ({ type: 'runBlock', block: p.made('dispatch')[1].block }),
    (p) => ({ type: 'runBlock', block: p.lastBlock('getAllTasks'), tasks: [taskObject(7)], queue: 'delegate:com.x' }),
    (p) => ({ type: 'runBlock', block: p.lastBlock('cancelByProducingResumeData'), resumeData: Buffer.from('RD').toString('base64') }),
  ]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await client.serve({
    didFinishLaunching() {
      const s = client.createBackgroundSession({ identifier: 'com.x' });
      client.setTimeout((a) => got.push(['timer', a, client.now_us]), 1500, 'arg');
      const cleared = client.setTimeout(() => got.push(['cleared']), 10);
      client.clearTimeout(cleared);
      client.getAllTasks(s, (tasks) => got.push(['tasks', tasks.map((t) => t.key.taskId)]));
      client.cancelByProducingResumeData({ session: 'com.x', taskId: 7 }, (data) => got.push(['resume', data.toString()]));
    },
  });
  const [timer, cleared] = peer.made('dispatch');
  assert.equal(timer.delay_us, 1500000);
  assert.equal(timer.queue, 'main');
  assert.equal(cleared.delay_us, 10000);
  assert.deepEqual(got, [['timer', 'arg', 1500000], ['tasks', [7]], ['resume', 'RD']]);
});

test('promise continuations of a turn run inside it, before return', async () => {
  const peer = new FakeBgsim([
    { type: 'didFinishLaunching' },
    (p) => ({ type: 'runBlock', block: p.lastBlock('dispatch') }),
  ]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await client.serve({
    async didFinishLaunching() {
      await new Promise((resolve) => client.dispatch('main', resolve));
      await null;
      client.log('after the block');
    },
  });
  const log = peer.made('log')[0];
  assert.equal(log.turn, 1); // in the runBlock's turn, before its return
  assert.deepEqual(peer.calls.filter((c) => c.turn === 1).map((c) => c.type), ['log', 'return']);
});

test('an exception in a handler stops the loop (the app crashes)', async () => {
  const client = new Client(new FakeBgsim([{ type: 'didFinishLaunching' }]));
  client.hello({ app: 'x' });
  await assert.rejects(client.serve({ didFinishLaunching() { throw new Error('boom'); } }), /boom/);
});

test('an answer that is not an answer is a protocol error', () => {
  const lines = [JSON.stringify({ type: 'welcome', protocol: 1 }), JSON.stringify({ type: 'didFinishLaunching' })];
  const client = new Client({ readLine: () => lines.shift() || null, writeLine: () => {} });
  client.hello({ app: 'x' });
  assert.throws(() => client.fileExists('x'), ProtocolError);
});

test('an async handler that rejects is a crash at the end of its turn', async () => {
  const peer = new FakeBgsim([{ type: 'didFinishLaunching' }, { type: 'applicationDidEnterBackground' }]);
  const client = new Client(peer);
  client.hello({ app: 'x' });
  await assert.rejects(client.serve({ async didFinishLaunching() { await null; throw new Error('late boom'); } }), /late boom/);
  assert.equal(peer.made('return').length, 0);
});
