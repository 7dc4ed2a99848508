'use strict';
// A fake bgsim for tests: a transport that plays bgsim's side of docs/protocol.md in memory.
// It answers the hello with a welcome, every call that returns with a result (sessions and
// task keys by counters, a small container as a Map of path -> Buffer), and, after each
// `return`, sends the next event of its script. A script entry is an event object or a
// function of the peer giving one (to name a block the app dispatched, say). Every message
// the app wrote is kept in `calls`, with the index of the event it came in (`turn`).

const RETURNING = new Set([
  'createBackgroundSession', 'downloadTask', 'downloadTaskWithResumeData', 'downloadTaskWithCompletionHandler',
  'uploadTaskFromFile', 'uploadTaskWithStreamedRequest', 'dataTask', 'uploadTaskFromData', 'setTaskDelegate',
  'taskInfo', 'readFile', 'writeFile', 'moveItem', 'copyItem', 'replaceItem', 'removeItem', 'createDirectory',
  'fileExists', 'fileSize', 'listDirectory', 'containerRoot',
]);

class FakeBgsim {
  constructor(script = [], { protocol = 1, files = {}, locked = [] } = {}) {
    this.script = script.slice();
    this.protocol = protocol;
    this.files = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
    this.locked = locked; // path prefixes that answer permission-denied (a locked device)
    this.queue = [];
    this.calls = [];
    this.turn = -1;
    this.hello = null;
    this.sessions = [];
    this.nextTask = 1;
    this.now_us = 0;
  }

  // ---- the transport ----

  readLine() {
    return this.queue.length ? this.queue.shift() : null;
  }

  writeLine(line) {
    const message = JSON.parse(line);
    if (message.type === 'hello') {
      this.hello = message;
      this.queue.push(JSON.stringify({ type: 'welcome', protocol: this.protocol, session: {} }));
      this.sendNext();
      return;
    }
    this.calls.push({ ...message, turn: this.turn });
    if (message.type === 'return') return this.sendNext();
    if (RETURNING.has(message.type)) this.queue.push(JSON.stringify(this.answer(message)));
    return undefined;
  }

  sendNext() {
    if (this.script.length === 0) return;
    let event = this.script.shift();
    if (typeof event === 'function') event = event(this);
    if (event == null) return;
    this.turn += 1;
    if (event.now_us !== undefined) this.now_us = event.now_us;
    this.queue.push(JSON.stringify({ now_us: this.now_us, queue: 'main', state: 'foreground', ...event }));
  }

  // ---- answers ----

  answer(m) {
    try {
      return { type: 'result', value: this.value(m) };
    } catch (e) {
      if (e.fsError) return { type: 'error', error: e.fsError, message: e.message };
      return { type: 'exception', name: 'NSGenericException', reason: e.message };
    }
  }

  fail(code, message) {
    const e = new Error(message);
    e.fsError = code;
    throw e;
  }

  guard(path) {
    if (this.locked.some((p) => path.startsWith(p))) this.fail('permission-denied', `${path} is protected`);
  }

  value(m) {
    switch (m.type) {
      case 'createBackgroundSession': {
        const at = this.sessions.indexOf(m.configuration.identifier);
        if (at >= 0) return at;
        this.sessions.push(m.configuration.identifier);
        return this.sessions.length - 1;
      }
      case 'downloadTask':
      case 'downloadTaskWithResumeData':
        return { session: this.sessions[m.session], taskId: this.nextTask++ };
      case 'downloadTaskWithCompletionHandler':
        throw new Error('Completion handler blocks are not supported in background sessions');
      case 'taskInfo':
        return null;
      case 'readFile':
        if (!this.files.has(m.path)) this.fail('not-found', m.path);
        return this.files.get(m.path).toString('base64');
      case 'writeFile':
        this.guard(m.path);
        this.files.set(m.path, Buffer.from(m.data, 'base64'));
        return null;
      case 'moveItem':
      case 'copyItem':
        if (!this.files.has(m.from)) this.fail('not-found', m.from);
        this.guard(m.to);
        this.files.set(m.to, this.files.get(m.from));
        if (m.type === 'moveItem') this.files.delete(m.from);
        return null;
      case 'replaceItem':
        if (!this.files.has(m.with)) this.fail('not-found', m.with);
        this.guard(m.destination);
        this.files.set(m.destination, this.files.get(m.with));
        this.files.delete(m.with);
        return null;
      case 'removeItem':
        if (!this.files.has(m.path)) this.fail('not-found', m.path);
        this.files.delete(m.path);
        return null;
      case 'createDirectory':
        return null;
      case 'fileExists':
        return this.files.has(m.path);
      case 'fileSize':
        if (!this.files.has(m.path)) this.fail('not-found', m.path);
        return this.files.get(m.path).length;
      case 'listDirectory':
        return [...this.files.keys()].filter((k) => k.startsWith(`${m.path}/`)).map((k) => k.slice(m.path.length + 1)).sort();
      case 'containerRoot':
        return '/var/mobile/Containers/Data/Application/FAKE';
      default:
        return null;
    }
  }

  // ---- for the tests ----

  /** The calls of `type` the app made (in the turn `turn`, if given). */
  made(type, turn) {
    return this.calls.filter((c) => c.type === type && (turn === undefined || c.turn === turn));
  }

  /** The block number of the last call of `type` (dispatch, getAllTasks, ...). */
  lastBlock(type) {
    const all = this.made(type);
    return all.length ? all[all.length - 1].block : null;
  }
}

/** A task object as bgsim sends it. */
function taskObject(taskId, { session = 'com.example.app.backgrounddownloadtask', description = null, status = 200, length = 4, state = 'running', url = 'http://fixtures.bgsim.test/f.bin' } = {}) {
  return {
    key: { session, taskId },
    originalURL: url,
    currentURL: url,
    taskDescription: description,
    state,
    response: status === null ? null : { statusCode: status, expectedContentLength: length, etag: '"e1"', lastModified: null, retryAfter: null, date: null, contentEncoding: null },
    countOfBytesReceived: 0,
    countOfBytesExpectedToReceive: length,
    kind: 'download',
    countOfBytesSent: 0,
    countOfBytesExpectedToSend: 0,
  };
}

module.exports = { FakeBgsim, taskObject };
