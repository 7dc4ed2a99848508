'use strict';
// The JS API of a React Native background downloader, shaped like
// @kesha-antonov/react-native-background-downloader (and react-native-background-downloader
// by EkoLabs): download(), checkForExistingDownloads(), completeHandler(), setConfig(),
// directories, and the DownloadTask with its chained handlers. It is the library's index.js:
// it keeps the task objects by id and turns the native module's events into handler calls.
//
// Handlers run synchronously, inside the bgsim turn the native event came in. A terminal
// event (done, error, and waiting: this client's addition for a file parked while the device
// is locked) for a task whose handler is not attached yet (after a relaunch, the
// events of the wake come before checkForExistingDownloads answers) is kept on the task and
// handed to the handler when it is attached.

const { NativeDownloader } = require('./native');

/** Container folders, as the library's `directories` (relative: they survive a container move). */
const directories = Object.freeze({
  documents: 'Documents',
  caches: 'Library/Caches',
  applicationSupport: 'Library/Application Support',
});

class DownloadTask {
  constructor(owner, { id, metadata = {}, state = 'PENDING', bytesDownloaded = 0, bytesTotal = -1, url, destination }) {
    this.owner = owner;
    this.id = id;
    this.metadata = metadata;
    this.state = state;
    this.bytesDownloaded = bytesDownloaded;
    this.bytesTotal = bytesTotal;
    this.url = url;
    this.destination = destination;
    this.errorCode = null;
    this.handlers = {};
    this.undelivered = {}; // done / error events that came before their handler
  }

  get percent() {
    return this.bytesTotal > 0 ? this.bytesDownloaded / this.bytesTotal : 0;
  }

  begin(handler) { return this.on('begin', handler); }

  progress(handler) { return this.on('progress', handler); }

  done(handler) { return this.on('done', handler); }

  error(handler) { return this.on('error', handler); }

  /** This client's addition: the file came while the device was locked (TF-06); done follows. */
  waiting(handler) { return this.on('waiting', handler); }

  on(kind, handler) {
    this.handlers[kind] = handler;
    const kept = this.undelivered[kind];
    if (kept !== undefined && typeof handler === 'function') {
      delete this.undelivered[kind];
      if (kind === 'done' || kind === 'error') this.owner.forget(this);
      handler(kept);
    }
    return this;
  }

  /** Delivers `payload` to the `kind` handler, or keeps it until one is attached. */
  deliver(kind, payload) {
    const handler = this.handlers[kind];
    if (typeof handler === 'function') handler(payload);
    else if (kind === 'done' || kind === 'error' || kind === 'waiting') this.undelivered[kind] = payload;
  }

  pause() {
    this.owner.native.pauseTask(this.id);
    if (this.state === 'DOWNLOADING' || this.state === 'PENDING') this.state = 'PAUSED';
  }

  resume() {
    this.owner.native.resumeTask(this.id);
    if (this.state === 'PAUSED') this.state = 'DOWNLOADING';
  }

  stop() {
    this.owner.native.stopTask(this.id);
    this.state = 'STOPPED';
    this.owner.forget(this);
  }
}

class Downloader {
  /**
   * `client`: the protocol Client; `options`: see NativeDownloader, and `Native`: the class
   * of the native module (a subclass of NativeDownloader: a patched module).
   */
  constructor(client, options = {}) {
    this.client = client;
    this.tasks = new Map(); // id -> DownloadTask
    const Native = options.Native || NativeDownloader;
    this.native = new Native(client, (name, body) => this.onNativeEvent(name, body), options);
    this.directories = directories;
  }

  /** progressInterval (ms of virtual time), isLogsEnabled. */
  setConfig({ progressInterval, isLogsEnabled } = {}) {
    if (progressInterval !== undefined) this.native.progressInterval = progressInterval;
    if (isLogsEnabled !== undefined) this.native.isLogsEnabled = Boolean(isLogsEnabled);
  }

  /** Starts downloading `url` to `destination` (a container path) as the job `id`. */
  download({ id, url, destination, metadata = {} }) {
    if (!id || !url || !destination) throw new Error('download() needs id, url and destination');
    const task = new DownloadTask(this, { id, url, destination, metadata, state: 'DOWNLOADING' });
    this.tasks.set(id, task);
    this.native.download({ id, url, destination, metadata });
    return task;
  }

  /**
   * The downloads the native side still has (re-attached by the id in taskDescription),
   * and those that ended while no task object was attached: a Promise of DownloadTasks
   * (and, if given, `callback(tasks)` first).
   */
  checkForExistingDownloads(callback) {
    return new Promise((resolve) => {
      this.native.checkForExistingDownloads((found) => {
        const out = [];
        for (const f of found) {
          const task = this.tasks.get(f.id) || new DownloadTask(this, f);
          Object.assign(task, { state: f.state, bytesDownloaded: f.bytesDownloaded, bytesTotal: f.bytesTotal });
          Object.assign(task, { metadata: f.metadata, url: f.url, destination: f.destination });
          this.tasks.set(f.id, task);
          out.push(task);
        }
        for (const task of this.tasks.values()) {
          if (!out.includes(task) && Object.keys(task.undelivered).length > 0) out.push(task);
        }
        if (typeof callback === 'function') callback(out);
        resolve(out);
      });
    });
  }

  /** The JS has finished with job `jobId`: the system may suspend the app (iOS). */
  completeHandler(jobId) {
    this.native.completeHandler(jobId);
  }

  /** The app came to the foreground: files the lock held up go into place. */
  onForeground() {
    this.native.finishPendingMoves();
  }

  /** An ended task leaves the map (unless a new task of its id took its place). */
  forget(task) {
    if (this.tasks.get(task.id) === task) this.tasks.delete(task.id);
  }

  taskFor(id) {
    let task = this.tasks.get(id);
    if (!task) {
      // An event for a task the JS has not re-attached yet (a relaunch).
      task = new DownloadTask(this, { id, state: 'DOWNLOADING' });
      this.tasks.set(id, task);
    }
    return task;
  }

  onNativeEvent(name, body) {
    const task = this.taskFor(body.id);
    switch (name) {
      case 'downloadBegin':
        task.state = 'DOWNLOADING';
        task.bytesTotal = body.expectedBytes;
        task.deliver('begin', { expectedBytes: body.expectedBytes, headers: body.headers });
        break;
      case 'downloadProgress':
        task.bytesDownloaded = body.bytesDownloaded;
        task.bytesTotal = body.bytesTotal;
        task.deliver('progress', { bytesDownloaded: body.bytesDownloaded, bytesTotal: body.bytesTotal });
        break;
      case 'downloadComplete':
        Object.assign(task, { state: 'DONE', bytesDownloaded: body.bytesDownloaded, bytesTotal: body.bytesTotal });
        if (task.handlers.done) this.forget(task);
        task.deliver('done', {
          bytesDownloaded: body.bytesDownloaded, bytesTotal: body.bytesTotal, location: body.location, headers: body.headers,
        });
        break;
      case 'downloadWaiting':
        Object.assign(task, { state: 'PAUSED', bytesDownloaded: body.bytesDownloaded });
        task.deliver('waiting', { reason: body.reason, bytesDownloaded: body.bytesDownloaded });
        break;
      case 'downloadFailed':
        Object.assign(task, { state: 'FAILED', errorCode: body.errorCode });
        if (task.handlers.error) this.forget(task);
        task.deliver('error', {
          error: body.error, errorCode: body.errorCode, cancelReason: body.cancelReason, resumable: Boolean(body.resumable),
        });
        break;
      default:
        break;
    }
  }
}

module.exports = { Downloader, DownloadTask, directories };
