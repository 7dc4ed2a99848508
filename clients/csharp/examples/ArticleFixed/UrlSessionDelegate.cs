// UrlSessionDelegate.cs: the article's UrlSessionDelegate, corrected.
//
//  - DidWriteData shows progress only when the length is known: without a Content-Length
//    totalBytesExpectedToWrite is -1, and the article's division showed -1024 (PROG-2).
//  - DidFinishDownloading checks the status first: a 404 page is not the image (HTTP-1).
//    The file goes where this download's user asked (its TaskDescription), and replaces the
//    old one atomically: moved beside it, then swapped in, so no moment is without a good
//    file (the article deleted the old file first, so a failed copy left none). While the
//    device is locked, a protected folder refuses it: it waits in Library/Caches.
//  - DidCompleteWithError reports the outcome, and sends errors to Downloader.Failed.
//  - DidFinishEventsForBackgroundSession calls the wake's completion handler on the main
//    queue (CH-2), through the app delegate.

using System;
using System.Collections.Generic;
using Bgsim;
using Bgsim.IO;
using CoreFoundation;
using Foundation;
using UIKit;

public class UrlSessionDelegate : NSUrlSessionDownloadDelegate
{
    readonly Downloader downloader;
    // Tasks whose file is in place (or staged while the device is locked), and why the
    // others have none. This process only: DidFinishDownloading sets them just before
    // DidCompleteWithError reads them.
    readonly HashSet<ulong> placed = new HashSet<ulong>();
    readonly HashSet<ulong> staged = new HashSet<ulong>();
    readonly Dictionary<ulong, string> problems = new Dictionary<ulong, string>();

    public UrlSessionDelegate(Downloader downloader)
    {
        this.downloader = downloader;
    }

    public override void DidWriteData(NSUrlSession session, NSUrlSessionDownloadTask downloadTask, long bytesWritten, long totalBytesWritten, long totalBytesExpectedToWrite)
    {
        var destination = downloadTask.TaskDescription;
        if (destination == null || totalBytesExpectedToWrite <= 0)
            return; // not ours, or no length: an indeterminate bar, not a fraction
        Sim.ReportProgress(destination, Math.Min(1.0, totalBytesWritten / (double)totalBytesExpectedToWrite));
    }

    public override void DidFinishDownloading(NSUrlSession session, NSUrlSessionDownloadTask downloadTask, NSUrl location)
    {
        var destination = downloadTask.TaskDescription;
        if (destination == null)
            return; // not a download of ours
        var response = downloadTask.Response as NSHttpUrlResponse;
        if (response == null || response.StatusCode < 200 || response.StatusCode >= 300)
        {
            // The body is the server's error page: iOS deletes it when this method returns.
            problems[downloadTask.TaskIdentifier] = $"HTTP {(response == null ? 0 : response.StatusCode)}";
            return;
        }
        // The file is only here until this method returns: move it now, not later.
        try
        {
            Downloader.Place(location.Path, destination);
            placed.Add(downloadTask.TaskIdentifier);
        }
        catch (UnauthorizedAccessException)
        {
            // The device is locked and Documents is protected (NSFileProtectionComplete):
            // keep the file where the lock does not reach; it goes in place once unlocked.
            if (downloader.Stage(location.Path, destination)) staged.Add(downloadTask.TaskIdentifier);
            else problems[downloadTask.TaskIdentifier] = "could not keep the file while the device is locked";
        }
        catch (System.IO.IOException e)
        {
            problems[downloadTask.TaskIdentifier] = "could not keep the file: " + e.Message;
        }
    }

    public override void DidCompleteWithError(NSUrlSession session, NSUrlSessionTask task, NSError error)
    {
        var destination = task.TaskDescription;
        if (destination == null)
            return;
        if (error != null)
        {
            downloader.Failed(task, destination, error);
            return;
        }
        if (placed.Remove(task.TaskIdentifier))
        {
            Sim.ReportDownloadState(destination, DownloadState.Done);
            return;
        }
        if (staged.Remove(task.TaskIdentifier))
        {
            Sim.ReportDownloadState(destination, DownloadState.Paused); // done once unlocked
            return;
        }
        string problem;
        if (!problems.TryGetValue(task.TaskIdentifier, out problem)) problem = "no file";
        problems.Remove(task.TaskIdentifier);
        Sim.Log($"{destination}: failed: {problem}");
        Sim.ReportDownloadState(destination, DownloadState.Failed);
    }

    public override void DidFinishEventsForBackgroundSession(NSUrlSession session)
    {
        // This runs on the session's delegate queue; UIKit and the handler belong on main.
        var identifier = session.Configuration.Identifier;
        DispatchQueue.MainQueue.DispatchAsync(() =>
        {
            var appDelegate = UIApplication.SharedApplication.Delegate as AppDelegate;
            appDelegate.CompleteBackgroundEvents(identifier);
        });
    }
}
