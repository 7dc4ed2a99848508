'use strict';
// The wire of docs/protocol.md: one JSON object per line, UTF-8, ended by "\n".
//
// This file owns the transports a connection reads and writes lines through:
//   - FdTransport: standard input and output of the process, read with fs.readSync so
//     that a call can wait for its answer inside a handler (no streams, no event loop);
//   - MemoryTransport: scripted lines in, written lines out, for tests;
// and the encoding of messages (encode / decode). Nothing here knows what a message means.

const fs = require('fs');

/** A message that is not a JSON object, or a line that is not JSON. */
class FramingError extends Error {}

/** One message as its line (without the newline). */
function encode(message) {
  const line = JSON.stringify(message);
  if (line === undefined || line.includes('\n')) {
    throw new FramingError('a message must be a JSON object');
  }
  return line;
}

/** The message of one line; a FramingError when it is not a JSON object. */
function decode(line) {
  let value;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new FramingError(`a line from bgsim is not JSON: ${line.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FramingError(`a line from bgsim is not a JSON object: ${line.slice(0, 200)}`);
  }
  return value;
}

// A short pause while a non-blocking descriptor has nothing for us (EAGAIN). It only waits
// for input; it never decides anything, so it cannot make a run differ.
const pauseCell = new Int32Array(new SharedArrayBuffer(4));
function pauseBriefly() {
  Atomics.wait(pauseCell, 0, 0, 2);
}

/** Lines over two file descriptors (standard input and output by default). */
class FdTransport {
  constructor(inFd = 0, outFd = 1) {
    this.inFd = inFd;
    this.outFd = outFd;
    this.chunk = Buffer.alloc(1 << 16);
    this.lines = []; // complete lines read ahead
    this.parts = []; // bytes read after the last newline, in order
    this.ended = false;
  }

  /** The next line without its newline, or null at end of input. */
  readLine() {
    while (this.lines.length === 0) {
      if (this.ended) {
        // A last line without a newline still counts; then end of input.
        if (this.parts.length === 0) return null;
        this.lines.push(Buffer.concat(this.parts).toString('utf8'));
        this.parts = [];
        break;
      }
      const n = this.readSome();
      if (n === 0) this.ended = true;
      else this.split(Buffer.from(this.chunk.subarray(0, n)));
    }
    return this.lines.shift();
  }

  /** Files the complete lines of `bytes` (joined to what came before) and keeps the rest. */
  split(bytes) {
    let start = 0;
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, start)) {
      this.parts.push(bytes.subarray(start, at));
      this.lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      start = at + 1;
    }
    if (start < bytes.length) this.parts.push(bytes.subarray(start));
  }

  readSome() {
    for (;;) {
      try {
        return fs.readSync(this.inFd, this.chunk, 0, this.chunk.length, null);
      } catch (e) {
        if (e.code === 'EAGAIN') pauseBriefly();
        else if (e.code === 'EOF') return 0;
        else throw e;
      }
    }
  }

  /** Writes `line` and its newline, all of it. */
  writeLine(line) {
    let bytes = Buffer.from(line + '\n', 'utf8');
    while (bytes.length > 0) {
      try {
        const n = fs.writeSync(this.outFd, bytes, 0, bytes.length);
        bytes = bytes.subarray(n);
      } catch (e) {
        if (e.code === 'EAGAIN') pauseBriefly();
        else throw e;
      }
    }
  }
}

/**
 * Lines in memory: `input` is a list of lines (or a function giving the next line, or
 * null at end), and every line written is kept in `written`. For tests: a fake bgsim.
 */
class MemoryTransport {
  constructor(input = []) {
    this.next = typeof input === 'function' ? input : () => (input.length ? input.shift() : null);
    this.written = [];
  }

  readLine() {
    const line = this.next(this.written);
    return line === undefined ? null : line;
  }

  writeLine(line) {
    this.written.push(line);
  }
}

module.exports = { FdTransport, MemoryTransport, FramingError, encode, decode };
