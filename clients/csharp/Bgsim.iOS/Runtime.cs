// Runtime.cs: the state of one app process as the client keeps it: the peer, the event being
// handled (its virtual time, queue and app state), the blocks waiting to run, and the
// session and task objects by the names bgsim gives them. Every SDK look-alike goes
// through Runtime.Call / Runtime.Send, which refuse a call outside a callback (the protocol
// allows none: no threads, no timers).

using System;
using System.Collections.Generic;
using Bgsim.Protocol;
using Foundation;

namespace Bgsim
{
    internal static class Runtime
    {
        internal static Peer Peer;
        /// <summary>Virtual time of the event being handled, in microseconds.</summary>
        internal static long NowUs;
        /// <summary><c>main</c>, <c>background</c> or <c>delegate:&lt;id&gt;</c>.</summary>
        internal static string Queue = "main";
        /// <summary><c>foreground</c> or <c>background</c>.</summary>
        internal static string State = "foreground";
        internal static bool InEvent;
        /// <summary>The welcome's <c>session</c> table (may be null).</summary>
        internal static JsonObject SessionSettings;

        static long nextBlock;
        static Dictionary<long, Action<JsonObject>> blocks;
        static string containerRoot;

        /// <summary>Each session object by the number bgsim returned (the first object made
        /// with that number: a second session with a live identifier aliases it, ID-3).</summary>
        internal static Dictionary<long, NSUrlSession> SessionsByNumber;
        /// <summary>Every distinct session (by number) made for an identifier, oldest first.</summary>
        internal static Dictionary<string, List<NSUrlSession>> SessionsById;
        /// <summary>One task object per task key, so the same task is the same object.</summary>
        internal static Dictionary<string, NSUrlSessionTask> Tasks;

        internal static void Reset(Peer peer)
        {
            Peer = peer;
            NowUs = 0;
            Queue = "main";
            State = "foreground";
            InEvent = false;
            SessionSettings = null;
            nextBlock = 0;
            blocks = new Dictionary<long, Action<JsonObject>>();
            containerRoot = null;
            SessionsByNumber = new Dictionary<long, NSUrlSession>();
            SessionsById = new Dictionary<string, List<NSUrlSession>>();
            Tasks = new Dictionary<string, NSUrlSessionTask>();
        }

        /// <summary>Marks the start of an event: its time, queue and state become current.</summary>
        internal static void Enter(JsonObject ev)
        {
            NowUs = ev.OptLong("now_us") ?? NowUs;
            Queue = ev.OptStr("queue") ?? Queue;
            State = ev.OptStr("state") ?? State;
            containerRoot = null; // it changes when the container moves (TF-07)
            InEvent = true;
        }

        internal static void Leave() { InEvent = false; }

        internal static JsonObject Msg(string type) { return new JsonObject().With("type", type); }

        static void RequireEvent(JsonObject m)
        {
            if (Peer == null)
                throw new InvalidOperationException("bgsim: no app is running; start it with BgsimApp.Run");
            if (!InEvent)
                throw new InvalidOperationException("bgsim: `" + m["type"] + "` made outside a callback. " +
                    "A program speaks only while it handles an event (docs/protocol.md, strict turns): " +
                    "no constructor work, threads or timers; dispatch instead.");
        }

        /// <summary>A call that returns a value (see Peer.Call for its answers).</summary>
        internal static object Call(JsonObject m) { RequireEvent(m); return Peer.Call(m); }

        /// <summary>A call without an answer.</summary>
        internal static void Send(JsonObject m) { RequireEvent(m); Peer.Send(m); }

        internal static void Log(string message) { Send(Msg("log").With("message", message ?? "")); }

        /// <summary>Keeps <paramref name="block"/> until bgsim runs it; returns its number.</summary>
        internal static long RegisterBlock(Action<JsonObject> block)
        {
            var n = ++nextBlock;
            blocks[n] = block;
            return n;
        }

        /// <summary>Runs <paramref name="block"/> on <paramref name="queue"/> after a virtual delay.</summary>
        internal static void Dispatch(string queue, long delayUs, string label, Action block)
        {
            if (block == null) throw new ArgumentNullException("block");
            var m = Msg("dispatch").With("queue", queue);
            // Registered only once the message is sure to go out.
            RequireEvent(m);
            m.With("block", RegisterBlock(_ => block()));
            if (delayUs > 0) m.With("delay_us", delayUs);
            if (!string.IsNullOrEmpty(label)) m.With("label", label);
            Peer.Send(m);
        }

        /// <summary>The event <c>runBlock</c>: the block, once; its number is then free.</summary>
        internal static void RunBlock(JsonObject ev)
        {
            var n = ev.Long("block");
            Action<JsonObject> block;
            if (!blocks.TryGetValue(n, out block))
                throw new ProtocolException("bgsim ran block " + n + ", which this process never gave it");
            blocks.Remove(n);
            block(ev);
        }

        internal static int PendingBlocks { get { return blocks.Count; } }

        /// <summary>The container's absolute path (asked once per event).</summary>
        internal static string ContainerRoot
        {
            get
            {
                if (containerRoot == null) containerRoot = (string)Call(Msg("containerRoot"));
                return containerRoot;
            }
        }

        internal static string TaskKey(string session, long taskId) { return session + "#" + taskId; }
    }
}
