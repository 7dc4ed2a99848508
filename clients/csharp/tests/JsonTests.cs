// JsonTests.cs: the JSON reader and writer the framing rests on: round trips, escapes
// (a message must stay on one line), numbers, and refusals.

using System;
using System.Collections.Generic;
using Bgsim.Protocol;

namespace Bgsim.Tests
{
    public static class JsonTests
    {
        [Test]
        public static void RoundTripsAMessage()
        {
            var text = "{\"type\":\"runBlock\",\"now_us\":1500000,\"block\":3,\"tasks\":[{\"key\":{\"session\":\"s\",\"taskId\":1},\"taskDescription\":null,\"ok\":true}]}";
            var o = Json.ParseObject(text);
            Assert.Equal(text, Json.Write(o), "written back");
            Assert.Equal(1500000L, o.Long("now_us"), "now_us");
            var task = (JsonObject)o.Arr("tasks")[0];
            Assert.Equal(1L, task.Obj("key").Long("taskId"), "taskId");
            Assert.Equal(null, task.OptStr("taskDescription"), "null description");
            Assert.Equal(true, task.Bool("ok"), "bool");
        }

        [Test]
        public static void EscapesKeepAMessageOnOneLine()
        {
            var s = "a \"quoted\"\nline\twith \\ and \u0001 and \u2028 and é";
            var written = Json.Write(new JsonObject().With("message", s));
            Assert.True(written.IndexOf('\n') < 0 && written.IndexOf('\u2028') < 0, "no raw line break in " + written);
            Assert.Equal(s, Json.ParseObject(written).Str("message"), "read back");
            Assert.Equal("\u00e9\ud83d\ude00", (string)Json.Parse("\"\\u00e9\\ud83d\\ude00\""), "\\u escapes and a surrogate pair");
        }

        [Test]
        public static void NumbersKeepTheirKind()
        {
            Assert.Equal(-999L, (long)Json.Parse("-999"), "a whole number is a long");
            Assert.Equal(9007199254740993L, (long)Json.Parse("9007199254740993"), "beyond a double's precision");
            Assert.Equal(0.25, (double)Json.Parse("0.25"), "a fraction");
            Assert.Equal(1e20, (double)Json.Parse("1E+20"), "an exponent");
            Assert.Equal("0.1", Json.Write(0.1), "shortest form");
            Assert.Equal("-1.7976931348623157E+308", Json.Write(-double.MaxValue), "extreme values stay JSON");
            Assert.Equal(3L, Json.ParseObject("{\"n\":3.0}").Long("n"), "3.0 read as a whole number");
        }

        [Test]
        public static void RefusesWhatIsNotJson()
        {
            foreach (var bad in new[] { "", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1} x", "\"\\x\"", "01a", "{'a':1}" })
                Assert.Throws<FormatException>(() => Json.Parse(bad), "parsing `" + bad + "`");
            Assert.Throws<FormatException>(() => Json.ParseObject("[1]"), "a list is not a message");
            Assert.Throws<ArgumentException>(() => Json.Write(double.NaN), "NaN has no JSON form");
            Assert.Throws<ArgumentException>(() => Json.Write(double.PositiveInfinity), "nor infinity");
        }

        [Test]
        public static void MissingFieldsNameTheMessage()
        {
            var e = Assert.Throws<ProtocolException>(() => Json.ParseObject("{\"type\":\"didWriteData\"}").Long("bytesWritten"));
            Assert.True(e.Message.Contains("didWriteData") && e.Message.Contains("bytesWritten"), e.Message);
            var w = Assert.Throws<ProtocolException>(() => Json.ParseObject("{\"type\":\"x\",\"n\":\"3\"}").Long("n"));
            Assert.True(w.Message.Contains("expected a whole number"), w.Message);
        }

        [Test]
        public static void KeysKeepTheirOrder()
        {
            var o = new JsonObject().With("type", "log").With("message", "m").With("a", new List<object> { 1L, "x", null });
            Assert.Equal("{\"type\":\"log\",\"message\":\"m\",\"a\":[1,\"x\",null]}", Json.Write(o), "written");
        }
    }
}
