'use strict';
// The native module: what RNBackgroundDownloader.m is to @kesha-antonov/react-native-
// background-downloader, in JavaScript over the protocol layer. The JS API (downloader.js)
// sits on top of it and only ever sees its events: downloadBegin, downloadProgress,
// downloadComplete, downloadFailed, and downloadWaiting (this client's addition: the file
// came while the device was locked; it is parked and placed at the next unlocked run).
//
// This file owns:
//   - the one background session (made lazily, at the first call: lazyInitSession);
//   - the task configs (id -> url, destination, metadata, current task), persisted in the
//     container as the library persists its taskToConfigMap (MMKV); the id rides in
//     taskDescription, so a task is found again after a relaunch (TID-3);
//   - the file move inside didFinishDownloadingTo, to the destination the JS asked for,
//     atomically (moved beside it, then replaced), parent folders made first (FILE-1);
//     only then is downloadComplete emitted; a non-2xx response is downloadFailed (HTTP-1);
//   - resume data: kept per id (RES-3), used by the next download of that id (RES-4),
//     discarded through the daemon when the JS stops the download (RES-7);
//   - the force-quit's -999 (reason 0): not a failure; the task starts again from its
//     resume data (KILL-3), as the library's checkForExistingDownloads restarts tasks;
//   - the handleEvents completion handler: stored (AppDelegate's setCompletionHandler),
//     and called on main once the session's events are all in (urlSessionDidFinishEvents)
//     and the JS has called completeHandler for every job the wake handed it (CH-1, CH-2).

const { JsonStorage } = require('./storage');
const { FileError } = require('./protocol');

const DEFAULT_IDENTIFIER = 'com.example.app.backgrounddownloadtask';
const HOME = 'Library/Application Support/RNBackgroundDownloader';
const PENDING = 'Library/Caches/RNBackgroundDownloader/pending';
const CANCELLED = -999;
const FORCE_QUIT = 0;

const safeName = (id) => encodeURIComponent(String(id));
const parentOf = (path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null);
const isSuccess = (status) => status >= 200 && status < 300;

/** The response headers a task object carries, as the library passes allHeaderFields. */
function headersOf(task) {
  const r = task && task.response;
  if (!r) return {};
  const headers = {};
  if (r.expectedContentLength != null && r.expectedContentLength >= 0) headers['Content-Length'] = String(r.expectedContentLength);
  if (r.etag) headers.ETag = r.etag;
  if (r.lastModified) headers['Last-Modified'] = r.lastModified;
  if (r.retryAfter) headers['Retry-After'] = r.retryAfter;
  if (r.contentEncoding) headers['Content-Encoding'] = r.contentEncoding;
  return headers;
}

class NativeDownloader {
  /**
   * `client`: the protocol Client. `emit(name, body)`: where events go (the JS layer).
   * Options: identifier (the session's), progressInterval (ms of virtual time between
   * progress events), isLogsEnabled.
   */
  constructor(client, emit, options = {}) {
    this.client = client;
    this.emit = emit;
    this.identifier = options.identifier || DEFAULT_IDENTIFIER;
    this.progressInterval = options.progressInterval == null ? 1000 : options.progressInterval;
    this.isLogsEnabled = Boolean(options.isLogsEnabled);
    this.session = null;
    this.configs = new JsonStorage(client, `${HOME}/tasks.json`);
    this.wakes = []; // { identifier, handler, eventsFinished, jobs: Set }
    this.begun = new Set(); // task ids whose downloadBegin was emitted
    this.progressAt = new Map(); // id -> now_us of the last downloadProgress
    this.createdSinceLookup = new Set(); // task ids made while getAllTasks was under way
  }

  log(message) {
    if (this.isLogsEnabled) this.client.log(`[RNBackgroundDownloader] ${message}`);
  }

  // ---- the session ----

  lazyInitSession() {
    if (this.session !== null) return;
    const configuration = { identifier: this.identifier, sessionSendsLaunchEvents: true, isDiscretionary: false };
    this.session = this.client.createBackgroundSession(configuration, this.delegate());
    this.finishPendingMoves();
  }

  key(taskId) {
    return { session: this.identifier, taskId };
  }

  config(id) {
    return this.configs.getItem(id);
  }

  saveConfig(c) {
    this.configs.setItem(c.id, c);
  }

  /** The config a task event is for: its id in taskDescription, and its current task. */
  configFor(task) {
    const id = task && task.taskDescription;
    if (id == null) return null;
    const c = this.config(id);
    return c && c.taskId === task.key.taskId ? c : null;
  }

  // ---- resume data, kept per id with the URL it resumes ----

  resumePath(id) {
    return `${HOME}/resume/${safeName(id)}.json`;
  }

  keepResumeData(id, url, data) {
    if (!data) return;
    try {
      this.client.createDirectory(`${HOME}/resume`);
      this.client.writeFile(this.resumePath(id), JSON.stringify({ url, data: data.toString('base64') }));
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      this.log(`${id}: could not keep its resume data (${e.message})`);
    }
  }

  /** The kept resume data for `id` (a Buffer) and its URL, taken out of the store; or null. */
  takeResumeData(id) {
    const path = this.resumePath(id);
    if (!this.client.fileExists(path)) return null;
    let kept = null;
    try {
      kept = JSON.parse(this.client.readFile(path).toString('utf8'));
      this.client.removeItem(path);
    } catch (e) {
      if (!(e instanceof FileError) && !(e instanceof SyntaxError)) throw e;
      return null;
    }
    return { url: kept.url, data: Buffer.from(kept.data, 'base64') };
  }

  /** RES-7: a task made from the data and cancelled lets the daemon delete its partial file. */
  discardResumeData(id) {
    const kept = this.takeResumeData(id);
    if (!kept) return;
    this.lazyInitSession();
    const task = this.client.downloadTaskWithResumeData(this.session, kept.data);
    this.client.cancel(task);
  }

  // ---- what the JS calls ----

  /** Starts (or restarts) the download `id`. */
  download({ id, url, destination, metadata = {} }) {
    this.lazyInitSession();
    const old = this.config(id);
    if (old && old.taskId !== null) {
      // One task per id: the old one is cancelled; its events no longer match (taskId).
      this.client.cancel(this.key(old.taskId));
    }
    const c = { id, url, destination, metadata, taskId: null, paused: false, pendingMove: false };
    this.startTask(c);
  }

  /** A new task for `c`, from its kept resume data when there is some for its URL. */
  startTask(c, resumeData = null) {
    const kept = resumeData ? { url: c.url, data: resumeData } : this.takeResumeData(c.id);
    const fromData = Boolean(kept) && kept.url === c.url;
    if (kept && !fromData) {
      // Data for another URL: of no use, but its partial file must go (RES-7).
      this.client.cancel(this.client.downloadTaskWithResumeData(this.session, kept.data));
    }
    const task = fromData
      ? this.client.downloadTaskWithResumeData(this.session, kept.data)
      : this.client.downloadTask(this.session, c.url);
    this.client.setTaskDescription(task, c.id);
    this.client.resume(task);
    this.createdSinceLookup.add(task.taskId);
    c.taskId = task.taskId;
    this.saveConfig(c);
    this.log(`${c.id}: task ${task.taskId}${fromData ? ' from resume data' : ''}`);
    return task;
  }

  /** iOS pauses by suspending the task (the library calls [task suspend]). */
  pauseTask(id) {
    const c = this.config(id);
    if (!c || c.paused) return;
    c.paused = true;
    if (c.taskId !== null) this.client.suspend(this.key(c.taskId));
    this.saveConfig(c);
  }

  resumeTask(id) {
    const c = this.config(id);
    if (!c || !c.paused) return;
    c.paused = false;
    if (c.taskId !== null) {
      this.client.resume(this.key(c.taskId));
      this.saveConfig(c);
    } else {
      // The suspended task was cancelled meanwhile (a force-quit): go on from its data.
      this.startTask(c);
    }
  }

  /** Cancels the download for good; its resume data and partial file go too. */
  stopTask(id) {
    const c = this.config(id);
    if (c) {
      if (c.taskId !== null) this.client.cancel(this.key(c.taskId));
      this.configs.removeItem(id);
    }
    this.discardResumeData(id);
  }

  /**
   * `callback(found)` runs later, with what the daemon still has for the configs: each
   * { id, metadata, url, destination, state: DOWNLOADING | PAUSED, bytesDownloaded, bytesTotal }.
   * A task the library has no config for is cancelled, as the library does; a config whose
   * task is gone (and was not ended) is started again (TID-4).
   */
  checkForExistingDownloads(callback) {
    this.lazyInitSession();
    this.finishPendingMoves();
    this.createdSinceLookup = new Set();
    this.client.getAllTasks(this.session, (tasks) => {
      const found = [];
      const seen = new Set();
      for (const t of tasks) {
        if (t.kind !== 'download') continue;
        const c = this.configFor(t);
        if (c) {
          seen.add(c.id);
          found.push(this.describe(c, t));
        } else if (t.state === 'running' || t.state === 'suspended') {
          this.log(`task ${t.key.taskId} (${t.taskDescription}) is no one's: cancelled`);
          this.client.cancel(t.key);
        }
      }
      for (const id of this.configs.keys()) {
        const c = this.config(id);
        if (seen.has(id)) continue;
        if (c.taskId !== null && !c.paused && !this.createdSinceLookup.has(c.taskId)) {
          this.log(`${id}: its task is gone; starting it again`);
          this.startTask(c);
        }
        found.push(this.describe(c, null));
      }
      callback(found);
    });
  }

  describe(c, task) {
    return {
      id: c.id,
      metadata: c.metadata,
      url: c.url,
      destination: c.destination,
      state: c.paused || c.pendingMove ? 'PAUSED' : 'DOWNLOADING',
      bytesDownloaded: task ? task.countOfBytesReceived : 0,
      bytesTotal: task ? task.countOfBytesExpectedToReceive : -1,
    };
  }

  // ---- the completion handler ----

  /** AppDelegate's handleEventsForBackgroundURLSession: the handler is kept. */
  setCompletionHandler(identifier, handler) {
    this.wakes.push({ identifier, handler, eventsFinished: false, jobs: new Set() });
    if (identifier === this.identifier) this.lazyInitSession();
  }

  /** The JS is done with job `jobId` (a download id): the handler may now be called. */
  completeHandler(jobId) {
    for (const w of this.wakes) w.jobs.delete(jobId);
    this.callFinishedHandlers();
  }

  callFinishedHandlers() {
    const ready = this.wakes.filter((w) => w.eventsFinished && w.jobs.size === 0);
    this.wakes = this.wakes.filter((w) => !ready.includes(w));
    for (const w of ready) {
      // On main, after didFinishEvents (CH-2).
      this.client.dispatch('main', () => this.client.callCompletionHandler(w.handler), {
        label: 'call the completion handler',
      });
    }
  }

  /** A terminal event for `id`: every wake under way waits for the JS to complete it. */
  emitTerminal(name, body) {
    for (const w of this.wakes) w.jobs.add(body.id);
    this.emit(name, body);
  }

  fail(c, error, errorCode, extra = {}) {
    this.configs.removeItem(c.id);
    this.emitTerminal('downloadFailed', { id: c.id, error, errorCode, ...extra });
  }

  // ---- the file ----

  /** Moves `from` to `to` atomically; true when in place. */
  place(from, to) {
    const parent = parentOf(to);
    if (parent) this.client.createDirectory(parent);
    const staging = `${to}.rnbd-partial`;
    if (this.client.fileExists(staging)) this.client.removeItem(staging);
    this.client.moveItem(from, staging);
    this.client.replaceItem(to, staging);
  }

  /** TF-06: files parked while the device was locked go into place. */
  finishPendingMoves() {
    for (const id of this.configs.keys()) {
      const c = this.config(id);
      if (!c.pendingMove) continue;
      try {
        this.place(`${PENDING}/${safeName(id)}`, c.destination);
      } catch (e) {
        if (!(e instanceof FileError)) throw e;
        continue;
      }
      this.configs.removeItem(id);
      this.emitTerminal('downloadComplete', { id, location: c.destination, bytesDownloaded: c.bytes, bytesTotal: c.bytes, headers: {} });
    }
  }

  // ---- the session delegate ----

  delegate() {
    return {
      didWriteData: (ev) => this.didWriteData(ev),
      didFinishDownloadingTo: (ev) => this.didFinishDownloadingTo(ev),
      didCompleteWithError: (ev) => this.didCompleteWithError(ev),
      didReceiveChallenge: (ev) => this.client.answerChallenge(ev.handler, 'performDefaultHandling'),
      didBecomeInvalidWithError: () => { this.session = null; },
      urlSessionDidFinishEvents: (ev) => {
        for (const w of this.wakes) if (w.identifier === ev.session) w.eventsFinished = true;
        this.callFinishedHandlers();
      },
    };
  }

  didWriteData(ev) {
    const c = this.configFor(ev.task);
    if (!c) return;
    if (!this.begun.has(c.taskId)) {
      this.begun.add(c.taskId);
      this.emit('downloadBegin', { id: c.id, expectedBytes: ev.totalBytesExpectedToWrite, headers: headersOf(ev.task) });
    }
    const last = this.progressAt.get(c.id);
    const whole = ev.totalBytesWritten === ev.totalBytesExpectedToWrite;
    if (last === undefined || whole || ev.now_us - last >= this.progressInterval * 1000) {
      this.progressAt.set(c.id, ev.now_us);
      this.emit('downloadProgress', { id: c.id, bytesDownloaded: ev.totalBytesWritten, bytesTotal: ev.totalBytesExpectedToWrite });
    }
  }

  didFinishDownloadingTo(ev) {
    const c = this.configFor(ev.task);
    if (!c) {
      this.log(`task ${ev.task.key.taskId} is no one's; its file is left to the system`);
      return;
    }
    const task = ev.task;
    const status = task.response ? task.response.statusCode : 0;
    if (!isSuccess(status)) {
      // The library's getServerError: the body of an error status is not the file.
      return this.fail(c, `HTTP status ${status}`, status, { headers: headersOf(task) });
    }
    // RES-6: never keep a file shorter than announced (an encoded body counts its encoding).
    const expected = task.response.contentEncoding ? -1 : task.countOfBytesExpectedToReceive;
    const size = this.client.fileSize(ev.location);
    if (expected >= 0 && size !== expected) {
      this.takeResumeData(c.id);
      return this.fail(c, `the file has ${size} of ${expected} bytes`, -1);
    }
    try {
      this.place(ev.location, c.destination);
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      if (e.code !== 'permission-denied') return this.fail(c, `could not move the file: ${e.message}`, -3000);
      // TF-06: the device is locked and the destination protected; park the file.
      this.client.createDirectory(PENDING);
      this.client.moveItem(ev.location, `${PENDING}/${safeName(c.id)}`);
      Object.assign(c, { pendingMove: true, taskId: null, bytes: size });
      this.saveConfig(c);
      this.log(`${c.id}: the device is locked; the file waits in ${PENDING}`);
      this.emit('downloadWaiting', { id: c.id, reason: 'the device is locked', bytesDownloaded: size });
      return undefined;
    }
    this.configs.removeItem(c.id);
    this.emitTerminal('downloadComplete', {
      id: c.id, location: c.destination, bytesDownloaded: size, bytesTotal: size, headers: headersOf(task),
    });
    return undefined;
  }

  didCompleteWithError(ev) {
    const c = this.configFor(ev.task);
    if (!c) return; // ended already (done or failed in didFinishDownloadingTo), or stale
    const e = ev.error;
    const data = e && e.resumeData ? Buffer.from(e.resumeData, 'base64') : null;
    if (!e) return this.fail(c, 'the download ended without a file', -1);
    if (e.code === CANCELLED && c.paused) {
      // The suspended task was cancelled (a force-quit): still paused, with its data.
      this.keepResumeData(c.id, c.url, data);
      c.taskId = null;
      this.saveConfig(c);
      return undefined;
    }
    if (e.code === CANCELLED && e.cancelReason === FORCE_QUIT) {
      // KILL-3: not a failure; carry on from the resume data.
      this.log(`${c.id}: cancelled by a force-quit; resuming`);
      this.startTask(c, data);
      return undefined;
    }
    this.keepResumeData(c.id, c.url, data);
    return this.fail(c, `NSURLErrorDomain error ${e.code}`, e.code, { cancelReason: e.cancelReason, resumable: Boolean(data) });
  }
}

module.exports = { NativeDownloader, DEFAULT_IDENTIFIER, headersOf };
