// CoreFoundation.cs: Grand Central Dispatch as Xamarin's CoreFoundation has it: DispatchQueue
// (MainQueue, the global queue, DispatchAsync, DispatchAfter) and DispatchTime, on bgsim's
// virtual clock. Every block is a `dispatch` call; bgsim runs it with `runBlock`.

using System;
using Bgsim;

namespace CoreFoundation
{
    public enum DispatchQueuePriority { High = 2, Default = 0, Low = -2, Background = short.MinValue }

    /// <summary>A point in virtual time for DispatchAfter; DispatchTime.Now means "when evaluated".</summary>
    public struct DispatchTime
    {
        /// <summary>Virtual nanoseconds from the start of the run (0 with IsNow: now).</summary>
        public readonly ulong Nanoseconds;
        readonly bool absolute;

        public static readonly DispatchTime Now = new DispatchTime(0UL, false);
        public static readonly DispatchTime Forever = new DispatchTime(ulong.MaxValue, true);

        DispatchTime(ulong ns, bool absolute) { Nanoseconds = ns; this.absolute = absolute; }

        public DispatchTime(ulong nanoseconds) : this(nanoseconds, true) { }

        public DispatchTime(DispatchTime when, long deltaNanoseconds)
            : this((ulong)Math.Max(0L, (long)when.Resolve() + deltaNanoseconds), true) { }

        public DispatchTime(DispatchTime when, TimeSpan delta) : this(when, delta.Ticks * 100) { }

        public bool IsNow { get { return !absolute; } }

        ulong Resolve() { return absolute ? Nanoseconds : (ulong)Runtime.NowUs * 1000UL; }

        /// <summary>Microseconds from the current event's time to this one (0 if past).</summary>
        internal long DelayUs()
        {
            if (!absolute) return 0;
            if (Nanoseconds == ulong.MaxValue) throw new ArgumentException("DispatchTime.Forever never comes");
            return Math.Max(0L, (long)(Nanoseconds / 1000UL) - Runtime.NowUs);
        }
    }

    /// <summary>A dispatch queue: the main queue, or the (one) background queue.</summary>
    public class DispatchQueue
    {
        internal readonly string Queue;
        internal DispatchQueue(string queue) { Queue = queue; }

        static readonly DispatchQueue main = new DispatchQueue("main");
        static readonly DispatchQueue background = new DispatchQueue("background");

        public static DispatchQueue MainQueue { get { return main; } }
        public static DispatchQueue DefaultGlobalQueue { get { return background; } }
        /// <summary>Every priority is bgsim's one background queue.</summary>
        public static DispatchQueue GetGlobalQueue(DispatchQueuePriority priority) { return background; }
        /// <summary>The queue the current code runs on.</summary>
        public static DispatchQueue CurrentQueue { get { return new DispatchQueue(Runtime.Queue); } }

        public string Label
        {
            get { return Queue == "main" ? "com.apple.main-thread" : Queue == "background" ? "com.apple.root.default-qos" : Queue; }
        }

        /// <summary>Runs <paramref name="action"/> on this queue, after the current callback.</summary>
        public void DispatchAsync(Action action) { Runtime.Dispatch(Queue, 0, "", action); }

        /// <summary>Runs <paramref name="action"/> on this queue at <paramref name="when"/> (virtual time).</summary>
        public void DispatchAfter(DispatchTime when, Action action) { Runtime.Dispatch(Queue, when.DelayUs(), "", action); }

        /// <summary>Not available: a caller cannot wait for another queue in bgsim (and waiting
        /// for its own serial queue would deadlock on a device). Use DispatchAsync.</summary>
        public void DispatchSync(Action action)
        {
            throw new NotSupportedException("bgsim: DispatchSync cannot wait for a queue (no threads); use DispatchAsync");
        }
    }
}
