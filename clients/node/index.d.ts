// Type declarations of bgsim-app, the JavaScript client of bgsim's app protocol
// (docs/protocol.md): the protocol layer (Client, transports, values), and the React Native
// background downloader built on it (Downloader, DownloadTask, NativeDownloader, runApp).

// ---- values (docs/protocol.md, "Values") ----

export type Queue = 'main' | 'background' | `delegate:${string}`;
export type AppState = 'foreground' | 'background';
export type DownloadStateWord = 'running' | 'queued' | 'paused' | 'done' | 'failed' | 'cancelled';
export type FileErrorCode = 'not-found' | 'exists' | 'permission-denied' | 'invalid-path' | 'io';

export interface TaskKey { session: string; taskId: number; }

export interface HttpResponse {
  statusCode: number;
  expectedContentLength: number;
  etag: string | null;
  lastModified: string | null;
  retryAfter: string | null;
  date: string | null;
  contentEncoding: string | null;
}

export interface TaskObject {
  key: TaskKey;
  originalURL: string;
  currentURL: string;
  taskDescription: string | null;
  state: 'suspended' | 'running' | 'canceling' | 'completed';
  response: HttpResponse | null;
  countOfBytesReceived: number;
  countOfBytesExpectedToReceive: number;
  kind: 'download' | 'upload' | 'streamedUpload' | 'data';
  countOfBytesSent: number;
  countOfBytesExpectedToSend: number;
}

/** cancelReason: 0 force-quit, 1 background updates disabled, 2 insufficient resources. */
export interface UrlError { code: number; cancelReason: 0 | 1 | 2 | null; resumeData: string | null; }

export interface SessionConfiguration {
  identifier: string;
  sessionSendsLaunchEvents?: boolean;
  isDiscretionary?: boolean;
  timeoutIntervalForRequest_us?: number;
  timeoutIntervalForResource_us?: number;
  allowsCellularAccess?: boolean;
  allowsExpensiveNetworkAccess?: boolean;
  allowsConstrainedNetworkAccess?: boolean;
}

/** Every event has these; the rest depends on `type` (docs/protocol.md, "Events"). */
export interface BgsimEvent {
  type: string;
  now_us: number;
  queue: Queue;
  state: AppState;
  [field: string]: any;
}

export interface Variant { name: string; args: string[]; caughtBy?: string[]; }

export interface Hello {
  app: string;
  features?: Array<'pause-resume' | 'fetch' | 'upload' | 'sign-out' | 'stop-after-downloads' | 'session-settings'>;
  extensionSession?: string;
  variants?: Variant[];
}

// ---- the wire ----

export interface Transport { readLine(): string | null; writeLine(line: string): void; }

export class FdTransport implements Transport {
  constructor(inFd?: number, outFd?: number);
  readLine(): string | null;
  writeLine(line: string): void;
}

export class MemoryTransport implements Transport {
  constructor(input?: string[] | ((written: string[]) => string | null));
  written: string[];
  readLine(): string | null;
  writeLine(line: string): void;
}

export class FramingError extends Error {}
export function encode(message: object): string;
export function decode(line: string): Record<string, any>;

// ---- the protocol layer ----

export class NSException extends Error { exceptionName: string; reason: string; }
export class FileError extends Error { code: FileErrorCode; }
export class ProtocolError extends Error {}
export const PROTOCOL_VERSION: 1;

/** Handlers a session delegate may have, by event type. */
export type SessionDelegate = Partial<Record<
  'didWriteData' | 'didSendBodyData' | 'didReceiveData' | 'didResumeAtOffset' | 'didFinishDownloadingTo'
  | 'didCompleteWithError' | 'didReceiveChallenge' | 'didBecomeInvalidWithError' | 'urlSessionDidFinishEvents',
  (event: BgsimEvent) => unknown>>;

export class Client {
  constructor(transport?: Transport);
  readonly welcome: BgsimEvent | null;
  readonly sessionSettings: Record<string, unknown>;
  readonly event: BgsimEvent | null;
  readonly now_us: number;
  readonly appState: AppState;
  readonly queue: Queue;

  hello(info: Hello): BgsimEvent;
  /** Handles events until end of input; `app[event.type](event)` for app and user events. */
  serve(app: Record<string, (event: BgsimEvent) => unknown>): Promise<void>;
  send(message: object): void;
  request(message: object): any;

  createBackgroundSession(configuration: SessionConfiguration, delegate?: SessionDelegate): number;
  downloadTask(session: number, url: string): TaskKey;
  downloadTaskWithResumeData(session: number, resumeData: Buffer): TaskKey;
  downloadTaskWithCompletionHandler(session: number, url: string): TaskKey;
  uploadTaskFromFile(session: number, url: string, file: string, method?: 'PUT' | 'POST'): TaskKey;
  uploadTaskWithStreamedRequest(session: number, url: string, body: Buffer, method?: 'PUT' | 'POST'): TaskKey;
  uploadTaskFromData(session: number, url: string, body: Buffer): TaskKey;
  dataTask(session: number, url: string): TaskKey;
  setTaskDelegate(task: TaskKey): null;
  resume(task: TaskKey): void;
  suspend(task: TaskKey): void;
  cancel(task: TaskKey): void;
  cancelByProducingResumeData(task: TaskKey, fn: (resumeData: Buffer | null, event: BgsimEvent) => unknown): void;
  setTaskDescription(task: TaskKey, description: string): void;
  setEarliestBeginDate(task: TaskKey, at_us: number): void;
  setCountOfBytesClientExpectsToReceive(task: TaskKey, bytes: number): void;
  setCountOfBytesClientExpectsToSend(task: TaskKey, bytes: number): void;
  taskInfo(task: TaskKey): TaskObject | null;
  getAllTasks(session: number, fn: (tasks: TaskObject[], event: BgsimEvent) => unknown): void;
  invalidate(session: number, cancel: boolean): void;
  callCompletionHandler(handler: number): void;
  answerChallenge(handler: number, disposition: 'useCredential' | 'performDefaultHandling' | 'cancelAuthenticationChallenge' | 'rejectProtectionSpace', credential?: { user: string; password: string }): void;

  /** Returns the block number. */
  dispatch(queue: Queue, fn: (event: BgsimEvent) => unknown, options?: { delay_us?: number; label?: string }): number;
  /** A main-queue block after `ms` of virtual time. */
  setTimeout<A extends unknown[]>(fn: (...args: A) => unknown, ms?: number, ...args: A): number;
  clearTimeout(id: number): void;
  busy(duration_us: number): void;

  readFile(path: string): Buffer;
  writeFile(path: string, data: Buffer | string): void;
  moveItem(from: string, to: string): void;
  copyItem(from: string, to: string): void;
  replaceItem(destination: string, withPath: string): void;
  removeItem(path: string): void;
  createDirectory(path: string): void;
  fileExists(path: string): boolean;
  fileSize(path: string): number;
  listDirectory(path: string): string[];
  containerRoot(): string;

  log(message: string): void;
  reportProgress(key: string, fraction: number): void;
  reportDownloadState(key: string, state: DownloadStateWord): void;
}

export class JsonStorage {
  constructor(client: Client, path: string);
  getItem(key: string): any;
  setItem(key: string, value: unknown): void;
  removeItem(key: string): void;
  keys(): string[];
}

// ---- the React Native background downloader ----

export type TaskState = 'PENDING' | 'DOWNLOADING' | 'PAUSED' | 'DONE' | 'FAILED' | 'STOPPED';

export interface BeginInfo { expectedBytes: number; headers: Record<string, string>; }
export interface ProgressInfo { bytesDownloaded: number; bytesTotal: number; }
export interface DoneInfo extends ProgressInfo { location: string; headers?: Record<string, string>; }
export interface ErrorInfo { error: string; errorCode: number; cancelReason?: 0 | 1 | 2 | null; resumable: boolean; }
export interface WaitingInfo { reason: string; bytesDownloaded: number; }

export class DownloadTask {
  readonly id: string;
  metadata: Record<string, unknown>;
  state: TaskState;
  bytesDownloaded: number;
  bytesTotal: number;
  readonly percent: number;
  errorCode: number | null;
  url?: string;
  destination?: string;
  begin(handler: (info: BeginInfo) => unknown): this;
  progress(handler: (info: ProgressInfo) => unknown): this;
  done(handler: (info: DoneInfo) => unknown): this;
  error(handler: (info: ErrorInfo) => unknown): this;
  /** This client's addition: the file came while the device was locked; done follows. */
  waiting(handler: (info: WaitingInfo) => unknown): this;
  pause(): void;
  resume(): void;
  stop(): void;
}

export interface DownloadOptions { id: string; url: string; destination: string; metadata?: Record<string, unknown>; }

export interface NativeOptions {
  identifier?: string;
  progressInterval?: number;
  isLogsEnabled?: boolean;
  Native?: typeof NativeDownloader;
}

export class NativeDownloader {
  constructor(client: Client, emit: (name: string, body: Record<string, unknown>) => void, options?: NativeOptions);
  readonly client: Client;
  readonly identifier: string;
  session: number | null;
  progressInterval: number;
  isLogsEnabled: boolean;
  lazyInitSession(): void;
  download(options: DownloadOptions): void;
  pauseTask(id: string): void;
  resumeTask(id: string): void;
  stopTask(id: string): void;
  checkForExistingDownloads(callback: (found: Array<Record<string, unknown>>) => unknown): void;
  setCompletionHandler(identifier: string, handler: number): void;
  completeHandler(jobId: string): void;
  finishPendingMoves(): void;
  place(from: string, to: string): void;
}

export const directories: Readonly<{ documents: string; caches: string; applicationSupport: string }>;

export class Downloader {
  constructor(client: Client, options?: NativeOptions);
  readonly client: Client;
  readonly native: NativeDownloader;
  readonly tasks: Map<string, DownloadTask>;
  readonly directories: typeof directories;
  setConfig(config: { progressInterval?: number; isLogsEnabled?: boolean }): void;
  download(options: DownloadOptions): DownloadTask;
  checkForExistingDownloads(callback?: (tasks: DownloadTask[]) => unknown): Promise<DownloadTask[]>;
  completeHandler(jobId: string): void;
  onForeground(): void;
}

export interface AppContext {
  client: Client;
  downloader: Downloader;
  storage(path: string): JsonStorage;
  setTimeout: Client['setTimeout'];
  clearTimeout: Client['clearTimeout'];
  /** Resolves at end of input (with a transport other than standard input and output). */
  finished: Promise<void>;
}

export type AppHandler = (event: BgsimEvent, ctx: AppContext) => unknown;

export interface AppDefinition extends Partial<Record<string, unknown>> {
  name: string;
  features?: Hello['features'];
  variants?: Variant[];
  extensionSession?: string;
  downloader?: NativeOptions;
  didFinishLaunching?: AppHandler;
  handleEventsForBackgroundURLSession?: AppHandler;
  applicationDidEnterBackground?: AppHandler;
  applicationWillEnterForeground?: AppHandler;
  userTappedDownload?: AppHandler;
  userTappedPause?: AppHandler;
  userTappedResume?: AppHandler;
}

export function runApp(app: AppDefinition, transport?: Transport): AppContext;
export function makeContext(client: Client, options?: { downloader?: NativeOptions }): AppContext;
export function context(): AppContext;

/** The library's module-level functions, bound to this process once runApp has started. */
export const RNBackgroundDownloader: {
  download(options: DownloadOptions): DownloadTask;
  checkForExistingDownloads(callback?: (tasks: DownloadTask[]) => unknown): Promise<DownloadTask[]>;
  completeHandler(jobId: string): void;
  setConfig(config: { progressInterval?: number; isLogsEnabled?: boolean }): void;
  directories: typeof directories;
};
