// NSUrlSessionDelegate.cs: the delegate base classes an app subclasses (NSUrlSessionDelegate,
// ...TaskDelegate, ...DataDelegate, ...DownloadDelegate, with Xamarin's method names), the
// authentication challenge types, and SessionEvents, which turns bgsim's session delegate
// events (didWriteData, didFinishDownloadingTo, didCompleteWithError, ...) into calls of
// those methods. Calls: answerChallenge.

using System;
using Bgsim;
using Bgsim.Protocol;

namespace Foundation
{
    /// <summary>Session-level events.</summary>
    public class NSUrlSessionDelegate : NSObject
    {
        /// <summary>The session is invalid: after an invalidation (error null), or refused
        /// because another process holds its identifier (-996, ID-5).</summary>
        public virtual void DidBecomeInvalid(NSUrlSession session, NSError error) { }

        /// <summary>Every event of a background wake has been delivered: call the stored
        /// completion handler now, on the main queue (CH-2).</summary>
        public virtual void DidFinishEventsForBackgroundSession(NSUrlSession session) { }
    }

    /// <summary>Task events.</summary>
    public class NSUrlSessionTaskDelegate : NSUrlSessionDelegate
    {
        /// <summary>The task ended: error null is a response (any status: HTTP-1), else the
        /// NSURLErrorDomain error, with resume data in its UserInfo when it can resume.</summary>
        public virtual void DidCompleteWithError(NSUrlSession session, NSUrlSessionTask task, NSError error) { }

        public virtual void DidSendBodyData(NSUrlSession session, NSUrlSessionTask task, long bytesSent, long totalBytesSent, long totalBytesExpectedToSend) { }

        /// <summary>The server asks for credentials (HTTP-4). Call the handler exactly once;
        /// by default it is called with PerformDefaultHandling.</summary>
        public virtual void DidReceiveChallenge(NSUrlSession session, NSUrlSessionTask task, NSUrlAuthenticationChallenge challenge, Action<NSUrlSessionAuthChallengeDisposition, NSUrlCredential> completionHandler)
        {
            completionHandler(NSUrlSessionAuthChallengeDisposition.PerformDefaultHandling, null);
        }
    }

    /// <summary>Data task events.</summary>
    public class NSUrlSessionDataDelegate : NSUrlSessionTaskDelegate
    {
        public virtual void DidReceiveData(NSUrlSession session, NSUrlSessionDataTask dataTask, NSData data) { }
    }

    /// <summary>Download task events (a subclass of the data delegate, so one delegate can
    /// take every kind of task).</summary>
    public abstract class NSUrlSessionDownloadDelegate : NSUrlSessionDataDelegate
    {
        /// <summary>The download's file is at <paramref name="location"/> until this method
        /// returns: move it now (FILE-1). Called for any status, 404 included.</summary>
        public abstract void DidFinishDownloading(NSUrlSession session, NSUrlSessionDownloadTask downloadTask, NSUrl location);

        /// <summary>Progress. <paramref name="totalBytesExpectedToWrite"/> is -1 when the
        /// length is unknown (PROG-2).</summary>
        public virtual void DidWriteData(NSUrlSession session, NSUrlSessionDownloadTask downloadTask, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite) { }

        /// <summary>A task made from resume data resumed at <paramref name="resumeFileOffset"/>.</summary>
        public virtual void DidResume(NSUrlSession session, NSUrlSessionDownloadTask downloadTask, long resumeFileOffset, long expectedTotalBytes) { }
    }

    public enum NSUrlSessionAuthChallengeDisposition : long
    {
        UseCredential = 0,
        PerformDefaultHandling = 1,
        CancelAuthenticationChallenge = 2,
        RejectProtectionSpace = 3,
    }

    public enum NSUrlCredentialPersistence : ulong { None = 0, ForSession = 1, Permanent = 2, Synchronizable = 3 }

    public class NSUrlCredential : NSObject
    {
        public NSUrlCredential(string user, string password, NSUrlCredentialPersistence persistence)
        {
            User = user;
            Password = password;
            Persistence = persistence;
        }
        /// <summary>Xamarin's spelling of <c>credentialWithUser:password:persistence:</c>.</summary>
        public static NSUrlCredential FromUserPasswordPersistance(string user, string password, NSUrlCredentialPersistence persistence)
        {
            return new NSUrlCredential(user, password, persistence);
        }
        public string User { get; private set; }
        public string Password { get; private set; }
        public NSUrlCredentialPersistence Persistence { get; private set; }
    }

    public class NSUrlProtectionSpace : NSObject
    {
        public string AuthenticationMethod { get; internal set; }
        public string Realm { get; internal set; }
        public string Host { get; internal set; }
    }

    public class NSUrlAuthenticationChallenge : NSObject
    {
        public NSUrlProtectionSpace ProtectionSpace { get; internal set; }
        public long PreviousFailureCount { get; internal set; }
        /// <summary>The scheme as the server named it (<c>Basic</c>, ...).</summary>
        public string Scheme { get; internal set; }
    }
}

namespace Bgsim
{
    using Foundation;

    /// <summary>Delivers bgsim's session delegate events to the session's delegate.</summary>
    internal static class SessionEvents
    {
        internal static bool Handles(string type)
        {
            switch (type)
            {
                case "didWriteData": case "didSendBodyData": case "didReceiveData":
                case "didResumeAtOffset": case "didFinishDownloadingTo": case "didCompleteWithError":
                case "didReceiveChallenge": case "didBecomeInvalidWithError": case "urlSessionDidFinishEvents":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>An error object of the protocol as an NSError (null stays null).</summary>
        internal static NSError ErrorOf(JsonObject e)
        {
            if (e == null) return null;
            var info = new NSDictionary();
            var data = NSData.FromBase64(e.OptStr("resumeData"));
            if (data != null) info.Set(NSError.ResumeDataKey, data);
            var reason = e.OptLong("cancelReason");
            if (reason.HasValue) info.Set(NSError.BackgroundTaskCancelledReasonKey, new NSNumber(reason.Value));
            return new NSError(new NSString(NSError.NSUrlErrorDomain), e.Long("code"), info);
        }

        static string Method(string scheme)
        {
            switch ((scheme ?? "").ToLowerInvariant())
            {
                case "basic": return "NSURLAuthenticationMethodHTTPBasic";
                case "digest": return "NSURLAuthenticationMethodHTTPDigest";
                default: return scheme;
            }
        }

        internal static void Deliver(string type, JsonObject ev)
        {
            var id = ev.Str("session");
            var session = NSUrlSession.ForEvent(id, type == "didBecomeInvalidWithError");
            var task = ev.Has("task") ? NSUrlSessionTask.FromJson(ev.Obj("task")) : null;
            if (session == null)
            {
                System.Console.Error.WriteLine("bgsim: `" + type + "` for session " + id + ", which this process never made");
                return;
            }
            var any = session.Delegate;
            var taskDelegate = any as NSUrlSessionTaskDelegate;
            var dataDelegate = any as NSUrlSessionDataDelegate;
            var downloadDelegate = any as NSUrlSessionDownloadDelegate;
            switch (type)
            {
                case "didWriteData":
                    if (downloadDelegate != null)
                        downloadDelegate.DidWriteData(session, (NSUrlSessionDownloadTask)task, ev.Long("bytesWritten"),
                            ev.Long("totalBytesWritten"), ev.Long("totalBytesExpectedToWrite"));
                    break;
                case "didSendBodyData":
                    if (taskDelegate != null)
                        taskDelegate.DidSendBodyData(session, task, ev.Long("bytesSent"), ev.Long("totalBytesSent"), ev.Long("totalBytesExpectedToSend"));
                    break;
                case "didReceiveData":
                    if (dataDelegate != null)
                        dataDelegate.DidReceiveData(session, (NSUrlSessionDataTask)task, NSData.FromBase64(ev.Str("data")));
                    break;
                case "didResumeAtOffset":
                    if (downloadDelegate != null)
                        downloadDelegate.DidResume(session, (NSUrlSessionDownloadTask)task, ev.Long("fileOffset"), ev.Long("expectedTotalBytes"));
                    break;
                case "didFinishDownloadingTo":
                    if (downloadDelegate != null)
                        downloadDelegate.DidFinishDownloading(session, (NSUrlSessionDownloadTask)task, NSUrl.FromFilename(ev.Str("location")));
                    break;
                case "didCompleteWithError":
                    if (taskDelegate != null) taskDelegate.DidCompleteWithError(session, task, ErrorOf(ev.OptObj("error")));
                    break;
                case "didReceiveChallenge":
                    Challenge(session, task, taskDelegate, ev);
                    break;
                case "didBecomeInvalidWithError":
                    if (any != null) any.DidBecomeInvalid(session, ErrorOf(ev.OptObj("error")));
                    break;
                case "urlSessionDidFinishEvents":
                    if (any != null) any.DidFinishEventsForBackgroundSession(session);
                    break;
            }
        }

        static void Challenge(NSUrlSession session, NSUrlSessionTask task, NSUrlSessionTaskDelegate d, JsonObject ev)
        {
            var handler = ev.Long("handler");
            var c = ev.Obj("challenge");
            var challenge = new NSUrlAuthenticationChallenge
            {
                Scheme = c.OptStr("scheme"),
                PreviousFailureCount = c.OptLong("previousFailureCount") ?? 0,
                ProtectionSpace = new NSUrlProtectionSpace
                {
                    AuthenticationMethod = Method(c.OptStr("scheme")),
                    Realm = c.OptStr("realm"),
                    Host = c.OptStr("host"),
                },
            };
            Action<NSUrlSessionAuthChallengeDisposition, NSUrlCredential> answer = (disposition, credential) =>
            {
                var m = Runtime.Msg("answerChallenge").With("handler", handler);
                switch (disposition)
                {
                    case NSUrlSessionAuthChallengeDisposition.UseCredential:
                        if (credential == null) throw new ArgumentNullException("credential", "UseCredential needs a credential");
                        m.With("disposition", "useCredential").With("user", credential.User).With("password", credential.Password);
                        break;
                    case NSUrlSessionAuthChallengeDisposition.CancelAuthenticationChallenge:
                        m.With("disposition", "cancelAuthenticationChallenge"); break;
                    case NSUrlSessionAuthChallengeDisposition.RejectProtectionSpace:
                        m.With("disposition", "rejectProtectionSpace"); break;
                    default:
                        m.With("disposition", "performDefaultHandling"); break;
                }
                Runtime.Send(m);
            };
            if (d != null) d.DidReceiveChallenge(session, task, challenge, answer);
            else answer(NSUrlSessionAuthChallengeDisposition.PerformDefaultHandling, null);
        }
    }
}
