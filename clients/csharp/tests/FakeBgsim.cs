// FakeBgsim.cs: bgsim's side of the protocol, scripted, for the unit tests. It is the
// TextReader the client reads and the TextWriter it writes, with no thread: when the client
// reads, the fake answers the call it just made (from a responder), or gives the next
// scripted message (welcome, then events), or the end of input. It checks the framing as
// it goes: one JSON object per line, `return` only inside a turn, answers only to calls
// that return a value.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Bgsim.Protocol;

namespace Bgsim.Tests
{
    public sealed class FakeBgsim
    {
        /// <summary>The calls of docs/protocol.md that are answered.</summary>
        public static readonly HashSet<string> Returning = new HashSet<string>
        {
            "createBackgroundSession", "downloadTask", "downloadTaskWithResumeData", "downloadTaskWithCompletionHandler",
            "uploadTaskFromFile", "uploadTaskWithStreamedRequest", "dataTask", "uploadTaskFromData", "setTaskDelegate",
            "taskInfo", "readFile", "writeFile", "moveItem", "copyItem", "replaceItem", "removeItem", "createDirectory",
            "fileExists", "fileSize", "listDirectory", "containerRoot",
        };

        /// <summary>Breaches of the protocol the fake saw (each also thrown at the client).</summary>
        public readonly List<string> Problems = new List<string>();
        /// <summary>Every message the client wrote, in order.</summary>
        public readonly List<JsonObject> Sent = new List<JsonObject>();
        readonly Queue<Func<JsonObject>> script = new Queue<Func<JsonObject>>();
        readonly Queue<string> answers = new Queue<string>();
        int turns;
        bool inTurn;
        long nextTask;

        /// <summary>Answers a returning call (null: the default answer).</summary>
        public Func<JsonObject, JsonObject> Responder;

        public FakeBgsim()
        {
            Reader = new FakeReader(this);
            Writer = new FakeWriter(this);
            Then(() => Msg("welcome").With("protocol", 1L).With("session", null));
        }

        public TextReader Reader { get; private set; }
        public TextWriter Writer { get; private set; }
        public Peer Peer { get { return new Peer(Reader, Writer); } }
        /// <summary>How many events the client ended with `return`.</summary>
        public int Returns { get; private set; }

        public static JsonObject Msg(string type) { return new JsonObject().With("type", type); }

        /// <summary>Replaces the welcome's session table.</summary>
        public FakeBgsim Welcome(JsonObject session)
        {
            script.Clear();
            Then(() => Msg("welcome").With("protocol", 1L).With("session", session));
            return this;
        }

        /// <summary>Queues a message, built when the client reads it (so it can name what
        /// the client sent before: a block number, a handler).</summary>
        public FakeBgsim Then(Func<JsonObject> message) { script.Enqueue(message); return this; }

        /// <summary>Queues an event with the usual fields.</summary>
        public FakeBgsim Event(string type, JsonObject fields = null, long nowUs = 0, string queue = "main", string state = "foreground")
        {
            return Then(() =>
            {
                var e = fields ?? new JsonObject();
                e.With("type", type).With("now_us", nowUs).With("queue", queue).With("state", state);
                return e;
            });
        }

        /// <summary>The last message of this type the client sent (null if none).</summary>
        public JsonObject Last(string type)
        {
            for (var i = Sent.Count - 1; i >= 0; i--) if (Sent[i].OptStr("type") == type) return Sent[i];
            return null;
        }

        public List<JsonObject> All(string type) { return Sent.FindAll(m => m.OptStr("type") == type); }

        /// <summary>The answer bgsim would give when nothing is scripted for the call.</summary>
        public JsonObject DefaultAnswer(JsonObject call)
        {
            var result = Msg("result");
            switch (call.Str("type"))
            {
                case "createBackgroundSession": return result.With("value", 0L);
                case "containerRoot": return result.With("value", "/var/mobile/Containers/Data/Application/TEST");
                case "fileExists": return result.With("value", false);
                case "downloadTask": case "downloadTaskWithResumeData": case "dataTask":
                case "uploadTaskFromFile": case "uploadTaskWithStreamedRequest":
                    return result.With("value", new JsonObject().With("session", "com.test").With("taskId", ++nextTask));
                default: return result.With("value", null);
            }
        }

        Exception Problem(string what)
        {
            Problems.Add(what);
            return new AssertionException(what);
        }

        void Received(string line)
        {
            JsonObject m;
            try { m = Json.ParseObject(line); }
            catch (FormatException e) { throw Problem("the client wrote a line that is not a JSON object: " + line + " (" + e.Message + ")"); }
            Sent.Add(m);
            var type = m.Str("type");
            if (type == "hello") return;
            if (!inTurn) throw Problem("the client wrote `" + type + "` outside a turn");
            if (type == "return") { inTurn = false; Returns++; return; }
            if (Returning.Contains(type))
                answers.Enqueue(Json.Write((Responder != null ? Responder(m) : null) ?? DefaultAnswer(m)));
        }

        string Next()
        {
            if (answers.Count > 0) return answers.Dequeue();
            if (inTurn) throw Problem("the client waits for an answer to a call that has none (turn " + turns + ")");
            if (script.Count == 0) return null;
            var m = script.Dequeue()();
            if (m.OptStr("type") != "welcome") { inTurn = true; turns++; }
            return Json.Write(m);
        }

        sealed class FakeReader : TextReader
        {
            readonly FakeBgsim fake;
            public FakeReader(FakeBgsim fake) { this.fake = fake; }
            public override string ReadLine() { return fake.Next(); }
        }

        sealed class FakeWriter : TextWriter
        {
            readonly FakeBgsim fake;
            readonly StringBuilder line = new StringBuilder();
            public FakeWriter(FakeBgsim fake) { this.fake = fake; }
            public override Encoding Encoding { get { return Encoding.UTF8; } }
            public override void Write(char value)
            {
                if (value != '\n') { line.Append(value); return; }
                var text = line.ToString();
                line.Clear();
                fake.Received(text);
            }
            public override void Write(string value) { foreach (var c in value) Write(c); }
        }
    }
}
