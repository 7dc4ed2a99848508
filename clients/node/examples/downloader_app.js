#!/usr/bin/env node
'use strict';
// An app written the way a React Native app uses a background download library
// (@kesha-antonov/react-native-background-downloader), run by bgsim as the app under test:
//
//   bgsim run --app-command "node clients/node/examples/downloader_app.js" scenarios/t1-*.toml
//
// It follows the library's recommended patterns: checkForExistingDownloads() at every
// launch, handlers attached again to what it returns, completeHandler(id) after done and
// error, and its own state (the downloads the user asked for) persisted as JSON in the
// container, as an app persists its store with MMKV or AsyncStorage. This file is the app's
// JavaScript only: what the native module does (the session, the file move inside
// didFinishDownloadingTo, the completion handler's storage) is in lib/native.js.
//
// `--bug <name>` switches on one real bug of that ecosystem (see BUGS below).

const { runApp, RNBackgroundDownloader } = require('..');

const { download, checkForExistingDownloads, completeHandler } = RNBackgroundDownloader;

/** The bugs this app can have, each the checks of bgsim that catch it. */
const BUGS = {
  'no-complete-handler': {
    name: 'rn-01-complete-handler-never-called',
    caughtBy: ['handler-once', 'wake-budget'],
    about: 'never calls completeHandler(jobId) after a background wake, so iOS is never told the app is done',
  },
  'ids-in-memory': {
    name: 'rn-02-ids-in-memory',
    caughtBy: ['one-outcome'],
    about: 'keeps its download ids in memory only; after a relaunch it stops the tasks it no longer knows',
  },
  'session-per-download': {
    name: 'id-3-session-per-download',
    caughtBy: ['file-delivered'],
    about: 'a patched native module makes a session per download with one identifier; iOS keeps the first delegate',
  },
  'one-at-a-time': {
    name: 'nl-05-one-at-a-time',
    caughtBy: ['task-in-foreground'],
    about: 'queues downloads in JS and starts the next one from the done handler, in the background',
  },
};

function bugOf(argv) {
  const at = argv.indexOf('--bug');
  if (at < 0) return null;
  const name = argv[at + 1];
  const found = Object.keys(BUGS).find((k) => k === name || BUGS[k].name === name);
  if (!found) {
    process.stderr.write(`unknown bug ${name}; known: ${Object.keys(BUGS).join(', ')}\n`);
    process.exit(2);
  }
  return found;
}

const bug = bugOf(process.argv);
// The patched native module of `--bug session-per-download` (examples/session_per_download.js).
// That variant is an image fetcher without a download list: it reports no download states.
const Native = bug === 'session-per-download' ? require('./session_per_download').SessionPerDownload : undefined;
const reports = bug !== 'session-per-download';
const STORE = 'Library/Application Support/downloads.json';
const MAX_ATTEMPTS = 3;
// NSURLError codes that asking again cannot heal: unsupported URL, too many redirects,
// redirect to a non-existent location (NET-7, NET-8).
const PERMANENT = new Set([-1002, -1007, -1010]);

// ---- the app's state: { [id]: { url, destination, state, attempts } }, and its store ----

let ctx = null;
let storage = null;
let downloads = {};
let nextId = 0;

function save() {
  if (bug === 'ids-in-memory') return;
  storage.setItem('app', { nextId, downloads });
}

function setState(id, state) {
  downloads[id].state = state;
  if (reports) ctx.client.reportDownloadState(id, state);
}

function idFor(destination) {
  const ids = Object.keys(downloads).filter((id) => downloads[id].destination === destination);
  return ids.length ? ids[ids.length - 1] : null;
}

// ---- the downloads ----

function start(id) {
  const d = downloads[id];
  d.attempts += 1;
  const task = download({ id, url: d.url, destination: d.destination, metadata: { url: d.url, destination: d.destination } });
  attach(task);
}

/** What the app does on each event of a download (the library's chained handlers). */
function attach(task) {
  const { id } = task;
  task
    .begin(({ expectedBytes }) => ctx.client.log(`${id}: begins, ${expectedBytes} bytes`))
    .progress(({ bytesDownloaded, bytesTotal }) => {
      if (bytesTotal > 0) ctx.client.reportProgress(id, Math.min(1, bytesDownloaded / bytesTotal));
    })
    .waiting(() => {
      // The file is here but the locked device keeps Documents closed: shown paused until
      // the native module puts it in place (then done).
      if (downloads[id] && downloads[id].state === 'running') {
        downloads[id].waiting = true;
        setState(id, 'paused');
      }
      save();
    })
    .done(() => {
      if (downloads[id]) setState(id, 'done');
      save();
      startNextQueued();
      finish(id);
    })
    .error(({ error, errorCode }) => {
      const d = downloads[id];
      if (!d) return finish(id);
      ctx.client.log(`${id}: ${error}`);
      if (retryable(errorCode) && d.attempts < MAX_ATTEMPTS) {
        start(id);
      } else {
        setState(id, 'failed');
        task.stop(); // the partial file its resume data keeps goes too
        startNextQueued();
      }
      save();
      return finish(id);
    });
}

function retryable(code) {
  if (PERMANENT.has(code)) return false;
  // An HTTP status: a busy or failing server may answer next time, a 404 will not.
  if (code >= 300) return code >= 500 || code === 408 || code === 429;
  return true;
}

/** The library's advice: call completeHandler once the JS is done with the job. */
function finish(id) {
  if (bug === 'no-complete-handler') return;
  completeHandler(id);
}

function startNextQueued() {
  if (bug !== 'one-at-a-time') return;
  if (Object.values(downloads).some((d) => d.state === 'running')) return;
  const next = Object.keys(downloads).find((id) => downloads[id].state === 'queued');
  if (next) {
    setState(next, 'running');
    start(next);
  }
}

/** Every launch: load the store, re-attach to what the native side still has (TID-4). */
function reattach() {
  checkForExistingDownloads().then((tasks) => {
    const attached = new Set();
    for (const task of tasks) {
      if (!downloads[task.id]) {
        if (bug !== 'ids-in-memory' && task.metadata && task.metadata.url) {
          // The native side kept a job the store had not saved yet: adopt it.
          downloads[task.id] = { url: task.metadata.url, destination: task.metadata.destination, state: 'running', attempts: 1 };
        } else {
          ctx.client.log(`${task.id}: not one of ours; stopped`);
          task.stop();
          continue;
        }
      }
      attached.add(task.id);
      attach(task);
    }
    for (const id of Object.keys(downloads)) {
      // A download the native side no longer has at all starts again.
      if (downloads[id].state === 'running' && !attached.has(id)) start(id);
    }
    startNextQueued();
    save();
  });
}

// ---- the app: handlers by event type (docs/protocol.md) ----

runApp({
  name: bug ? `rn-downloader-example (${BUGS[bug].name})` : 'rn-downloader-example',
  features: ['pause-resume'],
  downloader: { Native },
  variants: Object.keys(BUGS).map((k) => ({ name: BUGS[k].name, args: ['--bug', k], caughtBy: BUGS[k].caughtBy })),

  didFinishLaunching(event, context) {
    ctx = context;
    storage = ctx.storage(STORE);
    const saved = bug === 'ids-in-memory' ? null : storage.getItem('app');
    if (saved) ({ nextId, downloads } = saved);
    reattach();
  },

  userTappedDownload({ url, destination }) {
    nextId += 1;
    const id = `dl-${nextId}`;
    downloads[id] = { url, destination, state: 'running', attempts: 0 };
    const busy = Object.keys(downloads).some((k) => k !== id && downloads[k].state === 'running');
    if (bug === 'one-at-a-time' && busy) {
      setState(id, 'queued');
    } else {
      if (reports) ctx.client.reportDownloadState(id, 'running');
      start(id);
    }
    save();
  },

  userTappedPause({ destination }) {
    const id = idFor(destination);
    const task = id && ctx.downloader.tasks.get(id);
    if (!task || downloads[id].state !== 'running') return;
    task.pause();
    setState(id, 'paused');
    save();
  },

  userTappedResume({ destination }) {
    const id = idFor(destination);
    const task = id && ctx.downloader.tasks.get(id);
    if (!task || downloads[id].state !== 'paused' || downloads[id].waiting) return;
    task.resume();
    setState(id, 'running');
    save();
  },
});
