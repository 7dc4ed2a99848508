// Downloader.cs: the background session and the downloads in it, corrected from the
// article. Each download is keyed by its destination, which rides with its task in
// TaskDescription: the daemon keeps it across kills and relaunches, so a task that finishes
// in a later process still knows where its file goes (the article had one fixed
// destination for every download). The key is also what the UI shows (Sim.Report...).

using System;
using System.Collections.Generic;
using Bgsim;
using Bgsim.IO;
using Foundation;

public class Downloader
{
    public const string SessionId = "com.example.backgroundSession";

    // Attempts per download before it is given up (network errors, timeouts), counted in
    // memory: a new process counts again. A force-quit does not count: it is the user's,
    // not a failure (KILL-3).
    const int MaxAttempts = 3;

    NSUrlSession session;
    readonly Dictionary<string, int> attempts = new Dictionary<string, int>();

    // Make the session once per process, at launch (see AppDelegate.FinishedLaunching).
    public void Connect()
    {
        var configuration = NSUrlSessionConfiguration.CreateBackgroundSessionConfiguration(SessionId);
        session = NSUrlSession.FromConfiguration(configuration, new UrlSessionDelegate(this), null);
        PlaceStaged();
        // What the daemon still works on, for the UI after a relaunch.
        session.GetAllTasks(tasks =>
        {
            foreach (var task in tasks)
                Sim.Log($"in flight: {task.TaskDescription ?? "(not ours)"} ({task.State})");
        });
    }

    // The user asked for url, to be kept at destination.
    public void Start(string url, string destination)
    {
        // Report the download first: its state is shown from here on.
        Sim.ReportDownloadState(destination, DownloadState.Running);
        attempts[destination] = 1;
        Launch(session.CreateDownloadTask(NSUrl.FromString(url)), destination);
    }

    void Launch(NSUrlSessionDownloadTask task, string destination)
    {
        task.TaskDescription = destination;
        task.Resume();
    }

    // Try again: from the resume data when there is some (the bytes already here are not
    // fetched twice), else from the start.
    void Restart(NSUrlSessionTask old, string destination, NSData resumeData)
    {
        var task = resumeData != null
            ? session.CreateDownloadTaskFromResumeData(resumeData)
            : session.CreateDownloadTask(old.OriginalRequest.Url);
        Launch(task, destination);
        Sim.ReportDownloadState(destination, DownloadState.Running);
    }

    // A task ended with an error (didCompleteWithError): resume, retry or give up.
    public void Failed(NSUrlSessionTask task, string destination, NSError error)
    {
        var resumeData = error.UserInfo[NSError.ResumeDataKey] as NSData;
        var reason = error.UserInfo[NSError.BackgroundTaskCancelledReasonKey] as NSNumber;
        var forceQuit = error.Code == (long)NSUrlError.Cancelled && reason != null
            && reason.Int64Value == (long)NSUrlErrorCancelledReason.UserForceQuitApplication;
        if (forceQuit)
        {
            // The user swiped the app away; iOS cancelled the task and kept its bytes. This
            // arrives at the next launch: carry on where it stopped.
            Sim.ReportDownloadState(destination, DownloadState.Paused);
            Restart(task, destination, resumeData);
            return;
        }
        int done;
        attempts.TryGetValue(destination, out done);
        if (Retryable(error) && done < MaxAttempts)
        {
            Sim.Log($"{destination}: error {error.Code}, attempt {done + 1} of {MaxAttempts}");
            attempts[destination] = done + 1;
            Restart(task, destination, resumeData);
            return;
        }
        Sim.Log($"{destination}: failed with error {error.Code}");
        Sim.ReportDownloadState(destination, DownloadState.Failed);
        if (resumeData != null)
        {
            // Giving up: the resume data keeps a partial file the app cannot see. A task made
            // from it and cancelled at once lets iOS delete it (RES-7).
            session.CreateDownloadTaskFromResumeData(resumeData).Cancel();
        }
    }

    // Puts a finished file at destination: moved beside it, then swapped in with one
    // replace, so there is never a moment without a good file there.
    public static void Place(string file, string destination)
    {
        var staging = destination + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(destination));
        File.Delete(staging);
        File.Move(file, staging);
        if (File.Exists(destination))
            File.Replace(staging, destination, null);
        else
            File.Move(staging, destination);
    }

    // Files that finished while the device was locked wait here, each named after its
    // destination (escaped), until the app runs unlocked.
    const string PendingFolder = "Library/Caches/pending";

    public bool Stage(string file, string destination)
    {
        try
        {
            Directory.CreateDirectory(PendingFolder);
            File.Move(file, Path.Combine(PendingFolder, Uri.EscapeDataString(destination)));
            return true;
        }
        catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
        {
            return false;
        }
    }

    // At launch and back in the foreground: the staged files go in place, if unlocked now.
    public void PlaceStaged()
    {
        if (!Directory.Exists(PendingFolder))
            return;
        foreach (var pending in Directory.GetFiles(PendingFolder))
        {
            var destination = Uri.UnescapeDataString(Path.GetFileName(pending));
            try
            {
                Place(pending, destination);
                Sim.ReportDownloadState(destination, DownloadState.Done);
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                Sim.Log($"{destination}: still waits for the device to unlock");
            }
        }
    }

    // Errors that asking again cannot heal: a wrong URL, a redirect loop.
    static bool Retryable(NSError error)
    {
        switch ((NSUrlError)error.Code)
        {
            case NSUrlError.UnsupportedURL:
            case NSUrlError.BadURL:
            case NSUrlError.HTTPTooManyRedirects:
            case NSUrlError.RedirectToNonExistentLocation:
            case NSUrlError.Cancelled:
                return false;
            default:
                return true;
        }
    }
}
