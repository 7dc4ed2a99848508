// Foundation.cs: the Foundation value types of Xamarin.iOS an app's download code touches:
// NSObject (with InvokeOnMainThread), NSString, NSData, NSNumber, NSDictionary, NSUrl,
// NSUrlRequest / NSMutableUrlRequest, NSUrlResponse / NSHttpUrlResponse, NSError with the
// NSUrlError codes, NSDate (virtual time), NSThread, NSException, the Register/Export
// attributes, and ObjCRuntime.ObjCException (what an Objective-C exception becomes).
// Names and shapes follow Xamarin.iOS; see README.md for what differs.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Bgsim;

namespace Foundation
{
    /// <summary>Marks a class exported to Objective-C. Has no effect here.</summary>
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class RegisterAttribute : Attribute
    {
        public RegisterAttribute() { }
        public RegisterAttribute(string name) { Name = name; }
        public string Name { get; set; }
    }

    /// <summary>Marks a member exported to Objective-C. Has no effect here.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor)]
    public sealed class ExportAttribute : Attribute
    {
        public ExportAttribute() { }
        public ExportAttribute(string selector) { Selector = selector; }
        public string Selector { get; set; }
    }

    /// <summary>The root class. Dispose releases nothing: there is no native object.</summary>
    public class NSObject : IDisposable
    {
        public void Dispose() { Dispose(true); GC.SuppressFinalize(this); }
        protected virtual void Dispose(bool disposing) { }

        /// <summary>Runs <paramref name="action"/> on the main queue: now when already on
        /// it, else dispatched there (Xamarin waits for it; bgsim has no threads to block, so
        /// the caller goes on first; code after the call must not depend on it).</summary>
        public void InvokeOnMainThread(Action action)
        {
            if (NSThread.IsMain) action();
            else Runtime.Dispatch("main", 0, "InvokeOnMainThread", action);
        }

        /// <summary>Dispatches <paramref name="action"/> to the main queue, always later.</summary>
        public void BeginInvokeOnMainThread(Action action)
        {
            Runtime.Dispatch("main", 0, "BeginInvokeOnMainThread", action);
        }
    }

    /// <summary>A string object; converts both ways with string.</summary>
    public class NSString : NSObject
    {
        readonly string value;
        public NSString(string value) { this.value = value ?? ""; }
        public static implicit operator string(NSString s) { return s == null ? null : s.value; }
        public static explicit operator NSString(string s) { return s == null ? null : new NSString(s); }
        public override string ToString() { return value; }
        public override bool Equals(object o) { var s = o as NSString; return s != null && s.value == value; }
        public override int GetHashCode() { return value.GetHashCode(); }
    }

    /// <summary>Bytes (resume data, file contents).</summary>
    public class NSData : NSObject
    {
        readonly byte[] bytes;
        NSData(byte[] bytes) { this.bytes = bytes; }
        public static NSData FromArray(byte[] bytes) { return new NSData((byte[])(bytes ?? new byte[0]).Clone()); }
        public static NSData FromString(string s) { return new NSData(new UTF8Encoding(false).GetBytes(s ?? "")); }
        /// <summary>The file's contents through the protocol's readFile; null if it cannot be read.</summary>
        public static NSData FromFile(string path)
        {
            try { return FromArray(Bgsim.IO.File.ReadAllBytes(path)); }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { return null; }
        }
        /// <summary>Writes the bytes to <paramref name="path"/>; false if the write failed.</summary>
        public bool Save(string path, bool atomically)
        {
            try { Bgsim.IO.File.WriteAllBytes(path, bytes); return true; }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { return false; }
        }
        public byte[] ToArray() { return (byte[])bytes.Clone(); }
        public ulong Length { get { return (ulong)bytes.Length; } }
        public string GetBase64EncodedString(NSDataBase64EncodingOptions options) { return Convert.ToBase64String(bytes); }
        public override string ToString() { return new UTF8Encoding(false).GetString(bytes); }
        internal string Base64 { get { return Convert.ToBase64String(bytes); } }
        internal static NSData FromBase64(string s) { return s == null ? null : new NSData(Convert.FromBase64String(s)); }
    }

    public enum NSDataBase64EncodingOptions { None = 0 }

    /// <summary>A number object.</summary>
    public class NSNumber : NSObject
    {
        readonly long value;
        public NSNumber(long value) { this.value = value; }
        public static NSNumber FromInt64(long v) { return new NSNumber(v); }
        public long Int64Value { get { return value; } }
        public int Int32Value { get { return (int)value; } }
        public override string ToString() { return value.ToString(CultureInfo.InvariantCulture); }
    }

    /// <summary>A read-only dictionary (launch options, userInfo, header fields).</summary>
    public class NSDictionary : NSObject
    {
        protected readonly Dictionary<string, NSObject> items = new Dictionary<string, NSObject>();
        public NSDictionary() { }
        internal void Set(string key, NSObject value) { if (value != null) items[key] = value; }
        public NSObject this[NSObject key] { get { return ObjectForKey(key); } }
        public NSObject this[NSString key] { get { return ObjectForKey(key); } }
        public NSObject this[string key] { get { NSObject v; return items.TryGetValue(key, out v) ? v : null; } }
        public NSObject ObjectForKey(NSObject key) { return key == null ? null : this[key.ToString()]; }
        public bool ContainsKey(NSObject key) { return key != null && items.ContainsKey(key.ToString()); }
        public ulong Count { get { return (ulong)items.Count; } }
        public NSObject[] Keys
        {
            get { var k = new List<NSObject>(); foreach (var s in items.Keys) k.Add(new NSString(s)); return k.ToArray(); }
        }
    }

    /// <summary>A URL: an http(s) address, or a file in the container.</summary>
    public class NSUrl : NSObject
    {
        readonly string text;
        readonly bool isFile;
        NSUrl(string text, bool isFile) { this.text = text; this.isFile = isFile; }

        /// <summary>A URL from its text; null when it is empty (iOS returns nil for what it cannot parse).</summary>
        public static NSUrl FromString(string url) { return string.IsNullOrEmpty(url) ? null : new NSUrl(url, url.StartsWith("file://", StringComparison.Ordinal)); }
        /// <summary>A file URL for a container path (relative: <c>Documents/a.bin</c>, or absolute).</summary>
        public static NSUrl FromFilename(string path) { return new NSUrl(path, true); }
        public static NSUrl CreateFileUrl(string path, bool isDir, NSUrl relativeToUrl) { return FromFilename(path); }
        public NSUrl(string url) : this(url, url.StartsWith("file://", StringComparison.Ordinal)) { }

        public bool IsFileUrl { get { return isFile; } }
        /// <summary>For a file URL, the container path exactly as bgsim gave it (a
        /// temporary file's location is relative: <c>Library/Caches/...</c>); the file calls
        /// take it as it is. For a web URL, its path part.</summary>
        public string Path
        {
            get
            {
                if (isFile) return text.StartsWith("file://", StringComparison.Ordinal) ? text.Substring(7) : text;
                Uri u;
                return Uri.TryCreate(text, UriKind.Absolute, out u) ? u.AbsolutePath : text;
            }
        }
        public string AbsoluteString { get { return isFile && !text.StartsWith("file://", StringComparison.Ordinal) ? "file://" + text : text; } }
        public string LastPathComponent { get { var p = Path.TrimEnd('/'); var i = p.LastIndexOf('/'); return i < 0 ? p : p.Substring(i + 1); } }
        public NSUrl Append(string component, bool isDirectory) { return new NSUrl(text.TrimEnd('/') + "/" + component, isFile); }
        public override string ToString() { return AbsoluteString; }
        public override bool Equals(object o) { var u = o as NSUrl; return u != null && u.text == text; }
        public override int GetHashCode() { return text.GetHashCode(); }
        public static implicit operator string(NSUrl u) { return u == null ? null : u.AbsoluteString; }
    }

    /// <summary>A request: its URL, method and body.</summary>
    public class NSUrlRequest : NSObject
    {
        public NSUrlRequest() { }
        public NSUrlRequest(NSUrl url) { Url = url; HttpMethod = "GET"; }
        public static NSUrlRequest FromUrl(NSUrl url) { return new NSUrlRequest(url); }
        public NSUrl Url { get; protected set; }
        public string HttpMethod { get; protected set; }
        public NSData Body { get; protected set; }
    }

    /// <summary>A request whose method and body can be set.</summary>
    public class NSMutableUrlRequest : NSUrlRequest
    {
        public NSMutableUrlRequest() { HttpMethod = "GET"; }
        public NSMutableUrlRequest(NSUrl url) : base(url) { }
        public new NSUrl Url { get { return base.Url; } set { base.Url = value; } }
        public new string HttpMethod { get { return base.HttpMethod; } set { base.HttpMethod = value; } }
        public new NSData Body { get { return base.Body; } set { base.Body = value; } }
    }

    /// <summary>A response, as the task saw it.</summary>
    public class NSUrlResponse : NSObject
    {
        public NSUrl Url { get; internal set; }
        /// <summary>The Content-Length, or -1 (NSURLResponseUnknownLength).</summary>
        public long ExpectedContentLength { get; internal set; }
    }

    /// <summary>An HTTP response: its status and the validators bgsim reports.</summary>
    public class NSHttpUrlResponse : NSUrlResponse
    {
        public long StatusCode { get; internal set; }
        /// <summary><c>ETag</c>, <c>Last-Modified</c>, <c>Retry-After</c>, <c>Date</c>, <c>Content-Encoding</c>, when present.</summary>
        public NSDictionary AllHeaderFields { get; internal set; }
    }

    /// <summary>The NSURLErrorDomain codes bgsim produces (Xamarin's Foundation.NSUrlError).</summary>
    public enum NSUrlError : long
    {
        Unknown = -1,
        Cancelled = -999,
        BadURL = -1000,
        TimedOut = -1001,
        UnsupportedURL = -1002,
        CannotFindHost = -1003,
        CannotConnectToHost = -1004,
        NetworkConnectionLost = -1005,
        HTTPTooManyRedirects = -1007,
        ResourceUnavailable = -1008,
        NotConnectedToInternet = -1009,
        RedirectToNonExistentLocation = -1010,
        BadServerResponse = -1011,
        UserCancelledAuthentication = -1012,
        UserAuthenticationRequired = -1013,
        BackgroundSessionRequiresSharedContainer = -995,
        BackgroundSessionInUseByAnotherProcess = -996,
        BackgroundSessionWasDisconnected = -997,
    }

    /// <summary>Why the system cancelled a background task (the value of
    /// NSError.BackgroundTaskCancelledReasonKey in a -999's UserInfo).</summary>
    public enum NSUrlErrorCancelledReason : long
    {
        UserForceQuitApplication = 0,
        BackgroundUpdatesDisabled = 1,
        InsufficientSystemResources = 2,
    }

    /// <summary>An error: a URL task's (NSURLErrorDomain) or a file operation's (NSCocoaErrorDomain).</summary>
    public class NSError : NSObject
    {
        public const string NSUrlErrorDomain = "NSURLErrorDomain";
        public const string CocoaErrorDomain = "NSCocoaErrorDomain";
        /// <summary>UserInfo key of the resume data (NSURLSessionDownloadTaskResumeData).</summary>
        public static readonly NSString ResumeDataKey = new NSString("NSURLSessionDownloadTaskResumeData");
        /// <summary>UserInfo key of the cancel reason (NSURLErrorBackgroundTaskCancelledReasonKey).</summary>
        public static readonly NSString BackgroundTaskCancelledReasonKey = new NSString("NSURLErrorBackgroundTaskCancelledReasonKey");

        public NSError(NSString domain, long code, NSDictionary userInfo)
        {
            Domain = domain;
            Code = code;
            UserInfo = userInfo ?? new NSDictionary();
        }

        public string Domain { get; private set; }
        public long Code { get; private set; }
        public NSDictionary UserInfo { get; private set; }
        public string LocalizedDescription
        {
            get { return string.Format(CultureInfo.InvariantCulture, "The operation couldn’t be completed. ({0} error {1}.)", Domain, Code); }
        }
        public override string ToString() { return LocalizedDescription; }
    }

    /// <summary>A point in bgsim's virtual time (there is no wall clock).</summary>
    public class NSDate : NSObject
    {
        internal readonly long Us;
        internal NSDate(long us) { Us = us; }
        /// <summary>The virtual time of the event being handled.</summary>
        public static NSDate Now { get { return new NSDate(Runtime.NowUs); } }
        public static NSDate FromTimeIntervalSinceNow(double seconds) { return new NSDate(Runtime.NowUs + (long)Math.Round(seconds * 1e6)); }
        public NSDate AddSeconds(double seconds) { return new NSDate(Us + (long)Math.Round(seconds * 1e6)); }
        /// <summary>Seconds from the start of the run.</summary>
        public double SecondsSinceStart { get { return Us / 1e6; } }
        public override string ToString() { return (Us / 1e6).ToString("0.000000", CultureInfo.InvariantCulture) + "s"; }
    }

    /// <summary>Which queue the code runs on: only the main queue is the main thread.</summary>
    public class NSThread : NSObject
    {
        static readonly NSThread current = new NSThread();
        public static bool IsMain { get { return Runtime.Queue == "main"; } }
        public static NSThread Current { get { return current; } }
        public bool IsMainThread { get { return IsMain; } }
    }

    /// <summary>An Objective-C exception (see ObjCRuntime.ObjCException).</summary>
    public class NSException : NSObject
    {
        public NSException(string name, string reason) { Name = name; Reason = reason; }
        public string Name { get; private set; }
        public string Reason { get; private set; }
    }
}

namespace ObjCRuntime
{
    /// <summary>iOS raised an Objective-C exception in an SDK call (an invalidated session,
    /// a completion-handler API in a background session). As on a device, the process
    /// crashes: bgsim ends it when the callback returns, caught or not.</summary>
    public class ObjCException : Exception
    {
        public ObjCException(string name, string reason)
            : base(name + ": " + reason)
        {
            NSException = new Foundation.NSException(name, reason);
        }
        public Foundation.NSException NSException { get; private set; }
        public string Name { get { return NSException.Name; } }
        public string Reason { get { return NSException.Reason; } }
    }
}
