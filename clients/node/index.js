'use strict';
// bgsim-app: the JavaScript client of bgsim's app protocol (docs/protocol.md), CommonJS,
// Node >= 18, no dependencies. Two layers:
//   - the protocol layer: Client (lib/protocol.js) over a transport (lib/framing.js);
//   - a React Native background downloader on top: the native module (lib/native.js) and
//     its JS API (lib/downloader.js), hosted by runApp (lib/runtime.js).
// `RNBackgroundDownloader` offers the library's module-level functions, bound to the
// process's context once runApp has started, so app code reads as it does in React Native.

const framing = require('./lib/framing');
const protocol = require('./lib/protocol');
const { Downloader, DownloadTask, directories } = require('./lib/downloader');
const { NativeDownloader } = require('./lib/native');
const { JsonStorage } = require('./lib/storage');
const runtime = require('./lib/runtime');

const downloader = () => runtime.context().downloader;

/** `import { download, ... } from '@kesha-antonov/react-native-background-downloader'`. */
const RNBackgroundDownloader = {
  download: (options) => downloader().download(options),
  checkForExistingDownloads: (callback) => downloader().checkForExistingDownloads(callback),
  completeHandler: (jobId) => downloader().completeHandler(jobId),
  setConfig: (config) => downloader().setConfig(config),
  directories,
};

module.exports = {
  ...framing,
  ...protocol,
  Downloader,
  DownloadTask,
  NativeDownloader,
  JsonStorage,
  directories,
  runApp: runtime.runApp,
  makeContext: runtime.makeContext,
  context: runtime.context,
  RNBackgroundDownloader,
};
