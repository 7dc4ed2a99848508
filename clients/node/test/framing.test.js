'use strict';
// The wire: encode/decode, and FdTransport's line buffer over a real descriptor (a pipe
// from a child that writes in odd chunks, a file, a last line without newline).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { encode, decode, FramingError, FdTransport, MemoryTransport } = require('..');

test('encode writes one line of JSON; decode reads an object back', () => {
  const line = encode({ type: 'log', message: 'a\nb' });
  assert.equal(line.includes('\n'), false);
  assert.deepEqual(decode(line), { type: 'log', message: 'a\nb' });
});

test('decode refuses what is not a JSON object', () => {
  assert.throws(() => decode('not json'), FramingError);
  assert.throws(() => decode('[1,2]'), FramingError);
  assert.throws(() => decode('null'), FramingError);
  assert.throws(() => encode(undefined), FramingError);
});

function fileWith(content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgsim-node-'));
  const file = path.join(dir, 'in.txt');
  fs.writeFileSync(file, content);
  return file;
}

test('FdTransport splits lines across reads, keeps UTF-8, and reads a last line without newline', () => {
  const big = 'x'.repeat(200000); // longer than one read
  const file = fileWith(`{"a":"é"}\n{"b":"${big}"}\n\n{"c":3}`);
  const fd = fs.openSync(file, 'r');
  const t = new FdTransport(fd, 1);
  assert.equal(t.readLine(), '{"a":"é"}');
  assert.equal(JSON.parse(t.readLine()).b.length, big.length);
  assert.equal(t.readLine(), '');
  assert.equal(t.readLine(), '{"c":3}');
  assert.equal(t.readLine(), null);
  assert.equal(t.readLine(), null);
  fs.closeSync(fd);
});

test('FdTransport writes whole lines to its descriptor', () => {
  const file = fileWith('');
  const fd = fs.openSync(file, 'w');
  const t = new FdTransport(0, fd);
  t.writeLine('{"type":"return"}');
  t.writeLine('{"type":"log","message":"é"}');
  fs.closeSync(fd);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"type":"return"}\n{"type":"log","message":"é"}\n');
});

test('FdTransport reads a pipe written in small pieces, line by line', () => {
  const { spawnSync } = require('child_process');
  // The child reads lines from its standard input with FdTransport and echoes their lengths.
  const child = spawnSync(process.execPath, ['-e', `
    const { FdTransport } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const t = new FdTransport();
    const seen = [];
    for (let l = t.readLine(); l !== null; l = t.readLine()) seen.push(l.length);
    t.writeLine(JSON.stringify(seen));
  `], { input: 'ab\ncde\n' + 'z'.repeat(70000) + '\nlast' });
  assert.equal(child.status, 0, child.stderr.toString());
  assert.deepEqual(JSON.parse(child.stdout.toString()), [2, 3, 70000, 4]);
});

test('MemoryTransport plays scripted lines and keeps what was written', () => {
  const t = new MemoryTransport(['one', 'two']);
  assert.equal(t.readLine(), 'one');
  t.writeLine('out');
  assert.equal(t.readLine(), 'two');
  assert.equal(t.readLine(), null);
  assert.deepEqual(t.written, ['out']);
});
