// NSUrlSession.cs: NSUrlSessionConfiguration (background configurations, and the settings
// the protocol carries), NSUrlSession (FromConfiguration, the Create*Task methods, GetAllTasks,
// invalidation) and NSOperationQueue. Calls: createBackgroundSession, downloadTask,
// downloadTaskWithResumeData, downloadTaskWithCompletionHandler, uploadTaskFromFile,
// uploadTaskFromData, uploadTaskWithStreamedRequest, dataTask, getAllTasks, invalidate.

using System;
using System.Collections.Generic;
using Bgsim;
using Bgsim.Protocol;

namespace Foundation
{
    public delegate void NSUrlSessionAllPendingTasks(NSUrlSessionTask[] tasks);
    public delegate void NSUrlSessionPendingTasks2(NSUrlSessionTask[] dataTasks, NSUrlSessionTask[] uploadTasks, NSUrlSessionTask[] downloadTasks);
    public delegate void NSUrlDownloadSessionResponse(NSUrl location, NSUrlResponse response, NSError error);
    public delegate void NSUrlSessionResponse(NSData data, NSUrlResponse response, NSError error);

    /// <summary>A session's configuration. Only background configurations exist in bgsim.
    /// Settings left alone keep bgsim's defaults (they are not sent).</summary>
    public class NSUrlSessionConfiguration : NSObject
    {
        NSUrlSessionConfiguration(string identifier) { Identifier = identifier; }

        /// <summary>A background configuration (iOS 8+).</summary>
        public static NSUrlSessionConfiguration CreateBackgroundSessionConfiguration(string identifier)
        {
            if (string.IsNullOrEmpty(identifier)) throw new ArgumentException("a background session needs an identifier");
            return new NSUrlSessionConfiguration(identifier);
        }

        /// <summary>The iOS 7 name of the same thing: it never returns null, whatever the
        /// identifier (it does not look for an existing session).</summary>
        [Obsolete("Use CreateBackgroundSessionConfiguration")]
        public static NSUrlSessionConfiguration BackgroundSessionConfiguration(string identifier)
        {
            return CreateBackgroundSessionConfiguration(identifier);
        }

        public static NSUrlSessionConfiguration DefaultSessionConfiguration
        {
            get { throw new NotSupportedException("bgsim simulates background sessions only: use CreateBackgroundSessionConfiguration"); }
        }

        public string Identifier { get; private set; }

        bool? sendsLaunchEvents, discretionary, cellular, expensive, constrained;
        double? requestTimeout, resourceTimeout;

        public bool SessionSendsLaunchEvents { get { return sendsLaunchEvents ?? true; } set { sendsLaunchEvents = value; } }
        /// <summary><c>isDiscretionary</c>.</summary>
        public bool Discretionary { get { return discretionary ?? false; } set { discretionary = value; } }
        public bool AllowsCellularAccess { get { return cellular ?? true; } set { cellular = value; } }
        public bool AllowsExpensiveNetworkAccess { get { return expensive ?? true; } set { expensive = value; } }
        public bool AllowsConstrainedNetworkAccess { get { return constrained ?? true; } set { constrained = value; } }
        /// <summary>Seconds (NSTimeInterval).</summary>
        public double TimeoutIntervalForRequest { get { return requestTimeout ?? 60; } set { requestTimeout = value; } }
        /// <summary>Seconds (NSTimeInterval).</summary>
        public double TimeoutIntervalForResource { get { return resourceTimeout ?? 7 * 24 * 3600; } set { resourceTimeout = value; } }

        internal JsonObject ToJson()
        {
            var c = new JsonObject().With("identifier", Identifier);
            if (sendsLaunchEvents.HasValue) c.With("sessionSendsLaunchEvents", sendsLaunchEvents.Value);
            if (discretionary.HasValue) c.With("isDiscretionary", discretionary.Value);
            if (requestTimeout.HasValue) c.With("timeoutIntervalForRequest_us", (long)Math.Round(requestTimeout.Value * 1e6));
            if (resourceTimeout.HasValue) c.With("timeoutIntervalForResource_us", (long)Math.Round(resourceTimeout.Value * 1e6));
            if (cellular.HasValue) c.With("allowsCellularAccess", cellular.Value);
            if (expensive.HasValue) c.With("allowsExpensiveNetworkAccess", expensive.Value);
            if (constrained.HasValue) c.With("allowsConstrainedNetworkAccess", constrained.Value);
            return c;
        }
    }

    /// <summary>A queue of operations: the main queue, or a session's delegate queue.</summary>
    public class NSOperationQueue : NSObject
    {
        internal readonly string Queue;
        internal NSOperationQueue(string queue) { Queue = queue; }
        static readonly NSOperationQueue main = new NSOperationQueue("main");
        public static NSOperationQueue MainQueue { get { return main; } }
        /// <summary>The queue the current code runs on.</summary>
        public static NSOperationQueue CurrentQueue { get { return new NSOperationQueue(Runtime.Queue); } }
        public void AddOperation(Action operation) { Runtime.Dispatch(Queue, 0, "", operation); }
    }

    /// <summary>A background session. Its delegate's methods run on its delegate queue.</summary>
    public class NSUrlSession : NSObject
    {
        internal long Number;
        /// <summary>Invalidated by this process, its didBecomeInvalid not yet delivered.</summary>
        internal bool Invalidating;

        NSUrlSession() { }

        public NSUrlSessionConfiguration Configuration { get; private set; }
        public NSUrlSessionDelegate Delegate { get; private set; }
        /// <summary>The session's serial delegate queue (<c>delegate:&lt;id&gt;</c>).</summary>
        public NSOperationQueue DelegateQueue { get; private set; }
        public string SessionDescription { get; set; }

        /// <summary><c>sessionWithConfiguration:delegate:delegateQueue:</c>. A session with the
        /// identifier of a live one in this process is the first one again, with the first
        /// one's delegate (iOS warns: ID-3). <paramref name="delegateQueue"/> must be null:
        /// bgsim always delivers on the session's own serial queue.</summary>
        public static NSUrlSession FromConfiguration(NSUrlSessionConfiguration configuration, NSUrlSessionDelegate sessionDelegate, NSOperationQueue delegateQueue)
        {
            if (configuration == null) throw new ArgumentNullException("configuration");
            if (delegateQueue != null)
                System.Console.Error.WriteLine("bgsim: the delegate queue given to FromConfiguration is ignored; " +
                    "delegate methods run on delegate:" + configuration.Identifier + " (the protocol has no other)");
            var m = Runtime.Msg("createBackgroundSession").With("configuration", configuration.ToJson());
            var number = Convert.ToInt64(Runtime.Call(m));
            var session = new NSUrlSession
            {
                Number = number,
                Configuration = configuration,
                Delegate = sessionDelegate,
                DelegateQueue = new NSOperationQueue("delegate:" + configuration.Identifier),
            };
            NSUrlSession first;
            if (Runtime.SessionsByNumber.TryGetValue(number, out first))
            {
                // The same session as before: its delegate stays (ID-3).
                session.Delegate = first.Delegate;
                return session;
            }
            Runtime.SessionsByNumber[number] = session;
            List<NSUrlSession> list;
            if (!Runtime.SessionsById.TryGetValue(configuration.Identifier, out list))
                Runtime.SessionsById[configuration.Identifier] = list = new List<NSUrlSession>();
            list.Add(session);
            return session;
        }

        public static NSUrlSession FromConfiguration(NSUrlSessionConfiguration configuration)
        {
            return FromConfiguration(configuration, null, null);
        }

        /// <summary>The session an event names by identifier: the newest one made with it,
        /// or for didBecomeInvalid the oldest this process invalidated.</summary>
        internal static NSUrlSession ForEvent(string identifier, bool invalidation)
        {
            List<NSUrlSession> list;
            if (!Runtime.SessionsById.TryGetValue(identifier, out list) || list.Count == 0) return null;
            if (invalidation)
                foreach (var s in list)
                    if (s.Invalidating) { s.Invalidating = false; return s; }
            return list[list.Count - 1];
        }

        JsonObject Msg(string type) { return Runtime.Msg(type).With("session", Number); }

        static string UrlOf(NSUrlRequest request)
        {
            if (request == null || request.Url == null) throw new ArgumentNullException("request");
            return request.Url.AbsoluteString;
        }

        public NSUrlSessionDownloadTask CreateDownloadTask(NSUrlRequest request)
        {
            var key = Runtime.Call(Msg("downloadTask").With("url", UrlOf(request)));
            return NSUrlSessionTask.Created<NSUrlSessionDownloadTask>(key, "download", request.Url);
        }

        public NSUrlSessionDownloadTask CreateDownloadTask(NSUrl url) { return CreateDownloadTask(new NSUrlRequest(url)); }

        /// <summary>The completion-handler form: a background session refuses it with an
        /// exception (API-2), which crashes the app.</summary>
        public NSUrlSessionDownloadTask CreateDownloadTask(NSUrlRequest request, NSUrlDownloadSessionResponse completionHandler)
        {
            var key = Runtime.Call(Msg("downloadTaskWithCompletionHandler").With("url", UrlOf(request)));
            return NSUrlSessionTask.Created<NSUrlSessionDownloadTask>(key, "download", request.Url);
        }

        public NSUrlSessionDownloadTask CreateDownloadTaskFromResumeData(NSData resumeData)
        {
            if (resumeData == null) throw new ArgumentNullException("resumeData");
            var key = Runtime.Call(Msg("downloadTaskWithResumeData").With("resumeData", resumeData.Base64));
            return NSUrlSessionTask.Created<NSUrlSessionDownloadTask>(key, "download", null);
        }

        /// <summary>An upload of a container file (PUT or POST, from request.HttpMethod).</summary>
        public NSUrlSessionUploadTask CreateUploadTask(NSUrlRequest request, NSUrl fromFile)
        {
            var m = Msg("uploadTaskFromFile").With("url", UrlOf(request)).With("method", request.HttpMethod ?? "PUT").With("file", fromFile.Path);
            return NSUrlSessionTask.Created<NSUrlSessionUploadTask>(Runtime.Call(m), "upload", request.Url);
        }

        /// <summary>An upload from memory: refused in a background session (API-3).</summary>
        public NSUrlSessionUploadTask CreateUploadTask(NSUrlRequest request, NSData bodyData)
        {
            var m = Msg("uploadTaskFromData").With("url", UrlOf(request)).With("body", (bodyData ?? NSData.FromArray(null)).Base64);
            return NSUrlSessionTask.Created<NSUrlSessionUploadTask>(Runtime.Call(m), "upload", request.Url);
        }

        /// <summary>A streamed upload of request.Body (API-6: it fails in the background).</summary>
        public NSUrlSessionUploadTask CreateUploadTask(NSUrlRequest request)
        {
            var body = request.Body ?? NSData.FromArray(null);
            var m = Msg("uploadTaskWithStreamedRequest").With("url", UrlOf(request)).With("method", request.HttpMethod ?? "PUT").With("body", body.Base64);
            return NSUrlSessionTask.Created<NSUrlSessionUploadTask>(Runtime.Call(m), "streamedUpload", request.Url);
        }

        public NSUrlSessionDataTask CreateDataTask(NSUrlRequest request)
        {
            var key = Runtime.Call(Msg("dataTask").With("url", UrlOf(request)));
            return NSUrlSessionTask.Created<NSUrlSessionDataTask>(key, "data", request.Url);
        }

        public NSUrlSessionDataTask CreateDataTask(NSUrl url) { return CreateDataTask(new NSUrlRequest(url)); }

        /// <summary><c>getAllTasksWithCompletionHandler:</c>: the handler runs later, on the
        /// delegate queue, with the session's unfinished tasks.</summary>
        public void GetAllTasks(NSUrlSessionAllPendingTasks completionHandler)
        {
            var m = Msg("getAllTasks");
            m.With("block", Runtime.RegisterBlock(ev =>
            {
                var tasks = new List<NSUrlSessionTask>();
                foreach (var t in ev.Arr("tasks")) tasks.Add(NSUrlSessionTask.FromJson((JsonObject)t));
                if (completionHandler != null) completionHandler(tasks.ToArray());
            }));
            Runtime.Send(m);
        }

        /// <summary><c>getTasksWithCompletionHandler:</c>, the tasks sorted by kind.</summary>
        public void GetTasks2(NSUrlSessionPendingTasks2 completionHandler)
        {
            GetAllTasks(all =>
            {
                var data = new List<NSUrlSessionTask>();
                var upload = new List<NSUrlSessionTask>();
                var download = new List<NSUrlSessionTask>();
                foreach (var t in all)
                {
                    if (t is NSUrlSessionUploadTask) upload.Add(t);
                    else if (t is NSUrlSessionDataTask) data.Add(t);
                    else download.Add(t);
                }
                completionHandler(data.ToArray(), upload.ToArray(), download.ToArray());
            });
        }

        /// <summary>Cancels every task and invalidates the session (INV-2); didBecomeInvalid follows.</summary>
        public void InvalidateAndCancel()
        {
            Runtime.Send(Msg("invalidate").With("cancel", true));
            Invalidating = true;
        }

        /// <summary>Lets the tasks finish, then invalidates the session (INV-1).</summary>
        public void FinishTasksAndInvalidate()
        {
            Runtime.Send(Msg("invalidate").With("cancel", false));
            Invalidating = true;
        }

        public override string ToString() { return "<NSUrlSession " + Configuration.Identifier + ">"; }
    }
}
