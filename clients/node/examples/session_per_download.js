'use strict';
// A patched native module, as apps patch a library's native code with patch-package: the
// example's `--bug session-per-download`, the bug of the seed article
// (docs/design.md#the-seed-article) and of docs/rules.md#id-4, which cites it from
// EkoLabs/react-native-background-downloader#88.
//
// The patch makes a background session in every download(), as per-request HTTP modules do,
// with a delegate of its own that holds that download's destination, and keeps the library's
// one identifier. iOS warns that a session with that identifier already exists and keeps
// the first session and its delegate (ID-3, ID-4): every later download's file is handed to
// the first delegate, which moves it to the first download's destination. bgsim's scenario
// t5-duplicate-session-identifier shows it (check file-delivered).

const { NativeDownloader } = require('..');

class SessionPerDownload extends NativeDownloader {
  /** No session at launch: each download makes its own. */
  lazyInitSession() {}

  /** Nothing to find at launch without a session. */
  checkForExistingDownloads(callback) {
    if (this.session === null) return callback([]);
    return super.checkForExistingDownloads(callback);
  }

  download({ id, url, destination, metadata = {} }) {
    const own = { id, url, destination, metadata, taskId: null, paused: false, pendingMove: false };
    const configuration = { identifier: this.identifier, sessionSendsLaunchEvents: true };
    // The delegate of this download only: whatever task it is told about is "its" download.
    const delegate = {
      didFinishDownloadingTo: (ev) => {
        const status = ev.task.response ? ev.task.response.statusCode : 0;
        if (status < 200 || status >= 300) return this.emit('downloadFailed', { id, error: `HTTP status ${status}`, errorCode: status });
        this.place(ev.location, own.destination);
        return this.emit('downloadComplete', { id, location: own.destination, bytesDownloaded: ev.task.countOfBytesReceived, bytesTotal: ev.task.countOfBytesExpectedToReceive });
      },
      didReceiveChallenge: (ev) => this.client.answerChallenge(ev.handler, 'performDefaultHandling'),
      urlSessionDidFinishEvents: (ev) => {
        for (const w of this.wakes) if (w.identifier === ev.session) w.eventsFinished = true;
        this.callFinishedHandlers();
      },
    };
    this.session = this.client.createBackgroundSession(configuration, delegate);
    const task = this.client.downloadTask(this.session, url);
    this.client.setTaskDescription(task, id);
    this.client.resume(task);
    own.taskId = task.taskId;
  }
}

module.exports = { SessionPerDownload };
