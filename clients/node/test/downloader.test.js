'use strict';
// The React Native downloader (native module + JS API) against a fake bgsim: tasks keyed by
// taskDescription, the move inside didFinishDownloadingTo before `done`, HTTP errors,
// short files, the completion handler, re-attaching after a relaunch, the force-quit,
// pause / resume / stop, and the locked device.

const test = require('node:test');
const assert = require('node:assert/strict');
const { runApp } = require('..');
const { FakeBgsim, taskObject } = require('./fake_bgsim');

const SESSION = 'com.example.app.backgrounddownloadtask';
const TASKS_JSON = 'Library/Application Support/RNBackgroundDownloader/tasks.json';
const delegateEvent = (type, fields) => ({ type, session: SESSION, queue: `delegate:${SESSION}`, ...fields });
const launch = { type: 'didFinishLaunching', inBackground: false, urlSessionIdentifier: null };

/** Runs `app` against a fake bgsim playing `script`; resolves with the peer when input ends. */
async function play(script, app, options) {
  const peer = new FakeBgsim(script, options);
  const ctx = runApp({ name: 'test', ...app }, peer);
  await ctx.finished;
  return { peer, ctx };
}

function tapAndDownload(log) {
  return {
    userTappedDownload({ url, destination }, ctx) {
      ctx.downloader.download({ id: 'job-1', url, destination })
        .begin((b) => log.push(['begin', b.expectedBytes]))
        .progress((p) => log.push(['progress', p.bytesDownloaded]))
        .done((d) => log.push(['done', d.bytesDownloaded, ctx.client.fileExists('Documents/f.bin')]))
        .error((e) => log.push(['error', e.errorCode]));
    },
  };
}

const tap = { type: 'userTappedDownload', url: 'http://fixtures.bgsim.test/f.bin', destination: 'Documents/f.bin' };
const task1 = (fields = {}) => taskObject(1, { description: 'job-1', ...fields });
const tmp = 'Library/Caches/com.apple.nsurlsessiond/Downloads/x.tmp';

test('download() makes the session, a task described by its id, and persists its config', async () => {
  const { peer } = await play([launch, tap], tapAndDownload([]));
  assert.deepEqual(peer.made('createBackgroundSession')[0].configuration.identifier, SESSION);
  assert.equal(peer.made('downloadTask')[0].url, tap.url);
  assert.deepEqual(peer.made('setTaskDescription')[0], { type: 'setTaskDescription', task: { session: SESSION, taskId: 1 }, description: 'job-1', turn: 1 });
  assert.equal(peer.made('resume').length, 1);
  const configs = JSON.parse(peer.files.get(TASKS_JSON));
  assert.equal(configs['job-1'].taskId, 1);
  assert.equal(configs['job-1'].destination, 'Documents/f.bin');
});

test('begin once, progress throttled in virtual time, then the file is moved before done', async () => {
  const log = [];
  const write = (n, at) => delegateEvent('didWriteData', { task: task1(), bytesWritten: 1, totalBytesWritten: n, totalBytesExpectedToWrite: 4, now_us: at });
  const { peer } = await play([
    launch, tap,
    write(1, 1000000), write(2, 1500000), write(3, 2100000), write(4, 2200000),
    (p) => { p.files.set(tmp, Buffer.from('abcd')); return delegateEvent('didFinishDownloadingTo', { task: task1(), location: tmp }); },
    delegateEvent('didCompleteWithError', { task: task1(), error: null }),
  ], tapAndDownload(log), {});
  assert.deepEqual(log, [['begin', 4], ['progress', 1], ['progress', 3], ['progress', 4], ['done', 4, true]]);
  assert.equal(peer.files.get('Documents/f.bin').toString(), 'abcd');
  assert.equal(peer.files.has(tmp), false);
  // The move happened inside didFinishDownloadingTo (turn 6), atomically.
  assert.equal(peer.made('moveItem')[0].turn, 6);
  assert.equal(peer.made('replaceItem')[0].destination, 'Documents/f.bin');
  assert.deepEqual(JSON.parse(peer.files.get(TASKS_JSON)), {});
});

test('an HTTP error is an error, and its body is not kept', async () => {
  const log = [];
  const { peer } = await play([
    launch, tap,
    (p) => { p.files.set(tmp, Buffer.from('<html>')); return delegateEvent('didFinishDownloadingTo', { task: task1({ status: 404, length: 6 }), location: tmp }); },
  ], tapAndDownload(log));
  assert.deepEqual(log, [['error', 404]]);
  assert.equal(peer.files.has('Documents/f.bin'), false);
});

test('a file shorter than announced is an error (RES-6)', async () => {
  const log = [];
  await play([
    launch, tap,
    (p) => { p.files.set(tmp, Buffer.from('ab')); return delegateEvent('didFinishDownloadingTo', { task: task1(), location: tmp }); },
  ], tapAndDownload(log));
  assert.deepEqual(log, [['error', -1]]);
});

test('the completion handler is called on main after didFinishEvents and the JS completeHandler', async () => {
  const wake = [
    launch, tap,
    { type: 'handleEventsForBackgroundURLSession', identifier: SESSION, handler: 0, state: 'background' },
    (p) => { p.files.set(tmp, Buffer.from('abcd')); return delegateEvent('didFinishDownloadingTo', { task: task1(), location: tmp }); },
    delegateEvent('didCompleteWithError', { task: task1(), error: null }),
    delegateEvent('urlSessionDidFinishEvents', {}),
    (p) => (p.lastBlock('dispatch') === null ? null : { type: 'runBlock', block: p.lastBlock('dispatch') }),
  ];
  const app = (complete) => ({
    userTappedDownload({ url, destination }, ctx) {
      ctx.downloader.download({ id: 'job-1', url, destination }).done(() => complete && ctx.downloader.completeHandler('job-1'));
    },
  });
  const good = (await play(wake, app(true))).peer;
  const dispatch = good.made('dispatch')[0];
  assert.equal(dispatch.queue, 'main');
  assert.equal(dispatch.turn, 5); // after didFinishEvents, not before
  assert.deepEqual(good.made('callCompletionHandler').map((c) => [c.handler, c.turn]), [[0, 6]]);
  const twin = (await play(wake, app(false))).peer;
  assert.equal(twin.made('callCompletionHandler').length, 0);
});

test('a wake that hands the JS no job calls the handler at didFinishEvents', async () => {
  const { peer } = await play([
    launch,
    { type: 'handleEventsForBackgroundURLSession', identifier: SESSION, handler: 3, state: 'background' },
    delegateEvent('urlSessionDidFinishEvents', {}),
    (p) => ({ type: 'runBlock', block: p.lastBlock('dispatch') }),
  ], {});
  assert.deepEqual(peer.made('callCompletionHandler').map((c) => c.handler), [3]);
});

test('after a relaunch, events before checkForExistingDownloads reach the handlers attached to what it returns', async () => {
  const log = [];
  const config = { 'job-1': { id: 'job-1', url: tap.url, destination: 'Documents/f.bin', metadata: { n: 1 }, taskId: 1, paused: false, pendingMove: false } };
  const { peer } = await play([
    { ...launch, inBackground: true, urlSessionIdentifier: SESSION },
    (p) => { p.files.set(tmp, Buffer.from('abcd')); return delegateEvent('didFinishDownloadingTo', { task: task1(), location: tmp }); },
    delegateEvent('didCompleteWithError', { task: task1(), error: null }),
    (p) => ({ type: 'runBlock', block: p.lastBlock('getAllTasks'), tasks: [taskObject(9, { description: 'stray' })] }),
  ], {
    async didFinishLaunching(event, ctx) {
      const tasks = await ctx.downloader.checkForExistingDownloads();
      for (const t of tasks) t.done(() => log.push(['done', t.id, t.state, ctx.client.fileExists('Documents/f.bin')]));
    },
  }, { files: { [TASKS_JSON]: JSON.stringify(config) } });
  assert.deepEqual(log, [['done', 'job-1', 'DONE', true]]);
  // A task no config knows is cancelled.
  assert.deepEqual(peer.made('cancel').map((c) => c.task.taskId), [9]);
});

test('checkForExistingDownloads re-attaches running and paused tasks, and restarts a lost one', async () => {
  const configs = {
    a: { id: 'a', url: 'http://h/a', destination: 'Documents/a', metadata: {}, taskId: 1, paused: false, pendingMove: false },
    b: { id: 'b', url: 'http://h/b', destination: 'Documents/b', metadata: {}, taskId: 2, paused: true, pendingMove: false },
    c: { id: 'c', url: 'http://h/c', destination: 'Documents/c', metadata: {}, taskId: 3, paused: false, pendingMove: false },
  };
  let found = null;
  const { peer } = await play([
    launch,
    (p) => ({ type: 'runBlock', block: p.lastBlock('getAllTasks'), tasks: [taskObject(1, { description: 'a' }), taskObject(2, { description: 'b', state: 'suspended' })] }),
  ], {
    didFinishLaunching(event, ctx) {
      ctx.downloader.checkForExistingDownloads((tasks) => { found = tasks.map((t) => [t.id, t.state]); });
    },
  }, { files: { [TASKS_JSON]: JSON.stringify(configs) } });
  assert.deepEqual(found, [['a', 'DOWNLOADING'], ['b', 'PAUSED'], ['c', 'DOWNLOADING']]);
  assert.equal(peer.made('downloadTask')[0].url, 'http://h/c');
});

test('a force-quit -999 resumes from its resume data and is not an error to the JS (KILL-3)', async () => {
  const log = [];
  const data = Buffer.from('resume-data').toString('base64');
  const { peer } = await play([
    launch, tap,
    delegateEvent('didCompleteWithError', { task: task1(), error: { code: -999, cancelReason: 0, resumeData: data } }),
  ], tapAndDownload(log));
  assert.deepEqual(log, []);
  const resumed = peer.made('downloadTaskWithResumeData');
  assert.equal(resumed[0].resumeData, data);
  assert.equal(peer.made('setTaskDescription')[1].task.taskId, 2);
  assert.equal(JSON.parse(peer.files.get(TASKS_JSON))['job-1'].taskId, 2);
});

test('another error keeps its resume data for the next download of that id', async () => {
  const log = [];
  const data = Buffer.from('rd').toString('base64');
  let again = false;
  const { peer } = await play([
    launch, tap,
    delegateEvent('didCompleteWithError', { task: task1(), error: { code: -1001, cancelReason: null, resumeData: data } }),
  ], {
    userTappedDownload({ url, destination }, ctx) {
      const start = () => ctx.downloader.download({ id: 'job-1', url, destination }).error((e) => {
        log.push(['error', e.errorCode, e.resumable]);
        if (!again) { again = true; start(); }
      });
      start();
    },
  });
  assert.deepEqual(log, [['error', -1001, true]]);
  assert.equal(peer.made('downloadTaskWithResumeData')[0].resumeData, data);
});

test('pause suspends, resume resumes, stop cancels and discards the resume data', async () => {
  const data = Buffer.from('rd').toString('base64');
  const { peer } = await play([
    launch, tap,
    { type: 'userTappedPause', destination: 'Documents/f.bin' },
    { type: 'userTappedResume', destination: 'Documents/f.bin' },
    delegateEvent('didCompleteWithError', { task: task1(), error: { code: -1005, cancelReason: null, resumeData: data } }),
    { type: 'userTappedSignOut' },
  ], {
    userTappedDownload({ url, destination }, ctx) { ctx.downloader.download({ id: 'job-1', url, destination }); },
    userTappedPause(e, ctx) { ctx.downloader.tasks.get('job-1').pause(); },
    userTappedResume(e, ctx) { ctx.downloader.tasks.get('job-1').resume(); },
    userTappedSignOut(e, ctx) { ctx.downloader.native.stopTask('job-1'); },
  });
  assert.deepEqual(peer.made('suspend').map((c) => c.turn), [2]);
  assert.deepEqual(peer.made('resume').map((c) => c.turn), [1, 3]);
  // RES-7: the stop makes a task from the data and cancels it, so its partial file goes.
  assert.equal(peer.made('downloadTaskWithResumeData')[0].turn, 5);
  assert.equal(peer.made('cancel')[0].turn, 5);
});

test('a locked device parks the file; it is placed and done once in the foreground (TF-06)', async () => {
  const log = [];
  const peer = new FakeBgsim([
    launch, tap,
    (p) => { p.files.set(tmp, Buffer.from('abcd')); return delegateEvent('didFinishDownloadingTo', { task: task1(), location: tmp }); },
    (p) => { p.locked = []; return { type: 'applicationWillEnterForeground' }; },
  ], { locked: ['Documents/'] });
  const app = {
    userTappedDownload({ url, destination }, c) {
      c.downloader.download({ id: 'job-1', url, destination })
        .waiting((w) => log.push(['waiting', w.bytesDownloaded, c.downloader.tasks.get('job-1').state]))
        .done((d) => log.push(['done', d.bytesDownloaded, c.client.fileExists('Documents/f.bin')]));
    },
  };
  const ctx = runApp({ name: 'test', ...app }, peer);
  await ctx.finished;
  assert.deepEqual(log, [['waiting', 4, 'PAUSED'], ['done', 4, true]]);
  assert.ok(peer.made('moveItem').some((c) => c.to.startsWith('Library/Caches/RNBackgroundDownloader/pending/')));
  assert.equal(peer.made('reportDownloadState').length, 0);
  assert.equal(peer.files.get('Documents/f.bin').toString(), 'abcd');
});
