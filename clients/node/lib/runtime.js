'use strict';
// The host of an app: what iOS, the AppDelegate and the React Native bridge are to a React
// Native app. runApp() shakes hands with bgsim over standard input and output, makes the
// downloader (the native module and its JS API) for the process, and routes every event:
//
//   - the app's own handlers, named by the protocol's event types (didFinishLaunching,
//     userTappedDownload, applicationDidEnterBackground, ...), get `(event, ctx)`;
//   - handleEventsForBackgroundURLSession goes to the native module's setCompletionHandler,
//     the one line a React Native app adds to its AppDelegate, unless the app handles it;
//   - applicationWillEnterForeground lets the native module finish moves the lock held up.
//
// The process exits 0 at end of input. An exception in app code is a crash: its stack goes
// to standard error and the process exits 1 (bgsim records the process as failed).

const { Client } = require('./protocol');
const { FdTransport } = require('./framing');
const { Downloader } = require('./downloader');
const { JsonStorage } = require('./storage');

let current = null; // the context of this process, once runApp has started

/** The context handed to handlers: the protocol client, the downloader, storage. */
function makeContext(client, options = {}) {
  const downloader = new Downloader(client, options.downloader || {});
  return {
    client,
    downloader,
    storage: (path) => new JsonStorage(client, path),
    setTimeout: (fn, ms, ...args) => client.setTimeout(fn, ms, ...args),
    clearTimeout: (id) => client.clearTimeout(id),
  };
}

/** The routing object a Client serves: the app's handlers, with the host's defaults. */
function hostFor(app, ctx) {
  const call = (name, event) => (typeof app[name] === 'function' ? app[name](event, ctx) : undefined);
  return {
    handleEventsForBackgroundURLSession(event) {
      if (typeof app.handleEventsForBackgroundURLSession === 'function') return call('handleEventsForBackgroundURLSession', event);
      // AppDelegate: [RNBackgroundDownloader setCompletionHandlerWithIdentifier:completionHandler:]
      return ctx.downloader.native.setCompletionHandler(event.identifier, event.handler);
    },
    applicationWillEnterForeground(event) {
      ctx.downloader.onForeground();
      return call('applicationWillEnterForeground', event);
    },
    otherEvent(event) {
      return call(event.type, event);
    },
  };
}

/**
 * Runs `app` as this process's app: `app.name`, optional `features`, `variants`,
 * `extensionSession`, `downloader` (options of the native module), and handlers by event
 * type. Returns the context (also given to every handler).
 */
function runApp(app, transport = new FdTransport()) {
  const client = new Client(transport);
  client.hello({ app: app.name, features: app.features, variants: app.variants, extensionSession: app.extensionSession });
  const ctx = makeContext(client, app);
  current = ctx;
  const host = hostFor(app, ctx);
  const done = client.serve(host);
  if (transport instanceof FdTransport) {
    // A promise chain of app code that fails outside any handler is a crash too.
    process.on('unhandledRejection', (error) => {
      process.stderr.write(`${app.name}: crashed: ${(error && error.stack) || error}\n`);
      process.exit(1);
    });
    done.then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`${app.name}: crashed: ${(error && error.stack) || error}\n`);
        process.exit(1);
      },
    );
  }
  ctx.finished = done;
  return ctx;
}

/** The context of this process (after runApp). */
function context() {
  if (!current) throw new Error('runApp() has not started yet');
  return current;
}

module.exports = { runApp, makeContext, hostFor, context };
