// Sim.cs: what bgsim offers beyond Xamarin's API. The UI interfaces an app implements to
// receive the user's taps (IDownloadUI, IPauseResumeUI, ...; they decide the features of
// its hello), the scenario's [session] settings (SessionSettings), and Sim: the
// observability calls (log, reportProgress, reportDownloadState), busy work, labelled
// dispatch and the virtual clock.

using System;
using Bgsim.Protocol;
using CoreFoundation;
using Foundation;

namespace Bgsim
{
    /// <summary>The user taps download (every app has it): <c>userTappedDownload</c>.</summary>
    public interface IDownloadUI { void UserTappedDownload(string url, string destination); }

    /// <summary>Feature <c>pause-resume</c>: <c>userTappedPause</c> / <c>userTappedResume</c>.</summary>
    public interface IPauseResumeUI
    {
        void UserTappedPause(string destination);
        void UserTappedResume(string destination);
    }

    /// <summary>Feature <c>fetch</c>: <c>userTappedFetch</c>.</summary>
    public interface IFetchUI { void UserTappedFetch(string url, string destination); }

    /// <summary>Feature <c>upload</c>: <c>userTappedUpload</c> (the bytes the user picked).</summary>
    public interface IUploadUI { void UserTappedUpload(string url, byte[] content); }

    /// <summary>Feature <c>sign-out</c>: <c>userTappedSignOut</c>.</summary>
    public interface ISignOutUI { void UserTappedSignOut(); }

    /// <summary>Feature <c>stop-after-downloads</c>: <c>userTappedStopAfterDownloads</c>.</summary>
    public interface IStopAfterDownloadsUI { void UserTappedStopAfterDownloads(); }

    /// <summary><c>userTappedSuspendTask</c> / <c>userTappedResumeTask</c> (API-7).</summary>
    public interface ITaskSuspendUI
    {
        void UserTappedSuspendTask(string url);
        void UserTappedResumeTask(string url);
    }

    /// <summary>Feature <c>session-settings</c>: the app applies Sim.Session to its
    /// configuration (SessionSettings.ApplyTo).</summary>
    public interface IAppliesSessionSettings { }

    /// <summary>The scenario's [session] table: null means "keep the app's own choice".</summary>
    public sealed class SessionSettings
    {
        public bool? SendsLaunchEvents, Discretionary, AllowsCellularAccess, AllowsExpensiveNetworkAccess, AllowsConstrainedNetworkAccess;
        public TimeSpan? RequestTimeout, ResourceTimeout;
        public long? ExpectsToReceiveBytes;
        /// <summary><c>user:password</c> for an authentication challenge.</summary>
        public string Credentials;

        internal static SessionSettings FromJson(JsonObject s)
        {
            var r = new SessionSettings();
            if (s == null) return r;
            Func<string, TimeSpan?> us = k => s[k] == null ? (TimeSpan?)null : TimeSpan.FromTicks(s.Long(k) * 10);
            r.SendsLaunchEvents = s.OptBool("sendsLaunchEvents");
            r.Discretionary = s.OptBool("discretionary");
            r.RequestTimeout = us("requestTimeout_us");
            r.ResourceTimeout = us("resourceTimeout_us");
            r.AllowsCellularAccess = s.OptBool("allowsCellularAccess");
            r.AllowsExpensiveNetworkAccess = s.OptBool("allowsExpensiveNetworkAccess");
            r.AllowsConstrainedNetworkAccess = s.OptBool("allowsConstrainedNetworkAccess");
            r.ExpectsToReceiveBytes = s.OptLong("expectsToReceiveBytes");
            r.Credentials = s.OptStr("credentials");
            return r;
        }

        /// <summary>Sets on <paramref name="c"/> every setting the scenario names.</summary>
        public NSUrlSessionConfiguration ApplyTo(NSUrlSessionConfiguration c)
        {
            if (SendsLaunchEvents.HasValue) c.SessionSendsLaunchEvents = SendsLaunchEvents.Value;
            if (Discretionary.HasValue) c.Discretionary = Discretionary.Value;
            if (RequestTimeout.HasValue) c.TimeoutIntervalForRequest = RequestTimeout.Value.TotalSeconds;
            if (ResourceTimeout.HasValue) c.TimeoutIntervalForResource = ResourceTimeout.Value.TotalSeconds;
            if (AllowsCellularAccess.HasValue) c.AllowsCellularAccess = AllowsCellularAccess.Value;
            if (AllowsExpensiveNetworkAccess.HasValue) c.AllowsExpensiveNetworkAccess = AllowsExpensiveNetworkAccess.Value;
            if (AllowsConstrainedNetworkAccess.HasValue) c.AllowsConstrainedNetworkAccess = AllowsConstrainedNetworkAccess.Value;
            return c;
        }
    }

    /// <summary>The states reportDownloadState knows.</summary>
    public static class DownloadState
    {
        public const string Running = "running", Queued = "queued", Paused = "paused",
            Done = "done", Failed = "failed", Cancelled = "cancelled";
    }

    /// <summary>bgsim's own calls: what the app shows the user, and the simulation's clock.</summary>
    public static class Sim
    {
        /// <summary>A line in the history (<c>log</c>).</summary>
        public static void Log(string message) { Runtime.Log(message); }

        /// <summary>What the progress bar of download <paramref name="key"/> shows. JSON has
        /// no NaN or infinity: those are sent as the largest number of their sign (NaN as
        /// negative), so progress-sane still sees a value out of [0, 1].</summary>
        public static void ReportProgress(string key, double fraction)
        {
            if (double.IsNaN(fraction)) fraction = -double.MaxValue;
            else if (double.IsPositiveInfinity(fraction)) fraction = double.MaxValue;
            else if (double.IsNegativeInfinity(fraction)) fraction = -double.MaxValue;
            Runtime.Send(Runtime.Msg("reportProgress").With("key", key).With("fraction", fraction));
        }

        /// <summary>The state the app shows for download <paramref name="key"/> (see
        /// DownloadState). Report it first from UserTappedDownload: that ties the key to
        /// the URL and destination of the request.</summary>
        public static void ReportDownloadState(string key, string state)
        {
            Runtime.Send(Runtime.Msg("reportDownloadState").With("key", key).With("state", state));
        }

        /// <summary>Synchronous work that takes virtual time (<c>busy</c>, LC-10).</summary>
        public static void Busy(TimeSpan duration)
        {
            Runtime.Send(Runtime.Msg("busy").With("duration_us", duration.Ticks / 10));
        }

        /// <summary>DispatchAfter with a label, shown in the history.</summary>
        public static void Dispatch(DispatchQueue queue, TimeSpan delay, string label, Action block)
        {
            Runtime.Dispatch(queue.Queue, delay.Ticks / 10, label, block);
        }

        /// <summary>The virtual time of the event being handled, from the start of the run.</summary>
        public static TimeSpan Now { get { return TimeSpan.FromTicks(Runtime.NowUs * 10); } }

        /// <summary>The container's absolute path (it changes when the container moves).</summary>
        public static string ContainerRoot { get { return Runtime.ContainerRoot; } }

        /// <summary>The scenario's [session] settings.</summary>
        public static SessionSettings Session { get { return SessionSettings.FromJson(Runtime.SessionSettings); } }
    }
}
