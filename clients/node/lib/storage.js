'use strict';
// A key-value store kept as one JSON file in the app's container, through the protocol's
// file calls: what MMKV or AsyncStorage is to a React Native app. Reads are answered from
// memory after the first load; every write saves the whole file (a failed save, e.g. while
// data protection closes the folder, is logged, and the next write saves everything again).
//
// Keep it out of Documents: with NSFileProtectionComplete a locked device closes Documents,
// and a background relaunch would find its store unreadable (docs/bugs.md#id-04).

const { FileError } = require('./protocol');

class JsonStorage {
  /** `client`: a protocol Client; `path`: a container path such as Library/Application Support/x.json. */
  constructor(client, path) {
    this.client = client;
    this.path = path;
    this.data = null;
  }

  load() {
    if (this.data !== null) return this.data;
    this.data = {};
    try {
      if (this.client.fileExists(this.path)) {
        this.data = JSON.parse(this.client.readFile(this.path).toString('utf8'));
      }
    } catch (e) {
      if (!(e instanceof FileError) && !(e instanceof SyntaxError)) throw e;
      this.client.log(`${this.path} is unreadable (${e.message}); starting empty`);
      this.data = {};
    }
    return this.data;
  }

  getItem(key) {
    const value = this.load()[key];
    return value === undefined ? null : value;
  }

  setItem(key, value) {
    this.load()[key] = value;
    this.save();
  }

  removeItem(key) {
    delete this.load()[key];
    this.save();
  }

  keys() {
    return Object.keys(this.load());
  }

  save() {
    const folder = this.path.includes('/') ? this.path.slice(0, this.path.lastIndexOf('/')) : '';
    try {
      if (folder && !this.folderMade) this.client.createDirectory(folder);
      this.folderMade = true;
      this.client.writeFile(this.path, JSON.stringify(this.load(), null, 1));
      return true;
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      this.client.log(`could not save ${this.path}: ${e.message}`);
      return false;
    }
  }
}

module.exports = { JsonStorage };
