'use strict';
// The protocol layer: docs/protocol.md as functions, and nothing more.
//
// This file owns the Client: the handshake (hello / welcome), the event loop (one event,
// the handlers' calls, then `return`), every call of the protocol as a method, the
// blocks the program hands to bgsim (dispatch, getAllTasks, cancelByProducingResumeData)
// and the timers built on dispatch. Session delegate events are routed to the delegate
// object given to createBackgroundSession (the first one of its identifier, as iOS keeps).
// It never reads a clock and never starts a timer: bgsim owns time (`now_us`).

const { FdTransport, encode, decode } = require('./framing');

const PROTOCOL_VERSION = 1;

/** iOS raised an Objective-C exception: the process crashes when the callback returns. */
class NSException extends Error {
  constructor(name, reason) {
    super(`${name}: ${reason}`);
    this.exceptionName = name;
    this.reason = reason;
  }
}

/** A FileManager call failed; `code` is not-found, exists, permission-denied, invalid-path or io. */
class FileError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** bgsim sent something this client does not understand. */
class ProtocolError extends Error {}

/** The session delegate events (they carry `session`). */
const DELEGATE_EVENTS = new Set([
  'didWriteData', 'didSendBodyData', 'didReceiveData', 'didResumeAtOffset',
  'didFinishDownloadingTo', 'didCompleteWithError', 'didReceiveChallenge',
  'didBecomeInvalidWithError', 'urlSessionDidFinishEvents',
]);

const toBase64 = (data) => Buffer.from(data).toString('base64');
const fromBase64 = (text) => (text == null ? null : Buffer.from(text, 'base64'));

/** Lets promise continuations queued during a turn run before the turn ends (no time). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

class Client {
  /** `transport` has readLine() (a string, or null at end) and writeLine(string). */
  constructor(transport = new FdTransport()) {
    this.transport = transport;
    this.welcome = null;
    this.event = null; // the event being handled
    this.nextBlock = 1;
    this.blocks = new Map(); // block number -> function(event)
    this.delegates = new Map(); // session identifier -> delegate object
    this.inTurn = false;
    this.failure = null; // an async handler's error, raised at the end of its turn
  }

  // ---- the wire ----

  send(message) {
    this.transport.writeLine(encode(message));
  }

  receive() {
    const line = this.transport.readLine();
    return line === null ? null : decode(line);
  }

  /** A call that returns: its value, or a thrown NSException / FileError. */
  request(message) {
    this.send(message);
    const answer = this.receive();
    if (answer === null) throw new ProtocolError(`no answer to ${message.type}: end of input`);
    switch (answer.type) {
      case 'result':
        return answer.value === undefined ? null : answer.value;
      case 'exception':
        throw new NSException(answer.name, answer.reason);
      case 'error':
        throw new FileError(answer.error, answer.message);
      default:
        throw new ProtocolError(`the answer to ${message.type} is a ${answer.type}`);
    }
  }

  // ---- handshake and event loop ----

  /** Says hello ({app, features, extensionSession, variants}); returns the welcome. */
  hello(info) {
    const hello = { type: 'hello', protocol: PROTOCOL_VERSION, app: info.app };
    for (const field of ['features', 'extensionSession', 'variants']) {
      if (info[field] !== undefined) hello[field] = info[field];
    }
    this.send(hello);
    const welcome = this.receive();
    if (welcome === null) throw new ProtocolError('no welcome: end of input');
    if (welcome.type !== 'welcome') throw new ProtocolError(`expected welcome, got ${welcome.type}`);
    if (welcome.protocol !== PROTOCOL_VERSION) {
      throw new ProtocolError(`bgsim speaks protocol ${welcome.protocol}, this client ${PROTOCOL_VERSION}`);
    }
    this.welcome = welcome;
    return welcome;
  }

  /** The scenario's [session] settings from the welcome (null: keep the app's choice). */
  get sessionSettings() {
    return (this.welcome && this.welcome.session) || {};
  }

  /**
   * Handles events until end of input: each goes to `app[event.type](event)` (app delegate
   * and user events), to the session's delegate, or to the block it names; then the
   * turn's promise continuations run, then `return` is sent. Resolves at end of input.
   */
  async serve(app) {
    for (;;) {
      const event = this.receive();
      if (event === null) return;
      this.event = event;
      this.inTurn = true;
      try {
        const result = this.route(app, event);
        if (result && typeof result.then === 'function') {
          result.then(null, (error) => { this.failure = this.failure || error; });
        }
      } catch (error) {
        this.failure = this.failure || error;
      }
      await settle();
      this.inTurn = false;
      // An error the app did not catch, thrown or from an async handler, is a crash: bgsim
      // is told so instead of `return` (it records it as a crash, judged by no-exception).
      if (this.failure) {
        const error = this.failure;
        this.send({ type: 'crash', message: `${event.type}: ${(error && error.message) || error}` });
        throw error;
      }
      this.send({ type: 'return' });
    }
  }

  route(app, event) {
    if (event.type === 'runBlock') {
      const block = this.blocks.get(event.block);
      this.blocks.delete(event.block);
      return block ? block(event) : undefined;
    }
    if (DELEGATE_EVENTS.has(event.type)) {
      const delegate = this.delegates.get(event.session);
      let result;
      if (delegate && typeof delegate[event.type] === 'function') result = delegate[event.type](event);
      if (event.type === 'didBecomeInvalidWithError') this.delegates.delete(event.session);
      return result;
    }
    if (typeof app[event.type] === 'function') return app[event.type](event);
    if (typeof app.otherEvent === 'function') return app.otherEvent(event);
    return undefined;
  }

  /** The virtual time of the event being handled, in microseconds. */
  get now_us() {
    return this.event ? this.event.now_us : 0;
  }

  /** The app's state in the event being handled: foreground or background. */
  get appState() {
    return this.event ? this.event.state : 'foreground';
  }

  /** The queue the event being handled runs on: main, background, delegate:<id>. */
  get queue() {
    return this.event ? this.event.queue : 'main';
  }

  block(fn) {
    const n = this.nextBlock++;
    this.blocks.set(n, fn);
    return n;
  }

  // ---- URLSession ----

  /** Makes (or, for a known identifier, returns) a background session; returns its number. */
  createBackgroundSession(configuration, delegate = {}) {
    const number = this.request({ type: 'createBackgroundSession', configuration });
    // iOS keeps the first session of an identifier, and its delegate (ID-3).
    if (!this.delegates.has(configuration.identifier)) {
      this.delegates.set(configuration.identifier, delegate);
    }
    return number;
  }

  downloadTask(session, url) {
    return this.request({ type: 'downloadTask', session, url });
  }

  downloadTaskWithResumeData(session, resumeData) {
    return this.request({ type: 'downloadTaskWithResumeData', session, resumeData: toBase64(resumeData) });
  }

  downloadTaskWithCompletionHandler(session, url) {
    return this.request({ type: 'downloadTaskWithCompletionHandler', session, url });
  }

  uploadTaskFromFile(session, url, file, method = 'PUT') {
    return this.request({ type: 'uploadTaskFromFile', session, url, method, file });
  }

  uploadTaskWithStreamedRequest(session, url, body, method = 'PUT') {
    return this.request({ type: 'uploadTaskWithStreamedRequest', session, url, method, body: toBase64(body) });
  }

  uploadTaskFromData(session, url, body) {
    return this.request({ type: 'uploadTaskFromData', session, url, body: toBase64(body) });
  }

  dataTask(session, url) {
    return this.request({ type: 'dataTask', session, url });
  }

  setTaskDelegate(task) {
    return this.request({ type: 'setTaskDelegate', task });
  }

  resume(task) { this.send({ type: 'resume', task }); }

  suspend(task) { this.send({ type: 'suspend', task }); }

  cancel(task) { this.send({ type: 'cancel', task }); }

  /** `fn(resumeData: Buffer | null, event)` runs later, in its own turn. */
  cancelByProducingResumeData(task, fn) {
    const block = this.block((ev) => fn(fromBase64(ev.resumeData), ev));
    this.send({ type: 'cancelByProducingResumeData', task, block });
  }

  setTaskDescription(task, description) {
    this.send({ type: 'setTaskDescription', task, description });
  }

  setEarliestBeginDate(task, at_us) {
    this.send({ type: 'setEarliestBeginDate', task, at_us });
  }

  setCountOfBytesClientExpectsToReceive(task, bytes) {
    this.send({ type: 'setCountOfBytesClientExpectsToReceive', task, bytes });
  }

  setCountOfBytesClientExpectsToSend(task, bytes) {
    this.send({ type: 'setCountOfBytesClientExpectsToSend', task, bytes });
  }

  /** The task object, or null. */
  taskInfo(task) {
    return this.request({ type: 'taskInfo', task });
  }

  /** `fn(tasks, event)` runs later, on the session's delegate queue. */
  getAllTasks(session, fn) {
    const block = this.block((ev) => fn(ev.tasks || [], ev));
    this.send({ type: 'getAllTasks', session, block });
  }

  /** cancel: true is invalidateAndCancel, false finishTasksAndInvalidate. */
  invalidate(session, cancel) {
    this.send({ type: 'invalidate', session, cancel: Boolean(cancel) });
  }

  callCompletionHandler(handler) {
    this.send({ type: 'callCompletionHandler', handler });
  }

  /** disposition: useCredential (with user, password), performDefaultHandling, ... */
  answerChallenge(handler, disposition, credential = {}) {
    this.send({ type: 'answerChallenge', handler, disposition, ...credential });
  }

  // ---- GCD and timers ----

  /** Runs `fn(event)` on `queue` after `delay_us` of virtual time; returns the block number. */
  dispatch(queue, fn, { delay_us = 0, label } = {}) {
    const block = this.block(fn);
    const message = { type: 'dispatch', queue, block, delay_us: Math.max(0, Math.round(delay_us)) };
    if (label !== undefined) message.label = label;
    this.send(message);
    return block;
  }

  /** window.setTimeout on virtual time: a main-queue block after `ms` milliseconds. */
  setTimeout(fn, ms = 0, ...args) {
    return this.dispatch('main', () => fn(...args), { delay_us: ms * 1000, label: 'setTimeout' });
  }

  /** The block still runs at its time (GCD cannot take it back), but does nothing. */
  clearTimeout(id) {
    if (this.blocks.has(id)) this.blocks.set(id, () => {});
  }

  /** Synchronous work that takes virtual time (LC-10). */
  busy(duration_us) {
    this.send({ type: 'busy', duration_us: Math.round(duration_us) });
  }

  // ---- FileManager (container paths) ----

  /** The file's bytes (a Buffer). */
  readFile(path) {
    return fromBase64(this.request({ type: 'readFile', path }));
  }

  /** `data`: a Buffer or a string (UTF-8). */
  writeFile(path, data) {
    this.request({ type: 'writeFile', path, data: toBase64(typeof data === 'string' ? Buffer.from(data, 'utf8') : data) });
  }

  moveItem(from, to) { this.request({ type: 'moveItem', from, to }); }

  copyItem(from, to) { this.request({ type: 'copyItem', from, to }); }

  /** Replaces `destination` with the file at `withPath`, atomically. */
  replaceItem(destination, withPath) {
    this.request({ type: 'replaceItem', destination, with: withPath });
  }

  removeItem(path) { this.request({ type: 'removeItem', path }); }

  /** Creates the folder and its parents. */
  createDirectory(path) { this.request({ type: 'createDirectory', path }); }

  fileExists(path) { return this.request({ type: 'fileExists', path }) === true; }

  fileSize(path) { return this.request({ type: 'fileSize', path }); }

  listDirectory(path) { return this.request({ type: 'listDirectory', path }); }

  containerRoot() { return this.request({ type: 'containerRoot' }); }

  // ---- observability ----

  log(message) { this.send({ type: 'log', message: String(message) }); }

  reportProgress(key, fraction) { this.send({ type: 'reportProgress', key, fraction }); }

  /** state: running, queued, paused, done, failed or cancelled. */
  reportDownloadState(key, state) { this.send({ type: 'reportDownloadState', key, state }); }
}

module.exports = {
  Client, NSException, FileError, ProtocolError, PROTOCOL_VERSION, DELEGATE_EVENTS, toBase64, fromBase64,
};
